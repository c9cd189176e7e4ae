"""The images: one Dockerfile in each service's folder and the gateway's, each built in
two stages on a pinned slim base, installing only its own package and the runtime (a
service with its `server` extra), running as a numeric non-root user, with a health
check and an entrypoint that receives SIGTERM itself.

There is no Docker engine where the tests run, so these read the Dockerfiles."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from modmesh.cli.mesh import GATEWAY, SERVICES
from modmesh.runtime.settings import MeshSettings

ROOT = Path(__file__).resolve().parents[2]
IMAGES = (*SERVICES, GATEWAY)


def package_folder(image: str) -> str:
    return "gateway" if image == GATEWAY else f"services/{image}"


def instructions(image: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = (ROOT / package_folder(image) / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


def last(image: str, keyword: str) -> str:
    matching = [arguments for k, arguments in instructions(image) if k == keyword]
    assert matching, f"{image}.Dockerfile has no {keyword}"
    return matching[-1]


def test_there_is_one_dockerfile_per_service_and_the_gateway_and_no_other() -> None:
    found = {str(p.parent.relative_to(ROOT)) for p in ROOT.glob("**/Dockerfile")}
    assert found == {package_folder(image) for image in IMAGES}


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_builds_in_stages_on_a_pinned_slim_base(image: str) -> None:
    bases = [arguments.split()[0] for k, arguments in instructions(image) if k == "FROM"]
    assert len(bases) >= 2, "a build stage and a slim runtime stage"
    for base in bases:
        tag = base.partition(":")[2]
        assert tag, f"{base}: pin the tag"
        assert tag != "latest", f"{base}: pin the tag"
        assert re.search(r"\d+\.\d+\.\d+", tag), f"{base}: pin the patch release"
        assert "slim" in tag, f"{base}: use a slim base"


#: What each image installs besides the runtime: a service its own package with the
#: `server` extra; the gateway its own and the clients of the services it calls.
OWN_PACKAGES = {
    **{service: {f"services/{service}[server]"} for service in SERVICES},
    GATEWAY: {"gateway", "services/termmatch"},
}


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_installs_only_its_own_package_and_the_runtime(image: str) -> None:
    installs = [a for k, a in instructions(image) if k == "RUN" and "pip install" in a]
    assert len(installs) == 1, installs
    arguments = installs[0].partition(" install ")[2].split()
    paths = {word.strip("'").removeprefix("./") for word in arguments if "/" in word}
    runtime = {"services/runtime", "services/runtime[database]"}
    assert len(paths & runtime) == 1, paths
    assert paths - runtime == OWN_PACKAGES[image]
    for path in paths:
        folder = path.partition("[")[0]
        extras = re.findall(r"\[([a-z,]+)\]", path)
        declared = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())["project"]
        assert set(extras) <= set(declared.get("optional-dependencies", {})), path


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_runs_as_a_numeric_non_root_user(image: str) -> None:
    user = last(image, "USER").split(":")
    assert all(part.isdigit() for part in user), "numeric, so runAsNonRoot can verify it"
    assert int(user[0]) != 0


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_has_a_health_check_and_an_exec_form_entrypoint(image: str) -> None:
    assert "CMD" in last(image, "HEALTHCHECK")
    # Exec form: python is PID 1 and gets SIGTERM itself, so it drains and exits 0.
    assert json.loads(last(image, "ENTRYPOINT")) == ["python", "-m", f"modmesh.{image}"]


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_listens_on_the_port_it_exposes_and_the_mesh_expects(image: str) -> None:
    port = last(image, "EXPOSE")
    default_port = getattr(MeshSettings(), f"{image}_addr").rpartition(":")[2]
    assert port == default_port
    assert f"MODMESH_BIND=0.0.0.0:{port}" in last(image, "ENV")


def test_only_the_images_that_read_media_carry_ffmpeg() -> None:
    with_ffmpeg = {
        image
        for image in IMAGES
        if any(k == "RUN" and "ffmpeg" in a for k, a in instructions(image))
    }
    assert with_ffmpeg == {"transcription", "similarity", "decision"}
