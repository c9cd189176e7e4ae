"""Hash sets for the similarity benchmark: uniform random bits, and real PDQ hashes of
synthetic frames (which cluster, as hashes of real video do).

Both come with queries whose true neighbours lie at distances 0–40, the range where a
near-duplicate search has to decide.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash

HASH_BYTES = 32
#: Frames per synthetic video: consecutive frames drift, so their hashes are near.
FRAMES_PER_VIDEO = 10
SIDE = 32  # small frames hash fast; PDQ works on a 64x64 downsample anyway
FLIP_CHUNK = 65_536


@dataclass(frozen=True)
class Dataset:
    name: str
    hashes: np.ndarray  # uint8 [n, 32]
    queries: np.ndarray  # uint8 [q, 32]


def flip_bits(hashes: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Copies of `hashes` with counts[i] distinct random bits flipped in row i."""
    out = np.empty_like(hashes)
    # In chunks: the permutations take 2 KiB a row, 15 GiB for 7.5M copies at once.
    for first in range(0, len(hashes), FLIP_CHUNK):
        rows = slice(first, first + FLIP_CHUNK)
        bits = np.unpackbits(hashes[rows], axis=1)
        # A random permutation per row; flipping its first counts[i] positions.
        order = np.argsort(rng.random(bits.shape), axis=1)
        mask = np.arange(bits.shape[1])[None, :] < counts[rows, None]
        lines = np.repeat(np.arange(len(bits)), bits.shape[1]).reshape(bits.shape)
        bits[lines[mask], order[mask]] ^= 1
        out[rows] = np.packbits(bits, axis=1)
    return out


def random_dataset(size: int, queries: int, seed: int = 1) -> Dataset:
    """Uniform random base hashes, each with three copies perturbed by 0–40 bits (re-uploads
    of one item); queries are fresh copies of base hashes perturbed by 0–40 bits."""
    rng = np.random.default_rng(seed)
    originals = rng.integers(0, 256, (size // 4, HASH_BYTES), dtype=np.uint8)
    copies = flip_bits(
        np.repeat(originals, 3, axis=0), rng.integers(0, 41, len(originals) * 3), rng
    )
    hashes = np.concatenate([originals, copies])[:size]
    sources = originals[rng.integers(0, len(originals), queries)]
    return Dataset("random", hashes, flip_bits(sources, rng.integers(0, 41, queries), rng))


def _render(params: np.ndarray, drift: np.ndarray) -> np.ndarray:
    """Frames (uint8 [n, SIDE, SIDE, 3]) of smooth scenes: per channel, a sum of four
    cosine waves (amplitude, x and y frequency, phase), shifted in phase by `drift`."""
    y, x = (np.mgrid[0:SIDE, 0:SIDE] / SIDE).astype(np.float32)
    amp, fx, fy, phase = (params[..., i][..., None, None] for i in range(4))
    # In float32 throughout: a float64 drift made every wave float64, four times slower.
    shift = drift.astype(np.float32)[:, None, None, None, None]
    waves = amp * np.cos(2 * np.pi * (fx * x + fy * y) + phase + shift)
    frames = waves.sum(axis=2)  # [n, 3, SIDE, SIDE]
    low = frames.min(axis=(1, 2, 3), keepdims=True)
    span = np.ptp(frames, axis=(1, 2, 3), keepdims=True) + 1e-9
    scaled: np.ndarray = ((frames - low) / span * 255).astype(np.uint8)
    return scaled.transpose(0, 2, 3, 1)


def _hash_frames(frames: np.ndarray) -> np.ndarray:
    out = np.empty((len(frames), HASH_BYTES), np.uint8)
    for i, frame in enumerate(frames):
        bits, _quality = pdqhash.compute(np.ascontiguousarray(frame))
        out[i] = np.packbits(bits.astype(np.uint8))
    return out


def _video_chunk(args: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of videos [first, first + count): scene parameters per video, and the hashes
    of its frames in order."""
    first, count, seed = args
    rng = np.random.default_rng([seed, first])
    params = np.stack(
        [
            rng.uniform(0.2, 1.0, (count, 3, 4)),
            rng.uniform(0, 4, (count, 3, 4)),
            rng.uniform(0, 4, (count, 3, 4)),
            rng.uniform(0, 2 * np.pi, (count, 3, 4)),
        ],
        axis=-1,
    )
    per_frame = np.repeat(params, FRAMES_PER_VIDEO, axis=0).astype(np.float32)
    drift = np.tile(np.arange(FRAMES_PER_VIDEO) * 0.08, count)
    return params, _hash_frames(_render(per_frame, drift))


def _chunks(videos: int, seed: int, size: int = 500) -> Iterator[tuple[int, int, int]]:
    for first in range(0, videos, size):
        yield first, min(size, videos - first), seed


def realistic_dataset(
    size: int, queries: int, cache: Path | None = None, seed: int = 2, workers: int | None = None
) -> Dataset:
    """Real PDQ hashes of `size` synthetic frames in videos of FRAMES_PER_VIDEO drifting
    frames; queries are re-renders of random frames with noise, a brightness change and
    a little drift, hashed again (so their distances come from PDQ, not from bit flips).
    Rendering takes most of the time (about 1 ms a frame a core on a busy 2-core machine,
    hashing 0.4 ms; 10M frames take about an hour on 2 cores): one process per core
    unless `workers` says otherwise; the result is cached in `cache`."""
    # v2: rendered in float32 (hashes within a few bits of v1's)
    path = cache / f"realistic-v2-{size}-{queries}-{seed}.npz" if cache else None
    if path is not None and path.is_file():
        stored = np.load(path)
        return Dataset("realistic", stored["hashes"], stored["queries"])
    videos = size // FRAMES_PER_VIDEO
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_video_chunk, _chunks(videos, seed)))
    params = np.concatenate([p for p, _ in parts])
    hashes = np.concatenate([h for _, h in parts])
    rng = np.random.default_rng(seed + 1)
    chosen = rng.integers(0, len(params), queries)
    frame = rng.integers(0, FRAMES_PER_VIDEO, queries)
    drift = frame * 0.08 + rng.uniform(-0.01, 0.01, queries)
    frames = _render(params[chosen].astype(np.float32), drift).astype(np.float32)
    gain = rng.uniform(0.95, 1.03, (queries, 1, 1, 1))
    lit = frames * gain + rng.uniform(-5, 5, (queries, 1, 1, 1))
    lit += rng.normal(0, rng.uniform(0, 4, (queries, 1, 1, 1)), lit.shape)
    query_hashes = _hash_frames(np.clip(lit, 0, 255).astype(np.uint8))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, hashes=hashes, queries=query_hashes)
    return Dataset("realistic", hashes, query_hashes)
