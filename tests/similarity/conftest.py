from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from modmesh.cli.samples import make_clip
from modmesh.runtime.media import require_tool


@pytest.fixture(scope="session")
def reencoded_clip(gift_card_clip: Path, media_dir: Path) -> Path:
    """The gift card clip as a re-upload would look: half the size, a fraction of the bitrate."""
    out = media_dir / "gift-card-reencoded.mp4"
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [
            require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-i", str(gift_card_clip),
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
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [
            require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", "color=c=black:s=160x120:d=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def ffmpeg(*arguments: str) -> None:
    subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
        [require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", *arguments], check=True
    )


#: Stills from lavfi sources, one per scene: detailed enough for PDQ, unlike each other.
KNOWN_SCENES = (
    "mandelbrot=size=640x480:start_x=-0.75:start_y=0.1:start_scale=0.3",
    "testsrc2=size=640x480",
    "smptehdbars=size=640x480",
    "mandelbrot=size=640x480:start_x=-0.1:start_y=0.9:start_scale=0.2",
)
OTHER_SCENES = (
    "mandelbrot=size=640x480:start_x=-1.2:start_y=0.3:start_scale=0.2",
    "rgbtestsrc=size=640x480",
    "testsrc=size=640x480",
    "mandelbrot=size=640x480:start_x=0.3:start_y=0.5:start_scale=0.1",
)
SCENE_SECONDS = 2.5


def make_scenes_clip(out: Path, text: str, scenes: tuple[str, ...], voice: str) -> Path:
    """A clip shaped like real footage for a per-frame hash: scenes that hold for a while
    (each a still with a slow zoom), cut one after another, under a spoken line.

    lavfi's moving sources change completely between two frames a second apart, which
    no sampled-frame matcher (vPDQ included) is meant for.
    """
    with tempfile.TemporaryDirectory() as work:
        speech = Path(work) / "speech.wav"
        subprocess.run(  # noqa: S603 - espeak-ng with our own text
            ["espeak-ng", "-v", voice, "-w", str(speech), text],  # noqa: S607 - from PATH
            check=True,
        )
        inputs: list[str] = []
        chains = []
        for number, source in enumerate(scenes):
            still = Path(work) / f"{number}.png"
            ffmpeg("-f", "lavfi", "-i", source, "-ss", "1", "-frames:v", "1", str(still))
            inputs += ["-loop", "1", "-t", str(SCENE_SECONDS), "-i", str(still)]
            chains.append(
                f"[{number}:v]scale=640:480,zoompan=z='1+0.0005*on':d=1:s=320x240:fps=25,"
                f"trim=duration={SCENE_SECONDS},setpts=PTS-STARTPTS[v{number}]"
            )
        count = len(scenes)
        cuts = "".join(f"[v{n}]" for n in range(count))
        chains.append(f"{cuts}concat=n={count}:v=1:a=0,format=yuv420p[v]")
        chains.append(f"[{count}:a]apad,atrim=duration={SCENE_SECONDS * count}[a]")
        ffmpeg(
            *inputs, "-i", str(speech), "-filter_complex", ";".join(chains),
            "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "veryfast",
            "-c:a", "aac", str(out),
        )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def scenes_clip(media_dir: Path) -> Path:
    """The known clip of the robustness tests: four 2.5 s scenes, 10 s in all."""
    return make_scenes_clip(
        media_dir / "scenes-known.mp4",
        "Get your free gift card now at the link below.",
        KNOWN_SCENES,
        "en-us",
    )


@pytest.fixture(scope="session")
def other_scenes_clip(media_dir: Path) -> Path:
    """Unrelated footage made the same way: other stills, another line, another voice."""
    return make_scenes_clip(
        media_dir / "scenes-other.mp4",
        "Subscribe for more cooking videos every week.",
        OTHER_SCENES,
        "en-gb",
    )


RECORDING_TEXT = "Congratulations, you have won a free cruise. Call this number today to claim it."


@pytest.fixture(scope="session")
def known_recording(media_dir: Path) -> Path:
    return make_clip(
        media_dir / "recording.wav", RECORDING_TEXT, lead_silence=0.5, video=None, voice="en-us"
    )


@pytest.fixture(scope="session")
def other_voice_recording(media_dir: Path) -> Path:
    """The same words in another voice: another recording, not a copy."""
    return make_clip(
        media_dir / "recording-other-voice.wav",
        RECORDING_TEXT,
        lead_silence=0.5,
        video=None,
        voice="en-gb",
    )
