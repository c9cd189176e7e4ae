"""Neutral sample data shipped with modmesh: a scam/spam term list, a scam/phishing/spam
example set beside it (labelled sentences for the scoring service) and a speech clip.

Policy content is the operator's own; these exist so that the demo and the tests have
something real to moderate.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent
TERM_LIST = SAMPLES / "scam-phrases.json"
EXAMPLE_SET = SAMPLES / "scam-examples.json"
CLIP = SAMPLES / "sample-clip.mp4"
#: The bank the sample clip is registered in, so that re-uploads of it are found.
SAMPLE_BANK = "sample-known-scams"
#: What the sample clip says; "free gift card" is on the sample term list.
SAMPLE_TEXT = (
    "Hi everyone, thanks for watching. Today only, claim your free gift card at the link below."
)

#: lavfi video sources that give each clip its own look (PDQ needs texture, not flat colour).
VIDEO_SOURCES = {
    "testsrc2": "testsrc2=size=320x240:rate=25",
    "mandelbrot": "mandelbrot=size=320x240:rate=25",
    "life": "life=size=320x240:rate=25:seed=7:mold=10:ratio=0.3",
    "cellauto": "cellauto=size=320x240:rate=25:rule=110:seed=3",
}


class MissingTool(RuntimeError):
    pass


def require_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise MissingTool(
            f"{', '.join(missing)} not installed: run `apt-get update && apt-get install -y "
            "espeak-ng ffmpeg sox` (make demo and make test do this for you)"
        )


def make_clip(
    out: Path,
    text: str,
    *,
    lead_silence: float = 1.0,
    tail_silence: float = 1.0,
    video: str | None = "testsrc2",
    voice: str = "en-us",
) -> Path:
    """Writes a clip saying `text` after `lead_silence` seconds: MP4 (H.264 + AAC) when
    `video` names one of VIDEO_SOURCES, otherwise a 16 kHz WAV with audio only."""
    require_tools("espeak-ng", "ffmpeg")
    with tempfile.TemporaryDirectory() as work:
        speech = Path(work) / "speech.wav"
        subprocess.run(  # noqa: S603 - espeak-ng with the sample's own text
            ["espeak-ng", "-v", voice, "-s", "150", "-w", str(speech), text],  # noqa: S607 - PATH
            check=True,
        )
        audio_filter = (
            f"adelay={int(lead_silence * 1000)}:all=1,apad=pad_dur={tail_silence},aresample=16000"
        )
        command = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
        if video is None:
            command += ["-i", str(speech), "-af", audio_filter, "-ac", "1", str(out)]
        else:
            command += [
                "-i",
                str(speech),
                "-f",
                "lavfi",
                "-i",
                VIDEO_SOURCES[video],
                "-filter_complex",
                f"[0:a]{audio_filter}[a]",
                "-map",
                "1:v",
                "-map",
                "[a]",
                "-shortest",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "30",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "48k",
                str(out),
            ]
        subprocess.run(command, check=True)  # noqa: S603 - ffmpeg with arguments we build
    return out
