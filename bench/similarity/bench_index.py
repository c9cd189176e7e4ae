"""Benchmark of the similarity index against faiss's exact indexes, annoy and numpy.

    .venv/bin/python bench/similarity/bench_index.py                       # 100k, quick
    .venv/bin/python bench/similarity/bench_index.py --sizes 1000000 10000000

For each dataset (uniform random hashes with copies planted 0–40 bits away; real PDQ
hashes of synthetic video frames) and size, every contender (contenders.py) is built in a
process of its own and served from its files in a fresh one, on the same hashes and the
same queries: modmesh's `HashIndex` (annoy base + exact delta, its default 16 trees and
search_k 2000), faiss `IndexBinaryMultiHash(256, 16, 16)` with nflip 1 as HMA uses it,
faiss `IndexBinaryFlat`, annoy alone (16 trees; search_k 2000 and 20000) and a numpy
popcount scan. It reports recall@10 of the
neighbours within distance 31 against the exact answer, p50/p99 latency of one-hash
queries, build time, start time and memory of the serving process, and add→searchable
latency; a build past --build-limit is stopped and reported as such. It prints a table,
writes JSON to bench/results/ and plots recall against latency.
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
from pathlib import Path
from typing import Any

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contenders import RADIUS, K
from datasets import Dataset, random_dataset, realistic_dataset

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
CONTENDERS = Path(__file__).resolve().parent / "contenders.py"
#: The plot the README shows; a run with another --output plots beside its JSON instead.
PLOT = Path(__file__).resolve().parent / "recall-latency.png"
DEFAULT_OUTPUT = RESULTS / "similarity-index.json"
CACHE = ROOT / "build" / "bench-cache"


def exact_answer(data: Dataset) -> list[list[int]]:
    """Distances of the up-to-K nearest hashes within RADIUS per query: faiss's exact
    scan over every hash, all queries at once on every core."""
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    flat = faiss.IndexBinaryFlat(256)
    flat.add(data.hashes)
    distances, _ = flat.search(data.queries, K)
    return [sorted(int(d) for d in row if 0 <= d <= RADIUS) for row in distances]


def recall(found: list[list[int]], truth: list[list[int]]) -> float:
    """Share of the true within-RADIUS top-K that was returned; distance ties count as the
    same neighbour (any of equally near hashes is a right answer)."""
    hit = total = 0
    for got, want in zip(found, truth, strict=False):  # numpy answers the first queries
        if not want:
            continue
        total += len(want)
        hit += min(len(want), sum(1 for d in got if d <= want[-1]))
    return hit / total if total else 1.0


def ms(values: list[float], percentile: float) -> float:
    return float(np.percentile(values, percentile) * 1000)


def worker(
    action: str, name: str, directory: Path, data: Path, params: dict[str, Any], limit: float
) -> str | None:
    """Runs contenders.py; its output, or None if it ran past `limit` seconds."""
    try:
        done = subprocess.run(  # noqa: S603 - our interpreter on our own script
            [sys.executable, CONTENDERS, action, name, directory, data, json.dumps(params)],
            capture_output=True,
            text=True,
            check=True,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        return None
    return done.stdout


def contender(
    name: str, params: dict[str, Any], files: dict[str, Path], truth: list[list[int]], args: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "params": params}
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
        directory = Path(folder)
        built = worker("build", name, directory, files["hashes"], params, args.build_limit)
        if built is None:
            entry["skipped"] = f"build took over {args.build_limit:.0f} s (the limit)"
            return entry
        entry |= json.loads(built)
        entry["files_mib"] = sum(p.stat().st_size for p in directory.rglob("*")) / 2**20
        queries = files["numpy-queries" if name == "numpy" else "queries"]
        for point in params.pop("sweep", [{}]):
            served = worker("serve", name, directory, queries, params | point, args.serve_limit)
            if served is None:
                entry.setdefault("points", []).append(point | {"skipped": "serving too slow"})
                continue
            measured = json.loads(served)
            latencies = measured.pop("latencies_s")
            adds = measured.pop("add_to_searchable_s", None)
            point |= {
                "queries": len(latencies),
                "recall_at_10": recall(measured.pop("found"), truth),
                "p50_ms": ms(latencies, 50),
                "p99_ms": ms(latencies, 99),
                **measured,
            }
            if adds is not None:
                point["add_to_searchable"] = {"p50_ms": ms(adds, 50), "p99_ms": ms(adds, 99)}
            entry.setdefault("points", []).append(point)
    return entry


def line(entry: dict[str, Any]) -> str:
    if "skipped" in entry:
        return f"  {entry['name']:<11} skipped: {entry['skipped']}"
    rows = []
    for p in entry["points"]:
        label = entry["name"] + "".join(f" {k}={v}" for k, v in p.items() if k in ("search_k",))
        if "skipped" in p:
            rows.append(f"  {label:<24} skipped: {p['skipped']}")
            continue
        adds = p.get("add_to_searchable")
        rows.append(
            f"  {label:<24} recall {p['recall_at_10']:.4f}  p50 {p['p50_ms']:7.3f} ms  "
            f"p99 {p['p99_ms']:7.3f} ms  build {entry['build_s']:6.1f} s  "
            f"start {p['open_s']:5.1f} s  RSS +{p['serving_mib']:5.0f} MiB"
            + (f"  add→found p50 {adds['p50_ms']:.2f} ms" if adds else "")
        )
    return "\n".join(rows)


def run(size: int, data: Dataset, args: Any) -> dict[str, Any]:
    print(f"\n== {data.name} {size:,} hashes, {len(data.queries)} queries ==", flush=True)
    start = time.perf_counter()
    truth = exact_answer(data)
    with_neighbours = sum(1 for t in truth if t)
    print(
        f"exact answer in {time.perf_counter() - start:.0f} s; "
        f"{with_neighbours} queries have a neighbour ≤ {RADIUS}",
        flush=True,
    )
    contenders = {
        "modmesh": {},
        "faiss-mih": {},
        "faiss-flat": {},
        "annoy": {
            "trees": args.annoy_trees,
            "jobs": 2,
            "sweep": [{"search_k": k} for k in args.annoy_search_k],
        },
        "numpy": {},
    }
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-data-") as folder:
        files = {name: Path(folder) / f"{name}.npy" for name in ("hashes", "queries")}
        files["numpy-queries"] = Path(folder) / "numpy-queries.npy"
        np.save(files["hashes"], data.hashes)
        np.save(files["queries"], data.queries)
        np.save(files["numpy-queries"], data.queries[: args.numpy_queries])
        for name in args.contenders:
            entry = contender(name, contenders[name], files, truth, args)
            print(line(entry), flush=True)
            results.append(entry)
    return {
        "dataset": data.name,
        "size": size,
        "queries": len(data.queries),
        "queries_with_neighbour": with_neighbours,
        "contenders": results,
    }


def markdown(results: list[dict[str, Any]]) -> str:
    """The README's table: one row per contender (and annoy search_k) per dataset and size."""
    rows = [
        "| dataset | hashes | index | recall@10 ≤ 31 | p50 ms | p99 ms | build s | start s "
        "| serving RSS MiB | add→searchable p50 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for entry in result["contenders"]:
            name = entry["name"]
            head = f"| {result['dataset']} | {result['size']:,} | {name}"
            if "skipped" in entry:
                rows.append(f"{head} | {entry['skipped']} | | | | | | |")
                continue
            for p in entry["points"]:
                label = f"{head} (search_k {p['search_k']})" if "search_k" in p else head
                if "skipped" in p:
                    rows.append(f"{label} | {p['skipped']} | | | | | | |")
                    continue
                adds = p.get("add_to_searchable")
                added = f"{adds['p50_ms']:.1f}" if adds else ""
                queries = "" if p["queries"] == result["queries"] else f" ({p['queries']} q.)"
                rows.append(
                    f"{label}{queries} | {p['recall_at_10']:.4f} | {p['p50_ms']:.2f} "
                    f"| {p['p99_ms']:.2f} | {entry['build_s']:.1f} | {p['open_s']:.1f} "
                    f"| {p['serving_mib']:.0f} | {added} |"
                )
    return "\n".join(rows)


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5))
    markers = {"random": "o", "realistic": "s"}
    names = sorted({c["name"] for r in results for c in r["contenders"]})
    for result in results:
        for entry in result["contenders"]:
            points = [p for p in entry.get("points", []) if "skipped" not in p]
            colour = f"C{names.index(entry['name'])}"
            axes.plot(
                [p["p50_ms"] for p in points],
                [p["recall_at_10"] for p in points],
                color=colour,
                marker=markers.get(result["dataset"], "^"),
                markersize=4 + 2 * np.log10(result["size"] / 1e5),
                linestyle="-",
                label=f"{entry['name']}, {result['dataset']} {result['size']:,}",
            )
    axes.axhline(0.99, color="grey", linestyle=":", linewidth=1)
    axes.axvline(2.0, color="grey", linestyle=":", linewidth=1)
    axes.set_xscale("log")
    axes.set_xlabel("p50 latency of one-hash query (ms, log)")
    axes.set_ylabel(f"recall@{K} within distance {RADIUS}")
    axes.set_title("similarity index vs baselines (dotted: recall 0.99, 2 ms)")
    axes.legend(fontsize=6)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--datasets", nargs="+", default=["random", "realistic"])
    parser.add_argument(
        "--contenders",
        nargs="+",
        default=["modmesh", "faiss-mih", "faiss-flat", "annoy", "numpy"],
    )
    parser.add_argument("--annoy-trees", type=int, default=16)
    parser.add_argument("--annoy-search-k", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument(
        "--numpy-queries", type=int, default=200, help="the scan is slow: time it on fewer"
    )
    parser.add_argument(
        "--build-limit", type=float, default=600, help="seconds; the target is 10 minutes"
    )
    parser.add_argument("--serve-limit", type=float, default=1800, help="seconds")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--replot",
        action="store_true",
        help="only redraw the plot and print the README's table from the JSON output",
    )
    args = parser.parse_args()
    plot_path = PLOT if args.output == DEFAULT_OUTPUT else args.output.with_suffix(".png")
    if args.replot:
        results = json.loads(args.output.read_text())["results"]
        plot(results, plot_path)
        print(markdown(results))
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
            results.append(run(size, data, args))
            write(args.output, results)  # after each: a long run that fails keeps the rest
    plot(results, plot_path)
    print(f"\n{markdown(results)}\n\nwrote {args.output} and {plot_path}")


def write(output: Path, results: list[dict[str, Any]]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "benchmark": "similarity index (annoy base + exact delta) vs faiss "
                "IndexBinaryMultiHash, IndexBinaryFlat, annoy alone and numpy",
                "command": " ".join(sys.argv[1:]),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "radius": RADIUS,
                "k": K,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
