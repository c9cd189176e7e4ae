"""Meta's vPDQ exchange format and its two-sided match percentages.

A vPDQ hash file (what the reference `vpdq` hasher writes, vpdq/cpp/io/vpdqio.cpp) holds
one video: one line per hashed frame, ``frame_number,quality,pdq_hex,timestamp_seconds``,
the timestamp with three decimals::

    0,100,d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,0.000
    1,98,c0f11178372c6aaccddea259648fbfd62f434c89c9e99b249772be216c8d055c,1.000

An image is a one-line file. modmesh stores runs of near-identical frames (see
modmesh.similarity.hashing); written as vPDQ, a run is one line per sampled frame it
spans, numbered by sample at the given rate (the reference numbers decoded frames; no
matcher reads the numbers). Read back, consecutive equal hashes are one run again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from modmesh.runtime.errors import InvalidArgument
from modmesh.similarity.hashing import HASH_BYTES, MIN_QUALITY, HashRun, dedupe, parse_pdq_hex

#: The reference writes timestamps with this many decimals.
TIMESTAMP_DECIMALS = 3
#: vPDQ's default frame distance (the same as PDQ's).
DEFAULT_MAX_DISTANCE = 31
FIELDS = 4


class VpdqError(ValueError):
    """A line of a vPDQ file that cannot be read; the message names the line."""


@dataclass(frozen=True)
class VpdqFeature:
    """One line of a vPDQ file: a frame's PDQ hash with its number, quality and time."""

    frame_number: int
    quality: int
    pdq: bytes
    timestamp_seconds: float

    def line(self) -> str:
        return (
            f"{self.frame_number},{self.quality},{self.pdq.hex()},"
            f"{self.timestamp_seconds:.{TIMESTAMP_DECIMALS}f}"
        )


@dataclass(frozen=True)
class VpdqMatch:
    """vPDQ's two-sided result: the share of each side's unique hashes (quality at least
    the floor) that are within the distance of some hash of the other side."""

    query_match_percent: float
    compared_match_percent: float


def features_of_runs(runs: Iterable[HashRun], fps: float) -> list[VpdqFeature]:
    """One feature per frame sampled at `fps` that the runs span, in time order."""
    features: list[VpdqFeature] = []
    for run in sorted(runs, key=lambda run: run.start_seconds):
        first = round(run.start_seconds * fps)
        frames = max(1, round(run.seconds * fps))
        features.extend(
            VpdqFeature(first + i, run.quality, run.pdq, (first + i) / fps) for i in range(frames)
        )
    return features


def runs_of_features(features: Sequence[VpdqFeature], fps: float) -> list[HashRun]:
    """The runs of a vPDQ hash: each frame lasts until the next frame's timestamp (the
    last one 1/fps), and consecutive equal hashes merge into one run."""
    ordered = sorted(features, key=lambda feature: feature.timestamp_seconds)
    ends = [feature.timestamp_seconds for feature in ordered[1:]]
    ends.append(ordered[-1].timestamp_seconds + 1.0 / fps if ordered else 0.0)
    runs = [
        HashRun(feature.pdq, feature.timestamp_seconds, end, feature.quality)
        for feature, end in zip(ordered, ends, strict=True)
    ]
    return dedupe(runs, within=0)


def write_vpdq(features: Iterable[VpdqFeature], out: TextIO) -> None:
    for feature in features:
        out.write(feature.line() + "\n")


def read_vpdq(source: Iterable[str], name: str) -> list[VpdqFeature]:
    """The features of a vPDQ file's lines; `name` is the file's, for the errors."""
    features: list[VpdqFeature] = []
    for number, text in enumerate(source, 1):
        if not text.strip():
            continue
        where = f"{name} line {number}"
        fields = text.strip().split(",")
        if len(fields) < FIELDS:
            raise VpdqError(
                f"{where}: expected frame_number,quality,pdq_hex,timestamp_seconds, "
                f"got {len(fields)} fields"
            )
        try:
            pdq = parse_pdq_hex(fields[2].strip(), "pdq_hex")
        except InvalidArgument as error:
            raise VpdqError(f"{where}: {error.message}") from None
        try:
            frame, quality, seconds = int(fields[0]), int(fields[1]), float(fields[3])
        except ValueError:
            raise VpdqError(
                f"{where}: frame_number and quality must be integers and timestamp_seconds a number"
            ) from None
        if frame < 0 or not 0 <= quality <= 100 or not (math.isfinite(seconds) and seconds >= 0):
            raise VpdqError(
                f"{where}: frame_number and timestamp_seconds must be >= 0 and quality "
                "between 0 and 100"
            )
        features.append(VpdqFeature(frame, quality, pdq, seconds))
    if not features:
        raise VpdqError(f"{name}: no hashes (a vPDQ file has one line per frame)")
    return features


def match(
    query: Sequence[VpdqFeature],
    compared: Sequence[VpdqFeature],
    *,
    max_distance: int = DEFAULT_MAX_DISTANCE,
    min_quality: int = MIN_QUALITY,
) -> VpdqMatch:
    """Compares two vPDQ hashes as vPDQ's matcher does: each side keeps its distinct
    hashes of quality >= `min_quality`; a side's percentage is the share of those within
    `max_distance` of any kept hash of the other. A side with none kept scores 0."""
    query_hashes = _kept(query, min_quality)
    compared_hashes = _kept(compared, min_quality)
    if not len(query_hashes) or not len(compared_hashes):
        return VpdqMatch(0.0, 0.0)
    # [q, c] distances: 32 bytes a pair, so a 10k x 10k comparison is done in blocks.
    query_hit = np.zeros(len(query_hashes), bool)
    compared_hit = np.zeros(len(compared_hashes), bool)
    block = max(1, 2_000_000 // (len(compared_hashes) * 32))
    for start in range(0, len(query_hashes), block):
        part = query_hashes[start : start + block]
        near = (
            np.bitwise_count(part[:, None, :] ^ compared_hashes[None, :, :]).sum(
                axis=2, dtype=np.int32
            )
            <= max_distance
        )
        query_hit[start : start + block] = near.any(axis=1)
        compared_hit |= near.any(axis=0)
    return VpdqMatch(100.0 * float(query_hit.mean()), 100.0 * float(compared_hit.mean()))


def _kept(features: Sequence[VpdqFeature], min_quality: int) -> np.ndarray:
    distinct = {feature.pdq for feature in features if feature.quality >= min_quality}
    return np.frombuffer(b"".join(sorted(distinct)), np.uint8).reshape(-1, HASH_BYTES)
