"""PDQ perceptual hashes of sampled video frames, and their 64-character hex form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash

from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import sample_frames

PDQ_BITS = 256
PDQ_HEX_CHARS = PDQ_BITS // 4
#: PDQ's authors advise against matching on frames below this quality: they are too flat
#: (black frames, fades, solid titles) and would match each other across unrelated videos.
MIN_QUALITY = 50

_PDQ_HEX = re.compile(rf"^[0-9a-fA-F]{{{PDQ_HEX_CHARS}}}$")


# eq=False: numpy arrays do not compare to a single bool, so value equality is meaningless.
@dataclass(frozen=True, eq=False)
class FrameHash:
    """The PDQ hash of one frame, with where the frame sits in its media."""

    #: 256 values of 0 or 1 (uint8), most significant bit of the hex form first.
    bits: np.ndarray
    timestamp_seconds: float
    #: PDQ quality in [0, 100].
    quality: int

    @property
    def hex(self) -> str:
        return bits_to_hex(self.bits)


def bits_to_hex(bits: np.ndarray) -> str:
    """The 64-character lowercase hex form of 256 hash bits.

    pdqhash returns bit 255 first, so packing most-significant-bit first gives the same
    hex as Meta's reference implementation and ThreatExchange: hashes can be exchanged.
    """
    return bits_to_bytes(bits).hex()


def bits_to_bytes(bits: np.ndarray) -> bytes:
    return np.packbits(bits.astype(np.uint8)).tobytes()


def bytes_to_bits(packed: bytes) -> np.ndarray:
    return np.unpackbits(np.frombuffer(packed, np.uint8))


def hex_to_bits(pdq_hex: str, field: str) -> np.ndarray:
    """Parses a PDQ hex hash; `field` names the request field in the error."""
    if not _PDQ_HEX.match(pdq_hex):
        raise InvalidArgument(
            f"{field} must be {PDQ_HEX_CHARS} hex characters (a 256-bit PDQ hash), "
            f"got {len(pdq_hex)} characters: {pdq_hex[:80]!r}",
            field=field,
        )
    return bytes_to_bits(bytes.fromhex(pdq_hex))


def hash_frames(path: Path, fps: float) -> list[FrameHash]:
    """PDQ hashes of the frames sampled at `fps`, keeping only those detailed enough."""
    hashes = []
    for timestamp, frame in sample_frames(path, fps):
        bits, quality = pdqhash.compute(frame)
        if quality >= MIN_QUALITY:
            hashes.append(FrameHash(bits.astype(np.uint8), timestamp, int(quality)))
    return hashes
