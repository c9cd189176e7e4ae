"""Generates the Python code for every proto under protos/ into the contracts package.

Proto package modmesh.<x>.v1 becomes the Python package modmesh.contracts.<x>.v1, in
services/runtime/src/modmesh/contracts/<x>/v1/: one distribution (modmesh-runtime) holds
every service's stubs, so the gateway and the CLI can call a service without installing
it. protoc names Python modules after proto paths, so the imports between generated
modules are moved under `modmesh.contracts` here; the proto packages, and with them the
names on the wire, stay `modmesh.<x>.v1`. The generated files are committed; `--check`
fails when they are stale, and the test suite runs it, so the code can never drift from
the contracts.

    python protos/generate.py          # regenerate
    python protos/generate.py --check  # exit 1 when anything differs
"""

from __future__ import annotations

import argparse
import filecmp
import re
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

PROTOS = Path(__file__).resolve().parent
ROOT = PROTOS.parent
TARGET = ROOT / "services" / "runtime" / "src" / "modmesh" / "contracts"
HEADER = "# Generated from protos/ by protos/generate.py. Do not edit.\n"
#: Python module references in generated code (`from modmesh.x.v1 import …` and the
#: `'modmesh.x.v1.y_pb2'` module names), but not proto names such as
#: '/modmesh.x.v1.XService/Method', which are what the wire carries.
MODULE_REFERENCE = re.compile(
    r"(?<=from )modmesh\.(?=\w+\.v1 )"  # from modmesh.common.v1 import evidence_pb2
    r"|(?<=')modmesh\.(?=\w+\.v1\.\w+_pb2')"  # 'modmesh.termmatch.v1.termmatch_pb2'
)


def _into_contracts(code: str) -> str:
    return MODULE_REFERENCE.sub("modmesh.contracts.", code)


def generate(out: Path) -> list[Path]:
    """Writes generated code for every proto into `out` (laid out like the contracts)."""
    sources = sorted(PROTOS.rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as raw:
        args = [
            "protoc",
            f"-I{PROTOS}",
            f"-I{include}",
            f"--python_out={raw}",
            f"--pyi_out={raw}",
            f"--grpc_python_out={raw}",
            *(str(s) for s in sources),
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        produced = []
        for file in sorted((Path(raw) / "modmesh").rglob("*.py*")):
            relative = file.relative_to(Path(raw) / "modmesh")
            destination = out / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(HEADER + _into_contracts(file.read_text()))
            produced.append(relative)
        # Every folder is a regular package: <service>/ as well as <service>/v1/.
        for package in {folder for p in produced for folder in p.parents if folder.parts}:
            init = out / package / "__init__.py"
            init.write_text(HEADER)
            produced.append(package / "__init__.py")
    return sorted(produced)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    check = parser.parse_args().check
    with tempfile.TemporaryDirectory() as fresh_dir:
        fresh = Path(fresh_dir)
        produced = generate(fresh)
        stale = [
            p
            for p in produced
            if not (TARGET / p).exists() or not filecmp.cmp(fresh / p, TARGET / p, shallow=False)
        ]
        if check:
            for path in stale:
                print(f"stale: {TARGET.relative_to(ROOT) / path} (run: python protos/generate.py)")
            return 1 if stale else 0
        for path in stale:
            (TARGET / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh / path, TARGET / path)
            print(f"wrote {TARGET.relative_to(ROOT) / path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
