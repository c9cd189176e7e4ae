"""Statistics of the benchmark's realistic hashes, to check that a change to their
generator (datasets.py) keeps what the benchmark measures on them.

    .venv/bin/python bench/similarity/realistic_stats.py --size 1000000 \\
        --against build/bench-cache/realistic-v2-1000000-1000-2.npz

Generates (or loads from --cache) the realistic dataset and prints, as JSON, how long
that took and: the distances between a video's consecutive frames and between its first
and last frame (the near-duplicates); each query's distance to its nearest hash and how
many hashes lie within RADIUS (what recall is measured on); and the candidates faiss's
multi-index hashing (16 substrings of 16 bits, nflip 1) visits per query, which made it
slow on these hashes. With --against (a .npz of `hashes` and `queries` from an earlier
generator) the same figures for those, and the distance between the two row by row.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_index import CACHE
from contenders import RADIUS
from datasets import FRAMES_PER_VIDEO, realistic_dataset

SUBSTRINGS = 16  # of 16 bits, as faiss.IndexBinaryMultiHash(256, 16, 16)


def bits_apart(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    apart: np.ndarray = np.unpackbits(a ^ b, axis=1).sum(axis=1)
    return apart


def quantiles(values: np.ndarray) -> dict[str, float]:
    return {f"p{q}": float(np.percentile(values, q)) for q in (1, 10, 50, 90, 99)} | {
        "mean": float(values.mean())
    }


def candidates(hashes: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Per query, the bucket entries multi-index hashing with nflip 1 visits: for each
    16-bit substring, the hashes whose substring is the query's or one bit from it."""
    keys = hashes.view(">u2")  # [n, 16] substrings, most significant first
    asked = queries.view(">u2")
    flips = np.concatenate([[0], 1 << np.arange(16)])
    total = np.zeros(len(queries), np.int64)
    for s in range(SUBSTRINGS):
        buckets = np.bincount(keys[:, s], minlength=1 << 16)
        total += buckets[asked[:, s, None] ^ flips].sum(axis=1)
    return total


def stats(hashes: np.ndarray, queries: np.ndarray) -> dict[str, Any]:
    videos = hashes[: len(hashes) // FRAMES_PER_VIDEO * FRAMES_PER_VIDEO].reshape(
        -1, FRAMES_PER_VIDEO, hashes.shape[1]
    )
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    flat = faiss.IndexBinaryFlat(256)
    flat.add(hashes)
    distances, _ = flat.search(queries, 10)
    return {
        "consecutive_frames_bits": quantiles(
            bits_apart(videos[:, :-1].reshape(-1, 32), videos[:, 1:].reshape(-1, 32))
        ),
        "first_to_last_frame_bits": quantiles(bits_apart(videos[:, 0], videos[:, -1])),
        "query_nearest_bits": quantiles(distances[:, 0]),
        "queries_with_neighbour": int((distances[:, 0] <= RADIUS).sum()),
        "neighbours_within_radius_of_10": quantiles((distances <= RADIUS).sum(axis=1)),
        "mih_candidates_per_query": quantiles(candidates(hashes, queries)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--cache", type=Path, default=CACHE, help="a new folder times a fresh run")
    parser.add_argument("--against", type=Path, help=".npz of an earlier generator's hashes")
    args = parser.parse_args()
    start = time.perf_counter()
    data = realistic_dataset(args.size, args.queries, cache=args.cache)
    report: dict[str, Any] = {
        "size": args.size,
        "generated_s": time.perf_counter() - start,
        "stats": stats(data.hashes, data.queries),
    }
    if args.against:
        earlier = np.load(args.against)
        hashes, queries = earlier["hashes"][: args.size], earlier["queries"]
        report["against"] = {
            "file": str(args.against),
            "stats": stats(hashes, queries),
            "same_frame_bits": quantiles(bits_apart(data.hashes, hashes)),
            "same_frame_identical": float((data.hashes == hashes).all(axis=1).mean()),
            "same_query_bits": quantiles(bits_apart(data.queries, queries)),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
