from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from modmesh.samples import VIDEO_SOURCES


@pytest.fixture(scope="session")
def video_without_audio(media_dir: Path) -> Path:
    """Two seconds of moving picture and no audio track at all."""
    out = media_dir / "no-audio.mp4"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", VIDEO_SOURCES["testsrc2"], "-t", "2", "-c:v", "libx264",
            "-preset", "veryfast", "-pix_fmt", "yuv420p", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out
