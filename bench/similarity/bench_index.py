"""Benchmark of the similarity index against exact brute force, in one process.

    .venv/bin/python bench/similarity/bench_index.py                  # 100k, quick
    .venv/bin/python bench/similarity/bench_index.py --sizes 100000 1000000

For each dataset (uniform random hashes with perturbed copies; real PDQ hashes of
synthetic video frames) and size, it builds `HashIndex` bases with several tree counts,
sweeps search_k, and compares every answer with exact numpy popcount brute force over the
same hashes: recall@10 of the neighbours within distance 31, p50/p99 latency of one-hash
queries, build time, memory of a fresh serving process, and add→searchable latency. It
prints a table, writes JSON to bench/results/ and plots recall against latency.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datasets import Dataset, random_dataset, realistic_dataset

from modmesh.similarity.index import HashIndex, IndexParams, make_keys

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
#: The plot the README shows; a run with another --output plots beside its JSON instead.
PLOT = Path(__file__).resolve().parent / "recall-latency.png"
DEFAULT_OUTPUT = RESULTS / "similarity-index.json"
CACHE = ROOT / "build" / "bench-cache"
RADIUS = 31
K = 10


@dataclass
class Point:
    dataset: str
    size: int
    trees: int
    search_k: int
    recall_at_10: float
    p50_ms: float
    p99_ms: float
    brute_p50_ms: float
    speedup_p50: float


def brute_force(words: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Distances of the up-to-K nearest hashes within RADIUS, ascending (the baseline)."""
    distances = np.bitwise_count(words ^ query.view(np.uint64)).sum(axis=1, dtype=np.int32)
    within = distances[distances <= RADIUS]
    return np.sort(within)[:K]


def truth_and_baseline(data: Dataset) -> tuple[list[np.ndarray], list[float]]:
    words = data.hashes.view(np.uint64).reshape(-1, 4)
    truth, latencies = [], []
    for query in data.queries:
        start = time.perf_counter()
        truth.append(brute_force(words, query))
        latencies.append(time.perf_counter() - start)
    return truth, latencies


def recall(found: list[np.ndarray], truth: list[np.ndarray]) -> float:
    """Share of the true within-RADIUS top-K that was returned; distance ties count as the
    same neighbour (any of equally near hashes is a right answer)."""
    hit = total = 0
    for got, want in zip(found, truth, strict=True):
        if len(want) == 0:
            continue
        total += len(want)
        hit += min(len(want), int((got <= want[-1]).sum()))
    return hit / total if total else 1.0


def query_all(index: HashIndex, queries: np.ndarray) -> tuple[list[np.ndarray], list[float]]:
    found, latencies = [], []
    for query in queries:
        start = time.perf_counter()
        [neighbours] = index.search(query[None, :], max_distance=RADIUS, neighbours=K)
        latencies.append(time.perf_counter() - start)
        found.append(neighbours.distances)
    return found, latencies


def ms(values: list[float], percentile: float) -> float:
    return float(np.percentile(values, percentile) * 1000)


def serving_memory(directory: Path, queries: np.ndarray, search_k: int) -> dict[str, float]:
    """RSS of a fresh process that opens the base and answers the queries, minus the same
    process before it opened it: what one replica pays for the index."""
    with tempfile.NamedTemporaryFile(suffix=".npy", delete=False) as probe:
        np.save(probe, queries)
    code = f"""
import json, numpy as np
from pathlib import Path
from modmesh.similarity.index import HashIndex, IndexParams
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'): return int(line.split()[1]) / 1024
queries = np.load({probe.name!r})
before = rss()
index = HashIndex(Path({str(directory)!r}), IndexParams(search_k={search_k}))
opened = rss()
index.search(queries, max_distance={RADIUS}, neighbours={K})
print(json.dumps({{"open_mib": opened - before, "serving_mib": rss() - before}}))
"""
    result = subprocess.run(  # noqa: S603 - our interpreter on our probe code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    os.unlink(probe.name)
    measured: dict[str, float] = json.loads(result.stdout)
    measured["files_mib"] = sum(p.stat().st_size for p in directory.glob("base-*")) / 2**20
    return measured


def add_to_searchable(index: HashIndex, rng: np.random.Generator, delta: int) -> dict[str, float]:
    """Fills the delta with `delta` entries, then times add → found, one 10-hash item at
    a time, as the service does for a new known video."""
    owner = 1 << 30
    filler = rng.integers(0, 256, (delta, 32), dtype=np.uint8)
    index.add(make_keys(owner, delta), filler)
    latencies = []
    for number in range(1, 101):
        item = rng.integers(0, 256, (10, 32), dtype=np.uint8)
        start = time.perf_counter()
        index.add(make_keys(owner + number, 10), item)
        [found] = index.search(item[:1], max_distance=RADIUS, neighbours=K)
        latencies.append(time.perf_counter() - start)
        assert (found.keys >> 20 == owner + number).any()
    return {"delta_entries": delta, "p50_ms": ms(latencies, 50), "p99_ms": ms(latencies, 99)}


def run(size: int, data: Dataset, trees_list: list[int], search_ks: list[int]) -> dict[str, Any]:
    print(f"\n== {data.name} {size:,} hashes, {len(data.queries)} queries ==", flush=True)
    truth, brute = truth_and_baseline(data)
    brute_p50 = ms(brute, 50)
    with_neighbours = sum(1 for t in truth if len(t))
    print(f"brute force p50 {brute_p50:.2f} ms; {with_neighbours} queries have a neighbour ≤ 31")
    keys = np.arange(len(data.hashes), dtype=np.int64)
    builds, points = [], []
    for trees in trees_list:
        directory = Path(tempfile.mkdtemp(prefix="bench-index-"))
        index = HashIndex(directory, IndexParams(trees=trees, build_jobs=2))
        start = time.perf_counter()
        index.rebuild(lambda: (keys, data.hashes))
        build_s = time.perf_counter() - start
        memory = serving_memory(directory, data.queries, max(search_ks))
        builds.append({"trees": trees, "build_s": build_s, **memory})
        print(
            f"trees {trees:>3}: build {build_s:6.1f} s, files {memory['files_mib']:.0f} MiB, "
            f"serving RSS +{memory['serving_mib']:.0f} MiB",
            flush=True,
        )
        for search_k in search_ks:
            index.params = IndexParams(trees=trees, search_k=search_k)
            found, latencies = query_all(index, data.queries)
            point = Point(
                data.name,
                size,
                trees,
                search_k,
                recall(found, truth),
                ms(latencies, 50),
                ms(latencies, 99),
                brute_p50,
                brute_p50 / ms(latencies, 50),
            )
            points.append(point)
            print(
                f"  search_k {search_k:>6}: recall@10 {point.recall_at_10:.4f}  "
                f"p50 {point.p50_ms:6.3f} ms  p99 {point.p99_ms:6.3f} ms  "
                f"{point.speedup_p50:6.1f}x brute force",
                flush=True,
            )
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
    delta_dir = Path(tempfile.mkdtemp(prefix="bench-delta-"))
    fresh = HashIndex(delta_dir, IndexParams(trees=trees_list[0], build_jobs=2))
    fresh.rebuild(lambda: (keys, data.hashes))
    adds = add_to_searchable(fresh, np.random.default_rng(3), 50_000)
    print(
        f"add → searchable with a 50k delta: p50 {adds['p50_ms']:.2f} ms, "
        f"p99 {adds['p99_ms']:.2f} ms"
    )
    return {
        "dataset": data.name,
        "size": size,
        "queries": len(data.queries),
        "queries_with_neighbour": with_neighbours,
        "brute_force_p50_ms": brute_p50,
        "brute_force_p99_ms": ms(brute, 99),
        "builds": builds,
        "points": [asdict(p) for p in points],
        "add_to_searchable": adds,
    }


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5))
    styles = ["-", "--", ":", "-."]
    for number, result in enumerate(results):
        colour = f"C{number}"  # one colour per dataset and size, one dash per tree count
        tree_counts = sorted({p["trees"] for p in result["points"]})
        for style, trees in zip(styles, tree_counts, strict=False):  # up to 4 tree counts
            line = [p for p in result["points"] if p["trees"] == trees]
            axes.plot(
                [p["p50_ms"] for p in line],
                [p["recall_at_10"] for p in line],
                color=colour,
                linestyle=style,
                marker="o",
                markersize=4,
                label=f"{result['dataset']} {result['size']:,}, {trees} trees",
            )
    axes.axhline(0.99, color="grey", linestyle=":", linewidth=1)
    axes.set_xscale("log")
    axes.set_xlabel("p50 latency of one-hash query (ms, log)")
    axes.set_ylabel("recall@10 within distance 31")
    axes.set_title("annoy base index: recall vs latency (points: search_k)")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--trees", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument(
        "--search-k", type=int, nargs="+", default=[500, 1000, 2000, 5000, 10000, 20000]
    )
    parser.add_argument("--datasets", nargs="+", default=["random", "realistic"])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--replot", action="store_true", help="only redraw the plot from the JSON output"
    )
    args = parser.parse_args()
    plot_path = PLOT if args.output == DEFAULT_OUTPUT else args.output.with_suffix(".png")
    if args.replot:
        plot(json.loads(args.output.read_text())["results"], plot_path)
        return

    results = []
    for size in args.sizes:
        for name in args.datasets:
            start = time.perf_counter()
            if name == "random":
                data = random_dataset(size, args.queries)
            else:
                data = realistic_dataset(size, args.queries, cache=CACHE)
            print(f"\n{name} {size:,}: data ready in {time.perf_counter() - start:.0f} s")
            results.append(run(size, data, args.trees, args.search_k))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "benchmark": "similarity index (annoy base + exact delta) vs numpy brute force",
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "radius": RADIUS,
                "k": K,
                "results": results,
            },
            indent=2,
        )
    )
    plot(results, plot_path)
    print(f"\nwrote {args.output} and {plot_path}")


if __name__ == "__main__":
    main()
