"""`modmesh stream`: pacing a file like a live broadcast, and failing with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from modmesh.cli.samples import CLIP
from modmesh.cli.stream import paced
from tests.support import free_port, loopback_settings, run_modmesh

#: 100 ms of PCM16 at 16 kHz.
CHUNK = b"\0\0" * 1600


class Clock:
    def __init__(self) -> None:
        self.time = 100.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.time += seconds


def test_realtime_pacing_holds_each_chunk_until_its_audio_is_live() -> None:
    clock = Clock()

    sent = list(paced([CHUNK] * 5, now=clock.now, sleep=clock.sleep))

    assert sent == [CHUNK] * 5
    assert clock.sleeps == [0.1, 0.1, 0.1, 0.1]
    assert clock.time == 100.4


def test_realtime_pacing_does_not_wait_for_a_sender_that_fell_behind() -> None:
    clock = Clock()
    chunks = iter([CHUNK] * 3)

    def slow_source() -> Iterator[bytes]:
        for chunk in chunks:
            clock.time += 0.3  # decoding took longer than the audio lasts
            yield chunk

    list(paced(slow_source(), now=clock.now, sleep=clock.sleep))

    assert clock.sleeps == []


def test_stream_without_a_running_decision_service_says_how_to_start_one(
    tmp_path: Path,
) -> None:
    # A mesh that was set up (its service key is there) but is not running.
    settings = loopback_settings(tmp_path)
    elsewhere = {"MODMESH_DECISION_ADDR": f"127.0.0.1:{free_port()}"}

    result = run_modmesh("stream", str(CLIP), settings=settings, env=elsewhere)

    assert result.returncode == 1
    assert "cannot reach decision" in result.stderr
    assert "modmesh up" in result.stderr
    assert "Traceback" not in result.stderr


def test_stream_refuses_a_file_that_is_not_media(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("free gift card\n" * 50)

    result = run_modmesh("stream", str(text))

    assert result.returncode == 1
    assert "not a media file" in result.stderr
    assert "Traceback" not in result.stderr


def test_stream_refuses_a_path_that_is_not_a_file(tmp_path: Path) -> None:
    result = run_modmesh("stream", str(tmp_path / "missing.mp4"))

    assert result.returncode == 2
    assert "is not a file" in result.stderr
