from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from modmesh.samples import make_clip


@pytest.fixture(scope="session")
def reencoded_clip(gift_card_clip: Path, media_dir: Path) -> Path:
    """The gift card clip as a re-upload would look: half the size, a fraction of the bitrate."""
    out = media_dir / "gift-card-reencoded.mp4"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(gift_card_clip),
            "-vf", "scale=160:120", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "80k",
            "-c:a", "copy", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def unrelated_clip(media_dir: Path) -> Path:
    """Different footage (a Mandelbrot zoom instead of the test pattern)."""
    return make_clip(
        media_dir / "mandelbrot.mp4", "Nothing to see here.", lead_silence=0.5, video="mandelbrot"
    )


@pytest.fixture(scope="session")
def audio_only_clip(media_dir: Path) -> Path:
    return make_clip(media_dir / "audio-only.wav", "Just a voice.", lead_silence=0.2, video=None)


@pytest.fixture(scope="session")
def flat_clip(media_dir: Path) -> Path:
    """Two seconds of black: nothing PDQ can hash reliably."""
    out = media_dir / "black.mp4"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", "color=c=black:s=160x120:d=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            str(out),
        ],
        check=True,
    )  # fmt: skip
    return out
