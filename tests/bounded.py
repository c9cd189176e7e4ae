"""Helpers of the bounded-work tests: long, highly compressed media made at test time,
and the peak memory of a service process."""

from __future__ import annotations

import subprocess
from pathlib import Path

from modmesh.runtime.media import require_tool

MIB = 1024 * 1024


def long_flac(out: Path, seconds: float, source: str = "anullsrc=r=8000:cl=mono") -> Path:
    """`seconds` of a lavfi audio source (silence by default) as FLAC: hours fit in a
    few megabytes, so what a service holds follows duration, not upload size."""
    if not out.exists():
        subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
            [
                require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                "-i", source, "-t", str(seconds), "-c:a", "flac", str(out),
            ],
            check=True,
        )  # fmt: skip
    return out


def peak_rss_bytes(pid: int) -> int:
    """The most resident memory the process has held since it started (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmHWM")


def looped_flac(out: Path, clip: Path, seconds: float) -> Path:
    """`clip` played over and over for `seconds`, as FLAC: a long file of real speech."""
    if not out.exists():
        subprocess.run(  # noqa: S603 - ffmpeg with arguments we build
            [
                require_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-stream_loop", "-1",
                "-i", str(clip), "-t", str(seconds), "-ac", "1", "-ar", "16000",
                "-c:a", "flac", str(out),
            ],
            check=True,
        )  # fmt: skip
    return out


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started that still run (e.g. its ffmpeg decoders)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children
