"""The `modmesh` command explains what went wrong instead of showing a traceback."""

from pathlib import Path

from tests.support import free_port, run_modmesh


def test_moderate_without_a_running_mesh_says_how_to_start_one(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"anything")
    result = run_modmesh("moderate", str(clip), "--gateway", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "cannot reach the gateway" in result.stderr
    assert "modmesh up" in result.stderr
    assert "Traceback" not in result.stderr


def test_moderate_refuses_a_path_that_is_not_a_file(tmp_path: Path) -> None:
    result = run_modmesh("moderate", str(tmp_path / "missing.mp4"))
    assert result.returncode == 2
    assert "is not a file" in result.stderr


def test_a_malformed_setting_is_named(tmp_path: Path) -> None:
    env = {"MODMESH_MAX_MEDIA_BYTES": "lots"}
    result = run_modmesh("moderate", str(tmp_path), env=env)
    assert result.returncode == 1
    assert "MODMESH_MAX_MEDIA_BYTES" in result.stderr
    assert "Traceback" not in result.stderr
