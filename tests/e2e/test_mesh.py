"""One clip through the whole mesh, driven exactly as an operator would: `modmesh up`
starts the gateway and the four services as separate processes, `modmesh moderate`
uploads through the gateway and prints the case as JSON."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modmesh.cli.samples import CLIP, SAMPLE_BANK, make_clip
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, decode_audio, require_tool
from tests.support import LoopbackSettings, loopback_settings, modmesh_up, run_modmesh

pytestmark = pytest.mark.e2e


def speech_onset(path: Path) -> float:
    """Seconds until the first clearly audible sample: where the first word begins."""
    samples = decode_audio(path)
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    return float(loud[0]) / AUDIO_SAMPLE_RATE


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    settings = loopback_settings(tmp_path_factory.mktemp("mesh"))
    with modmesh_up(settings) as said:
        assert "sample term list sample-scams" in said, said
        assert "sample example set sample-scams" in said, said
        yield settings


def moderate(settings: LoopbackSettings, clip: Path) -> dict[str, Any]:
    result = run_modmesh(
        "moderate",
        str(clip),
        "--json",
        "--quiet",
        "--account",
        "e2e-account",
        settings=settings,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    case: dict[str, Any] = json.loads(result.stdout)
    return case


def test_a_spoken_listed_phrase_opens_a_case_naming_list_version_and_time(
    mesh: LoopbackSettings, media_dir: Path
) -> None:
    clip = make_clip(
        media_dir / "e2e-phrase.mp4",
        "Free gift card, only for you.",
        lead_silence=4.0,
        video="life",
    )
    case = moderate(mesh, clip)

    assert case["status"] == "CASE_STATUS_OPEN"
    assert case["priority"] == "PRIORITY_HIGH"
    hits = [h for h in case["term_hits"] if h["term_id"] == "free-gift-card"]
    assert len(hits) == 1, case["term_hits"]
    hit = hits[0]
    assert hit["list_id"] == "sample-scams"
    assert int(hit["list_version"]) == 1
    assert abs(hit["time_range"]["start_seconds"] - speech_onset(clip)) <= 0.5
    assert "free gift card" in case["statement_of_reasons"]
    assert case["transcript"]["language"] == "en"


def test_a_re_encoded_copy_of_a_known_clip_is_found_in_its_bank(
    mesh: LoopbackSettings, media_dir: Path
) -> None:
    copy = media_dir / "sample-copy.mp4"
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [
            require_tool("ffmpeg"),
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(CLIP),
            "-vf",
            "scale=160:120",
            "-c:v",
            "libx264",
            "-crf",
            "36",
            "-c:a",
            "aac",
            "-b:a",
            "32k",
            str(copy),
        ],
        check=True,
    )
    case = moderate(mesh, copy)

    assert case["status"] == "CASE_STATUS_OPEN"
    banks = {m["bank"]: m for m in case["similarity_matches"]}
    assert SAMPLE_BANK in banks, case["similarity_matches"]
    assert banks[SAMPLE_BANK]["item_id"] == "sample-clip"
    assert banks[SAMPLE_BANK].get("distance", 0) <= 31


def test_a_file_that_is_not_media_is_refused_and_the_mesh_keeps_serving(
    mesh: LoopbackSettings, tmp_path: Path, media_dir: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting notes, not a video\n" * 20)
    result = run_modmesh("moderate", str(notes), "--quiet", settings=mesh)
    assert result.returncode == 1
    assert "upload refused (400)" in result.stderr
    assert "not a media file" in result.stderr

    after = moderate(mesh, CLIP)
    assert after["status"] == "CASE_STATUS_OPEN"
