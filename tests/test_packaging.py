"""The distribution's promises: contracts and code never drift, import names live under
`modmesh.`, and only the transcription service needs torch."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_code_matches_the_protos() -> None:
    result = subprocess.run(
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


def test_installed_names_live_under_the_modmesh_namespace() -> None:
    import modmesh
    import modmesh.gateway

    assert Path(modmesh.__file__).parent == ROOT / "services"
    assert Path(modmesh.gateway.__file__).parent == ROOT / "gateway"


def test_only_the_transcription_extra_pulls_whisperx() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    heavy = ("whisperx", "torch")
    assert not [d for d in project["dependencies"] if d.startswith(heavy)]
    for extra, requirements in project["optional-dependencies"].items():
        if extra not in ("transcription", "all"):
            assert not [r for r in requirements if r.startswith(heavy)], extra


def test_services_other_than_transcription_run_without_importing_torch() -> None:
    code = (
        "import sys\n"
        "import modmesh.termmatch.server, modmesh.similarity.server, modmesh.decision.server\n"
        "import modmesh.gateway.app, modmesh.cli.main\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_package_folder_is_in_the_distribution() -> None:
    """The package list is explicit (folders map to other names), so a new folder must be
    added to it or a wheel would ship without it."""
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = set()
    for root, prefix in ((ROOT / "services", "modmesh"), (ROOT / "gateway", "modmesh.gateway")):
        for init in root.rglob("__init__.py"):
            found.add(".".join((prefix, *init.parent.relative_to(root).parts)))
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
