"""The images under deploy/docker: one per service and the gateway, each built in two
stages on a pinned slim base, installing only its own extra, running as a numeric
non-root user, with a health check and an entrypoint that receives SIGTERM itself.

There is no Docker engine where the tests run, so these read the Dockerfiles."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from modmesh.cli.mesh import GATEWAY, SERVICES
from modmesh.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "deploy" / "docker"
IMAGES = (*SERVICES, GATEWAY)


def instructions(image: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = (DOCKER / f"{image}.Dockerfile").read_text()
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
    assert sorted(p.name for p in DOCKER.glob("*.Dockerfile")) == sorted(
        f"{image}.Dockerfile" for image in IMAGES
    )


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_builds_in_stages_on_a_pinned_slim_base(image: str) -> None:
    bases = [arguments.split()[0] for k, arguments in instructions(image) if k == "FROM"]
    assert len(bases) >= 2, "a build stage and a slim runtime stage"
    for base in bases:
        tag = base.partition(":")[2]
        assert tag and tag != "latest", f"{base}: pin the tag"
        assert re.search(r"\d+\.\d+\.\d+", tag), f"{base}: pin the patch release"
        assert "slim" in tag, f"{base}: use a slim base"


@pytest.mark.parametrize("image", IMAGES)
def test_the_image_installs_only_its_own_extra(image: str) -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    installs = [a for k, a in instructions(image) if k == "RUN" and "pip install" in a]
    assert len(installs) == 1, installs
    assert re.findall(r"'\.\[([a-z,]+)\]'", installs[0]) == [image]
    assert image in extras


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
    default_port = getattr(Settings(), f"{image}_addr").rpartition(":")[2]
    assert port == default_port
    assert f"MODMESH_BIND=0.0.0.0:{port}" in last(image, "ENV")


def test_only_the_images_that_read_media_carry_ffmpeg() -> None:
    with_ffmpeg = {
        image
        for image in IMAGES
        if any(k == "RUN" and "ffmpeg" in a for k, a in instructions(image))
    }
    assert with_ffmpeg == {"transcription", "similarity", "decision"}
