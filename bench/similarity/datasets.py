"""Hash sets for the similarity benchmark: uniform random bits, and real PDQ hashes of
synthetic frames (which cluster, as hashes of real video do).

Both come with queries whose true neighbours lie at distances 0–40, the range where a
near-duplicate search has to decide.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash

HASH_BYTES = 32
HASH_BITS = 256
#: Frames per synthetic video: consecutive frames drift, so their hashes are near.
FRAMES_PER_VIDEO = 10
SIDE = 32  # small frames hash fast; PDQ works on a 64x64 downsample anyway
FLIP_CHUNK = 65_536
#: Videos drawn from one random generator (seeded by the first): the unit of the scenes.
CHUNK = 500
#: Videos per cache file (50 000 hashes, 1.6 MB): a block is the unit a worker renders
#: and hashes, and what an interrupted run keeps; 1M hashes are the first 20 of 10M's.
BLOCK = 5_000


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
    # cos(a + b) = cos a cos b - sin a sin b splits each wave into an x part and a y
    # part, so a channel is one [SIDE, 8] @ [8, SIDE] product: 16 cosines a wave instead
    # of SIDE * SIDE. The angles in float64, the rest in float32 as before: the pixels
    # are the direct sum's but for rounding (0.003 % of them one level apart).
    axis = np.arange(SIDE) / SIDE
    amp, fx, fy, phase = (params[..., i, None] for i in range(4))  # [n, 3, 4, 1]
    across = 2 * np.pi * fx * axis + phase + drift[:, None, None, None]  # [n, 3, 4, x]
    down = 2 * np.pi * fy * axis  # [n, 3, 4, y]
    rows = np.concatenate([amp * np.cos(down), -amp * np.sin(down)], axis=2)
    cols = np.concatenate([np.cos(across), np.sin(across)], axis=2)
    frames = rows.astype(np.float32).transpose(0, 1, 3, 2) @ cols.astype(np.float32)
    low = frames.min(axis=(1, 2, 3), keepdims=True)
    span = frames.max(axis=(1, 2, 3), keepdims=True) - low + 1e-9
    # In place: the same operations as (frames - low) / span * 255, without temporaries.
    frames -= low
    frames /= span
    frames *= 255
    scaled: np.ndarray = frames.astype(np.uint8)
    return scaled.transpose(0, 2, 3, 1)


def _hash_frames(frames: np.ndarray) -> np.ndarray:
    """PDQ hashes (packed, the reference's bit order) of frames of at most 512 pixels a
    side, which the reference hasher takes as they are (hashing.py shrinks larger ones).
    pdqhash's `compute_float` gives the 16x16 DCT, bit 255 first; a bit is set where its
    value is above the median, as the reference's torben median (the lower of the two
    middle values of 256) decides: the bits of `compute` without its per-bit Python loop."""
    dct = np.empty((len(frames), HASH_BITS), np.float32)
    for i, frame in enumerate(frames):
        dct[i], _quality = pdqhash.compute_float(np.ascontiguousarray(frame))
    median = np.partition(dct, HASH_BITS // 2 - 1, axis=1)[:, HASH_BITS // 2 - 1, None]
    return np.packbits(dct > median, axis=1)


def _params(first: int, count: int, seed: int) -> np.ndarray:
    """Scene parameters (float [count, 3 channels, 4 waves, 4]) of videos
    [first, first + count) of a CHUNK-aligned range."""
    rng = np.random.default_rng([seed, first])
    return np.stack(
        [
            rng.uniform(0.2, 1.0, (count, 3, 4)),
            rng.uniform(0, 4, (count, 3, 4)),
            rng.uniform(0, 4, (count, 3, 4)),
            rng.uniform(0, 2 * np.pi, (count, 3, 4)),
        ],
        axis=-1,
    )


def _scene_chunk(first: int, count: int, seed: int) -> np.ndarray:
    """Hashes of the frames of videos [first, first + count), video by video."""
    per_frame = np.repeat(_params(first, count, seed), FRAMES_PER_VIDEO, axis=0)
    drift = np.tile(np.arange(FRAMES_PER_VIDEO) * 0.08, count)
    return _hash_frames(_render(per_frame, drift))


def _block(args: tuple[Path, int, int, int]) -> Path:
    """Hashes the videos of one cache block in CHUNKs (each seeded by its first video, as
    before blocks existed) and writes them to `path` atomically: a run stopped midway
    keeps every finished block."""
    path, first, count, seed = args
    if not path.is_file():
        hashes = np.concatenate(
            [
                _scene_chunk(start, min(CHUNK, first + count - start), seed)
                for start in range(first, first + count, CHUNK)
            ]
        )
        partial = path.with_suffix(".part.npy")
        np.save(partial, hashes)
        partial.replace(path)
    return path


def realistic_dataset(
    size: int, queries: int, cache: Path, seed: int = 2, workers: int | None = None
) -> Dataset:
    """Real PDQ hashes of `size` synthetic frames in videos of FRAMES_PER_VIDEO drifting
    frames; queries are re-renders of random frames with noise, a brightness change and
    a little drift, hashed again (so their distances come from PDQ, not from bit flips).
    A frame costs about 0.11 ms of CPU, two thirds of it pdqhash's DCT (1M frames: 76 s
    on 2 cores, 217 s before rendering was separable and blocked): blocks of BLOCK
    videos are rendered and hashed by one process per core unless `workers` says
    otherwise, each written to `cache` when done, so a second run, a larger size or a
    run after an interruption does only the blocks it lacks (the first 1M of 10M are
    1M's)."""
    # v3: each wave rendered as a product of an x and a y part (v2: every pixel's
    # cosine); 97 % of the hashes are v2's, the rest 2-6 bits away (README).
    folder = cache / f"realistic-v3-seed{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    videos = size // FRAMES_PER_VIDEO
    blocks = []
    for first in range(0, videos, BLOCK):
        count = min(BLOCK, videos - first)
        blocks.append((folder / f"videos-{first:09d}-{count}.npy", first, count, seed))
    with ProcessPoolExecutor(workers) as pool:
        paths = list(pool.map(_block, blocks))
    hashes = np.concatenate([np.load(path) for path in paths])
    params = np.concatenate(
        [_params(first, min(CHUNK, videos - first), seed) for first in range(0, videos, CHUNK)]
    )
    rng = np.random.default_rng(seed + 1)
    chosen = rng.integers(0, len(params), queries)
    frame = rng.integers(0, FRAMES_PER_VIDEO, queries)
    drift = frame * 0.08 + rng.uniform(-0.01, 0.01, queries)
    frames = _render(params[chosen], drift).astype(np.float32)
    gain = rng.uniform(0.95, 1.03, (queries, 1, 1, 1))
    lit = frames * gain + rng.uniform(-5, 5, (queries, 1, 1, 1))
    lit += rng.normal(0, rng.uniform(0, 4, (queries, 1, 1, 1)), lit.shape)
    return Dataset("realistic", hashes, _hash_frames(np.clip(lit, 0, 255).astype(np.uint8)))
