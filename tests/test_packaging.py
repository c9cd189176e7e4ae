"""The packages' promises: one distribution per service, its path its import name, each
declaring what it imports and nothing more, contracts that never drift from the protos,
and torch for the two model-running servers alone (transcription and scoring)."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from collections.abc import Iterator
from functools import cache
from importlib.machinery import ModuleSpec
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Every package of the workspace, by folder.
PACKAGES = sorted([*(p.parent for p in ROOT.glob("services/*/pyproject.toml")), ROOT / "gateway"])
#: Declared but never imported, each for a reason a reader can check.
USED_WITHOUT_IMPORT = {
    # SQLAlchemy loads the PostgreSQL driver that a database URL names.
    "psycopg",
    # uvicorn serves WebSockets (live streams) only with a WebSocket library installed.
    "websockets",
    # A pin: pip otherwise backtracks through every release whisperx admits (pyproject).
    "transformers",
}


def project(package: Path) -> dict[str, object]:
    return dict(tomllib.loads((package / "pyproject.toml").read_text())["project"])


def requirement_name(requirement: str) -> str:
    return re.split(r"[\[=<>~!; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def declared(package: Path) -> set[str]:
    meta = project(package)
    requirements = list(meta.get("dependencies", []))  # type: ignore[call-overload]
    for extra in dict(meta.get("optional-dependencies", {})).values():  # type: ignore[call-overload]
        requirements += extra
    return {requirement_name(r) for r in requirements}


def modules(package: Path) -> Iterator[tuple[str, Path]]:
    """(import name, file) of every hand-written module of the package."""
    src = package / "src"
    for file in sorted(src.rglob("*.py")):
        parts = file.relative_to(src).with_suffix("").parts
        if "v1" in parts:  # generated from protos/ (checked below)
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, file


@cache
def _file_owners(top: str) -> dict[Path, str]:
    """Every file installed by a distribution that provides the top-level module `top`,
    and that distribution (several share a namespace such as google)."""
    return {
        Path(str(dist.locate_file(file))).resolve(): requirement_name(dist.metadata["Name"])
        for name in packages_distributions().get(top, [])
        for dist in [distribution(name)]
        for file in dist.files or ()
    }


def imported_names(file: Path) -> Iterator[str]:
    """What the file's absolute imports name: `import a.b` names a.b; `from a import b`
    names a and a.b (b may be a module or anything a defines)."""
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _spec(name: str) -> ModuleSpec | None:
    """The module named, or None where the name is no module (a function, a class…)."""
    try:
        return importlib.util.find_spec(name)
    except ModuleNotFoundError:  # its parent is a module, not a package
        return None
    except ValueError:  # imported already, by a module that set no spec (cryptography's)
        return None


def _distribution_of(name: str) -> str | None:
    top, _, rest = name.partition(".")
    if top == "modmesh":  # installed editable, so no record lists its files
        part = rest.partition(".")[0]
        return "modmesh-runtime" if part == "contracts" else f"modmesh-{part}"
    if top in sys.stdlib_module_names or top == "__future__":
        return None
    assert _spec(top) is not None, f"{top} is not installed"
    spec = _spec(name)
    if spec is None or spec.origin is None:  # not a module, or a shared namespace (google)
        return None
    return _file_owners(top).get(Path(spec.origin).resolve(), top)


def distributions_imported(file: Path) -> set[str]:
    """The distributions whose modules the file imports (modmesh's own included)."""
    return {d for name in imported_names(file) if (d := _distribution_of(name)) is not None}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_every_module_path_below_src_is_its_import_name(package: Path) -> None:
    for name, file in modules(package):
        spec = importlib.util.find_spec(name)
        assert spec is not None, name
        assert Path(str(spec.origin)) == file, f"{name} imports from {spec.origin}"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_each_package_declares_what_it_imports_and_nothing_more(package: Path) -> None:
    own = str(project(package)["name"])
    imported = set()
    for name, file in modules(package):
        found = distributions_imported(file)
        undeclared = found - declared(package) - {own}
        assert not undeclared, f"{name} imports {sorted(undeclared)}, undeclared in {own}"
        imported |= found
    unused = declared(package) - imported - USED_WITHOUT_IMPORT
    # An extra that names the package itself (cli[all]) declares nothing new.
    assert unused <= {own}, f"{own} declares {sorted(unused)} but never imports them"


#: The services: a caller imports each only through its client.py.
SERVICES = ("transcription", "termmatch", "similarity", "scoring", "decision")


@pytest.mark.parametrize("caller", ["gateway", "cli"])
def test_callers_import_a_service_only_through_its_client(caller: str) -> None:
    package = ROOT / "gateway" if caller == "gateway" else ROOT / "services" / caller
    for name, file in modules(package):
        for imported in imported_names(file):
            parts = imported.split(".")
            if parts[0] == "modmesh" and parts[1:2] and parts[1] in SERVICES and parts[2:]:
                assert parts[2] == "client", f"{name} imports {imported}"


#: The processes that run a neural model, and only their server extras, pull torch.
TORCH_SERVERS = {("transcription", "server"), ("scoring", "server")}


def test_only_the_transcription_and_scoring_servers_pull_torch() -> None:
    heavy = {"whisperx", "torch", "faster-whisper", "sentence-transformers"}
    for package in PACKAGES:
        meta = project(package)
        for requirement in list(meta.get("dependencies", [])):  # type: ignore[call-overload]
            assert requirement_name(requirement) not in heavy, (package.name, requirement)
        extras = dict(meta.get("optional-dependencies", {}))  # type: ignore[call-overload]
        for extra, requirements in extras.items():
            if (package.name, extra) not in TORCH_SERVERS:
                assert not {requirement_name(r) for r in requirements} & heavy, extra


def test_services_other_than_transcription_and_scoring_run_without_importing_torch() -> None:
    # Scoring's callers need only its contract (it has no client.py), which is torch-free.
    code = (
        "import sys\n"
        "import modmesh.termmatch.grpc, modmesh.similarity.grpc, modmesh.decision.grpc\n"
        "import modmesh.contracts.scoring.v1.scoring_pb2_grpc\n"
        "import modmesh.gateway.app, modmesh.cli.main\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    result = subprocess.run(  # noqa: S603 - our interpreter on our import check
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each package built as the wheel an image would install, by folder name."""
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(  # noqa: S603 - pip wheel of our own packages
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(out), *(str(p) for p in PACKAGES)),
        ],
        check=True,
    )
    built = {}
    for package in PACKAGES:
        name = str(project(package)["name"]).replace("-", "_")
        (wheel,) = out.glob(f"{name}-*.whl")
        built[package.name] = wheel
    return built


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_the_wheel_ships_every_file_of_the_package_under_the_shared_namespace(
    package: Path, wheels: dict[str, Path]
) -> None:
    src = package / "src"
    files = {
        str(f.relative_to(src))
        for f in src.rglob("*")
        if f.is_file() and "__pycache__" not in f.parts
    }
    with zipfile.ZipFile(wheels[package.name]) as wheel:
        shipped = {n for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")}
    assert shipped == files
    # No package owns `modmesh` itself: it is a namespace every distribution shares.
    assert "modmesh/__init__.py" not in shipped


def test_the_cli_starts_with_only_its_own_package_and_the_runtime(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    installed = tmp_path / "site"
    for name in ("runtime", "cli"):
        with zipfile.ZipFile(wheels[name]) as wheel:
            wheel.extractall(installed)
    # -S: no site-packages of ours, so no editable install is found; the third-party
    # libraries come from this environment's site-packages, added by hand.
    libraries = sysconfig.get_paths()["purelib"]
    code = (
        "import sys\n"
        f"sys.path[:0] = [{str(installed)!r}, {libraries!r}]\n"
        "from modmesh.cli.main import main\n"
        "assert main(['lists', 'export', 'sample-scams']) == 1\n"
        "services = {'termmatch', 'similarity', 'scoring', 'decision', 'gateway',"
        " 'transcription'}\n"
        "assert not {m.split('.')[1] for m in sys.modules if m.startswith('modmesh.')} & services\n"
        "main(['--help'])\n"
    )
    result = subprocess.run(  # noqa: S603 - our interpreter on our import check
        [sys.executable, "-S", "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "usage: modmesh" in result.stdout
    assert "needs the modmesh-termmatch package" in result.stderr
    assert "pip install 'modmesh-cli[termmatch]'" in result.stderr


def test_generated_code_matches_the_protos() -> None:
    result = subprocess.run(  # noqa: S603 - our protos/generate.py
        [sys.executable, str(ROOT / "protos" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_proto_package_is_versioned_and_buf_style() -> None:
    for proto in (ROOT / "protos").rglob("*.proto"):
        text = proto.read_text()
        relative = proto.relative_to(ROOT / "protos").parent
        assert f"package {'.'.join(relative.parts)};" in text, proto
        assert relative.parts[-1] == "v1", proto
