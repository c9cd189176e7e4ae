"""PDQ perceptual hashes of images and sampled video frames, vPDQ style.

A video is sampled at a fixed rate and each frame hashed with PDQ (256 bits). As in Meta's
vPDQ, consecutive frames whose hashes (nearly) agree are deduplicated into one *run* that
keeps the first hash and the time span of all of them: a static scene costs one index
entry, and match percentages are shares of time, not of frame counts. An image is a
one-frame video.

Frames are hashed as Meta's reference hasher (`pdq-photo-hasher`) hashes a file: the
decoded picture at its own size, shrunk to 512 x 512 by nearest neighbour when a side is
longer (see `reference_downsample`), then PDQ (the pdqhash wheel wraps the reference C++,
which converts to luma and applies the Jarosz filter). Hashes then agree with the
reference's bit for bit on its regression images, so they can be exchanged with
ThreatExchange, HMA and other platforms without costing the match threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pdqhash

from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import sample_frames

#: What `hash_frames` computes, recorded with each item hashed from media. Items hashed
#: before (frames scaled to 256 x 256 by ffmpeg first: 18-24 bits from the reference on
#: its own images) carry LEGACY_HASHER and are reported stale.
HASHER = "pdq-ref"
LEGACY_HASHER = "pdq-256px"
#: Hashes given as hex (imported, or computed elsewhere): whatever hashed them.
GIVEN_HASHER = "given"
#: The reference hasher shrinks pictures with a side over this to a square of this side
#: before PDQ ("the two-pass Jarosz filter is prohibitively expensive for larger
#: images", pdq/cpp/io/pdqio.cpp).
REFERENCE_DOWNSAMPLE_SIDE = 512
HASH_BITS = 256
HASH_BYTES = HASH_BITS // 8
PDQ_HEX_CHARS = HASH_BITS // 4
#: PDQ's authors advise against matching on frames below this quality: they are too flat
#: (black frames, fades, solid titles) and would match each other across unrelated videos.
MIN_QUALITY = 50
#: Consecutive frames this close are one run. Encoders make a still scene's hashes flicker
#: by a few bits; 4 of 256 is far below the match threshold, so a run's first hash stands
#: for all its frames without costing recall.
DEDUPE_DISTANCE = 4
#: Known items are indexed with the hash of each frame's centre 90 % as well: PDQ is not
#: crop-invariant (a 10 % centred crop moved hashes by 40-110 bits in our tests), and a
#: centred crop of about 8-12 % lands within a few bits of this variant. Other crops
#: (one side only, or much more) are not found; queries are hashed whole.
KNOWN_ITEM_CROPS = (1.0, 0.9)

_PDQ_HEX = re.compile(rf"^[0-9a-fA-F]{{{PDQ_HEX_CHARS}}}$")


@dataclass(frozen=True)
class HashRun:
    """One PDQ hash and the span of media it stands for (one frame, or a deduplicated
    run of consecutive near-identical frames)."""

    #: 32 bytes: the 256 bits, most significant first (the hex form's byte order), as in
    #: Meta's reference implementation and ThreatExchange, so hashes can be exchanged.
    pdq: bytes
    start_seconds: float
    end_seconds: float
    #: PDQ quality in [0, 100] of the run's first frame.
    quality: int

    @property
    def hex(self) -> str:
        return self.pdq.hex()

    @property
    def seconds(self) -> float:
        return self.end_seconds - self.start_seconds


def parse_pdq_hex(pdq_hex: str, field: str) -> bytes:
    """The 32 bytes of a PDQ hex hash; `field` names the request field in the error."""
    if not _PDQ_HEX.match(pdq_hex):
        raise InvalidArgument(
            f"{field} must be {PDQ_HEX_CHARS} hex characters (a 256-bit PDQ hash), "
            f"got {len(pdq_hex)} characters: {pdq_hex[:80]!r}",
            field=field,
        )
    return bytes.fromhex(pdq_hex)


def distance(a: bytes, b: bytes) -> int:
    """Hamming distance between two packed hashes."""
    return int.from_bytes(a, "big").__xor__(int.from_bytes(b, "big")).bit_count()


def hash_frames(path: Path, fps: float, crops: Sequence[float] = (1.0,)) -> list[list[HashRun]]:
    """For each crop (the centred share of width and height kept; 1.0 is the whole frame)
    the PDQ hashes of the frames sampled at `fps`, each spanning 1/fps seconds, keeping
    only frames detailed enough to hash reliably. The media is decoded once; a video of
    which no frame decodes (truncated, corrupt) is refused."""
    runs: list[list[HashRun]] = [[] for _ in crops]
    decoded = 0
    for timestamp, frame in sample_frames(path, fps):
        decoded += 1
        for crop, out in zip(crops, runs, strict=True):
            pdq, quality = pdq_hash(_centre(frame, crop))
            if quality >= MIN_QUALITY:
                out.append(HashRun(pdq, timestamp, timestamp + 1.0 / fps, quality))
    if not decoded:
        raise InvalidArgument(
            "no video frame could be decoded: the file is truncated or corrupt",
            field="media",
        )
    return runs


def pdq_hash(frame: np.ndarray) -> tuple[bytes, int]:
    """The PDQ hash (32 bytes, the reference's hex order) and quality of an RGB frame
    [H, W, 3] uint8, as the reference hasher computes them for a decoded file."""
    bits, quality = pdqhash.compute(reference_downsample(frame))
    # pdqhash gives bit 255 first; packing most significant bit first yields the
    # reference implementation's hex.
    return np.packbits(bits.astype(np.uint8)).tobytes(), int(quality)


def reference_downsample(frame: np.ndarray) -> np.ndarray:
    """The reference hasher's shrink: a frame with a side over REFERENCE_DOWNSAMPLE_SIDE
    becomes that square (aspect not kept) by CImg's nearest neighbour, which takes source
    pixel floor(x * width / side), corner-aligned (ffmpeg's `neighbor` is centre-aligned
    and lands 2-8 bits away on the reference images)."""
    height, width = frame.shape[:2]
    side = REFERENCE_DOWNSAMPLE_SIDE
    if height <= side and width <= side:
        return np.ascontiguousarray(frame)
    rows = np.arange(side) * height // side
    cols = np.arange(side) * width // side
    return np.ascontiguousarray(frame[rows[:, None], cols[None, :]])


def _centre(frame: np.ndarray, share: float) -> np.ndarray:
    if share >= 1.0:
        return frame
    height, width = frame.shape[:2]
    top, left = round(height * (1 - share) / 2), round(width * (1 - share) / 2)
    return frame[top : height - top, left : width - left]


def dedupe(runs: Iterable[HashRun], within: int = DEDUPE_DISTANCE) -> list[HashRun]:
    """Merges each run into the one before when their hashes are within `within` bits
    and they touch in time."""
    merged: list[HashRun] = []
    for run in runs:
        last = merged[-1] if merged else None
        if (
            last is not None
            and run.start_seconds <= last.end_seconds + 1e-6
            and distance(last.pdq, run.pdq) <= within
        ):
            merged[-1] = replace(last, end_seconds=max(last.end_seconds, run.end_seconds))
        else:
            merged.append(run)
    return merged


def hash_video(path: Path, fps: float, crops: Sequence[float] = (1.0,)) -> list[HashRun]:
    """The deduplicated runs of a video (or image) file, those of each crop after the
    previous crop's (the runs of one time span then share their start and end)."""
    return [run for runs in hash_frames(path, fps, crops) for run in dedupe(runs)]


def packed(runs: Iterable[HashRun]) -> np.ndarray:
    """The runs' hashes as uint8 [n, 32], the index's input."""
    data = b"".join(run.pdq for run in runs)
    return np.frombuffer(data, np.uint8).reshape(-1, HASH_BYTES)
