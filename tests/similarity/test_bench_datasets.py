"""The similarity benchmark's realistic hashes (bench/similarity/datasets.py) are the
service's PDQ hashes of the frames it renders, and an interrupted generation resumes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from modmesh.similarity.hashing import pdq_hash

# The benchmark's folder is not a package: its modules import each other by name.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "similarity"))

import datasets


def scenes(videos: int) -> np.ndarray:
    params = np.repeat(datasets._params(0, videos, seed=2), datasets.FRAMES_PER_VIDEO, axis=0)
    drift = np.tile(np.arange(datasets.FRAMES_PER_VIDEO) * 0.08, videos)
    frames: np.ndarray = datasets._render(params, drift)
    return frames


def test_frames_hash_as_the_service_hashes_them() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (50, 32, 32, 3), dtype=np.uint8)
    for frames in (scenes(20), noise):
        service = [pdq_hash(frame)[0] for frame in frames]
        assert [row.tobytes() for row in datasets._hash_frames(frames)] == service


def test_rendering_is_the_sum_of_each_pixels_cosines() -> None:
    """The separable rendering against the definition, pixel by pixel, in float64."""
    params = np.repeat(datasets._params(0, 5, seed=2), datasets.FRAMES_PER_VIDEO, axis=0)
    drift = np.tile(np.arange(datasets.FRAMES_PER_VIDEO) * 0.08, 5)
    y, x = np.mgrid[0 : datasets.SIDE, 0 : datasets.SIDE] / datasets.SIDE
    amp, fx, fy, phase = (params[..., i][..., None, None] for i in range(4))
    waves = amp * np.cos(2 * np.pi * (fx * x + fy * y) + phase + drift[:, None, None, None, None])
    frames = waves.sum(axis=2)
    low = frames.min(axis=(1, 2, 3), keepdims=True)
    direct = (frames - low) / (np.ptp(frames, axis=(1, 2, 3), keepdims=True) + 1e-9) * 255
    levels = np.abs(datasets._render(params, drift).transpose(0, 3, 1, 2) - direct)
    assert levels.max() < 1.0 + 1e-3  # truncation to uint8 and float32 rounding only


def test_an_interrupted_generation_keeps_its_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(datasets, "BLOCK", 100)  # 1000 hashes a block: three blocks
    whole = datasets.realistic_dataset(3000, 20, cache=tmp_path, workers=2)
    blocks = sorted((tmp_path / "realistic-v3-seed2").glob("videos-*.npy"))
    assert [b.name for b in blocks] == [
        "videos-000000000-100.npy",
        "videos-000000100-100.npy",
        "videos-000000200-100.npy",
    ]
    # A run stopped while writing the last block left it partial and unnamed.
    blocks[-1].rename(blocks[-1].with_suffix(".part.npy"))
    first = blocks[0].stat().st_mtime_ns
    again = datasets.realistic_dataset(3000, 20, cache=tmp_path, workers=2)
    assert blocks[0].stat().st_mtime_ns == first  # read, not hashed again
    assert np.array_equal(again.hashes, whole.hashes)
    assert np.array_equal(again.queries, whole.queries)
    # A smaller size is a prefix of a larger: its hashes are the larger's first.
    assert np.array_equal(
        datasets.realistic_dataset(2000, 20, cache=tmp_path).hashes, whole.hashes[:2000]
    )
