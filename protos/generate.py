"""Generates the Python code for every proto under protos/ into services/.

Proto package modmesh.<x>.v1 becomes the Python package modmesh.<x>.v1, which lives in
services/<x>/v1/ because the folder services/ is the package modmesh (see
pyproject.toml). The generated files are committed; `--check` fails when they are stale,
and the test suite runs it, so the code can never drift from the contracts.

    python protos/generate.py          # regenerate
    python protos/generate.py --check  # exit 1 when anything differs
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

PROTOS = Path(__file__).resolve().parent
ROOT = PROTOS.parent
TARGET = ROOT / "services"
HEADER = "# Generated from protos/ by protos/generate.py. Do not edit.\n"


def generate(out: Path) -> list[Path]:
    """Writes generated code for every proto into `out` (laid out like services/)."""
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
            destination.write_text(HEADER + file.read_text())
            produced.append(relative)
        for package in {p.parent for p in produced}:
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
                print(f"stale: services/{path} (run: python protos/generate.py)")
            return 1 if stale else 0
        for path in stale:
            (TARGET / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh / path, TARGET / path)
            print(f"wrote services/{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
