"""Audio fingerprints, so that a re-uploaded recording without video is found too.

A Haitsma–Kalker ("Philips") fingerprint in numpy: the 16 kHz mono signal is cut into
0.256 s frames every 16 ms; each frame's energy in 33 bands spaced logarithmically from 300
to 2000 Hz gives one 32-bit sub-fingerprint, bit m being the sign of the change, from the
previous frame, of the energy difference between bands m and m+1. Re-encoding flips a few
bits; trimming shifts the sequence by whole frames (a 16 ms hop leaves at most 8 ms of
misalignment); another recording differs in about half the bits.

Why not chromaprint (`fpcalc -raw`)? It gives about 5 values a second and none for the
first seconds (its filters need context): a clip of a few seconds, or a trimmed excerpt of
one, yields 2–10 values, too few to align and decide. This fingerprint yields 62 a
second from the first frame, needs no extra system package, and is simple to verify.

Matching: a query's sub-fingerprints are looked up exactly in an inverted index (a few
survive any re-encoding; Haitsma–Kalker's observation), each hit votes for an alignment
of query and item, and the best alignments are verified by the bit error rate (BER) over
their overlap. Two recordings match at BER ≤ `MAX_BIT_ERROR_RATE`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from modmesh.runtime.media import AUDIO_SAMPLE_RATE

FRAME = 4096
HOP = 256
#: Time between sub-fingerprints, and the span of audio each one hears.
FRAME_SECONDS = HOP / AUDIO_SAMPLE_RATE
WINDOW_SECONDS = FRAME / AUDIO_SAMPLE_RATE
_EDGES = np.geomspace(300.0, 2000.0, 34)
_BAND = np.digitize(np.fft.rfftfreq(FRAME, 1 / AUDIO_SAMPLE_RATE), _EDGES) - 1
_WEIGHTS = np.left_shift(np.uint64(1), np.arange(31, -1, -1, dtype=np.uint64))
#: Frames this much quieter than the recording's loudest are silence: their bits are noise
#: and would match any other silence, so they neither vote nor count.
SILENCE_DB = 45.0
#: Same recording after re-encoding and trimming: 0.05–0.09 in our tests; other speech
#: (another voice saying the same words included): 0.24 and more at the shortest overlap.
MAX_BIT_ERROR_RATE = 0.15
#: The shortest overlap (in frames, 1 s) at which a BER means anything.
MIN_OVERLAP = 62
#: Alignments verified per query: the most voted.
CANDIDATES = 8
#: Frames whose spectra are computed at once (fingerprint_blocks' memory bound).
BLOCK_FRAMES = 1024


@dataclass(frozen=True)
class Fingerprint:
    values: np.ndarray  # uint32, one per FRAME_SECONDS
    #: False where the frame is silence.
    voiced: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.values)

    def to_bytes(self) -> bytes:
        """Frame count, values (little-endian uint32), then the voiced flags as bits."""
        count = np.array([len(self.values)], "<u4").tobytes()
        return count + self.values.astype("<u4").tobytes() + np.packbits(self.voiced).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        count = int(np.frombuffer(data[:4], "<u4")[0])
        values = np.frombuffer(data[4 : 4 + 4 * count], "<u4").astype(np.uint32)
        flags = np.unpackbits(np.frombuffer(data[4 + 4 * count :], np.uint8))
        return cls(values, flags[:count].astype(bool))


def fingerprint(samples: np.ndarray) -> Fingerprint:
    """The fingerprint of 16 kHz mono float samples (empty when shorter than a frame)."""
    return fingerprint_blocks([samples])


def fingerprint_blocks(
    blocks: Iterable[np.ndarray], block_frames: int = BLOCK_FRAMES
) -> Fingerprint:
    """The fingerprint of 16 kHz mono float samples that arrive in blocks of any size
    (e.g. as they are decoded), identical to that of the samples joined.

    Memory is bounded independently of duration: the spectra of at most `block_frames`
    frames at a time (about 50 MB at the default 1,024), the samples of one block and
    one frame's overlap, plus 13 bytes per frame kept for the result (values, loudness,
    voiced: about 0.8 KB per second of audio, 12 MB for 4 hours)."""
    builder = _Builder()
    batch = FRAME + HOP * (block_frames - 1)
    pending = np.zeros(0, np.float32)
    for block in blocks:
        pending = np.concatenate([pending, block]) if len(pending) else block
        while len(pending) >= batch:
            pending = builder.add(pending, block_frames)
    if len(pending) >= FRAME:
        builder.add(pending, 1 + (len(pending) - FRAME) // HOP)
    return builder.result()


class _Builder:
    """A fingerprint's values and loudness, batch after batch of frames."""

    def __init__(self) -> None:
        self._values: list[np.ndarray] = []
        self._loudness: list[np.ndarray] = []
        #: The last frame's band differences: a value is the sign of their change from
        #: one frame to the next, so each batch needs the one before it.
        self._previous: np.ndarray | None = None

    def add(self, samples: np.ndarray, count: int) -> np.ndarray:
        """Adds the first `count` frames of `samples`; returns the samples from the
        next frame's start on."""
        energy = _band_energy(samples, count)
        difference = energy[:, :-1] - energy[:, 1:]
        if self._previous is None:
            # The very first frame only starts the differences; it yields no value.
            changes, energy = difference, energy[1:]
        else:
            changes = np.concatenate([self._previous[np.newaxis], difference])
        self._previous = difference[-1]
        bits = (changes[1:] - changes[:-1]) > 0
        self._values.append((bits.astype(np.uint64) @ _WEIGHTS).astype(np.uint32))
        self._loudness.append(10 * np.log10(energy.sum(axis=1) + 1e-12))
        return samples[count * HOP :]

    def result(self) -> Fingerprint:
        values = np.concatenate(self._values) if self._values else np.zeros(0, np.uint32)
        if not len(values):
            return Fingerprint(values, np.zeros(0, bool))
        loudness = np.concatenate(self._loudness)
        return Fingerprint(values, loudness > loudness.max() - SILENCE_DB)


def _band_energy(samples: np.ndarray, count: int) -> np.ndarray:
    """The 33 band energies of the first `count` frames of `samples`, one row a frame."""
    frames = np.lib.stride_tricks.sliding_window_view(samples, FRAME)[::HOP][:count]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(FRAME).astype(np.float32), axis=1)) ** 2
    return np.stack([spectrum[:, band == _BAND].sum(axis=1) for band in range(33)], axis=1)


@dataclass(frozen=True)
class AudioHit:
    owner: int
    #: Item frame = query frame + offset.
    offset: int
    #: Query frames [query_start, query_start + length) match item frames from
    #: query_start + offset.
    query_start: int
    length: int
    bit_error_rate: float


class AudioIndex:
    """The audio fingerprints of one bank's items, in memory, with an inverted index."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[int, Fingerprint] = {}
        self._postings: dict[int, list[tuple[int, int]]] = {}

    @property
    def size(self) -> int:
        """Fingerprint frames held."""
        return sum(len(item) for item in self._items.values())

    def owners(self) -> set[int]:
        return set(self._items)

    @property
    def snapshot(self) -> str:
        """Names the content: the items held (fingerprints never change once added)."""
        owners = np.array(sorted(self._items), np.int64)
        return f"audio-{len(owners)}-{hashlib.sha256(owners.tobytes()).hexdigest()[:8]}"

    def add(self, owner: int, print_: Fingerprint) -> None:
        with self._lock:
            if owner in self._items:
                return
            self._items = {**self._items, owner: print_}
            for position in np.flatnonzero(print_.voiced).tolist():
                self._postings.setdefault(int(print_.values[position]), []).append(
                    (owner, position)
                )

    def remove(self, owners: Iterable[int]) -> None:
        gone = set(owners) & set(self._items)
        if not gone:
            return
        with self._lock:
            self._items = {o: p for o, p in self._items.items() if o not in gone}
            self._postings = {
                value: kept
                for value, hits in self._postings.items()
                if (kept := [hit for hit in hits if hit[0] not in gone])
            }

    def search(self, query: Fingerprint) -> list[AudioHit]:
        """The items whose best alignment with the query has a BER within the limit."""
        items, postings = self._items, self._postings
        votes: Counter[tuple[int, int]] = Counter()
        for position in np.flatnonzero(query.voiced).tolist():
            for owner, item_position in postings.get(int(query.values[position]), ()):
                votes[owner, item_position - position] += 1
        best: dict[int, AudioHit] = {}
        for (owner, offset), _count in votes.most_common(CANDIDATES):
            item = items.get(owner)
            hit = None if item is None else _verify(owner, offset, query, item)
            if hit and (owner not in best or hit.bit_error_rate < best[owner].bit_error_rate):
                best[owner] = hit
        return sorted(best.values(), key=lambda hit: hit.bit_error_rate)


def _verify(owner: int, offset: int, query: Fingerprint, item: Fingerprint) -> AudioHit | None:
    start = max(0, -offset)
    end = min(len(query), len(item) - offset)
    if end - start < min(MIN_OVERLAP, len(query), len(item)):
        return None
    voiced = query.voiced[start:end] & item.voiced[start + offset : end + offset]
    if voiced.sum() < min(MIN_OVERLAP, len(query)) // 2:
        return None
    errors = np.bitwise_count(
        query.values[start:end][voiced] ^ item.values[start + offset : end + offset][voiced]
    )
    rate = float(errors.sum()) / (32 * int(voiced.sum()))
    if rate > MAX_BIT_ERROR_RATE:
        return None
    return AudioHit(owner, offset, start, end - start, rate)
