"""What negative banks cost a search: the same queries against the same positive bank,
without and then with a negative bank of known-good items, in one process.

    .venv/bin/python bench/similarity/bench_negative.py                       # full run
    .venv/bin/python bench/similarity/bench_negative.py --items 1000 --queries 50 \\
        --output build/bench-negative.json                                  # quick check

A positive bank of `--items` items of `--runs` random PDQ runs each (SQLite store, built
base index) is searched with `--queries` near-copies (10 bits off) of its items: first
alone (the baseline), then with a negative bank of as many items, once with queries the
negative bank does not hold (its cost when it finds nothing) and once with queries whose
frames it holds too (every match withheld). Each phase runs the same queries, in the same
order, `--repeat` times; p50 and p99 latencies and their ratios to the baseline go to
bench/results/similarity-negative.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from modmesh.runtime.audit import AuditKey
from modmesh.similarity.banks import BankIndexes
from modmesh.similarity.domain import Bank, StoredItem
from modmesh.similarity.hashing import HASH_BYTES, HashRun
from modmesh.similarity.index import IndexParams
from modmesh.similarity.store import SqlSimilarityStore

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "similarity-negative.json"
RNG = np.random.default_rng(7)


def random_runs(count: int) -> tuple[HashRun, ...]:
    hashes = RNG.integers(0, 256, (count, HASH_BYTES), dtype=np.uint8)
    return tuple(HashRun(row.tobytes(), i, i + 1.0, 90) for i, row in enumerate(hashes))


def nudged(runs: tuple[HashRun, ...], bits: int = 10) -> list[HashRun]:
    out = []
    for run in runs:
        unpacked = np.unpackbits(np.frombuffer(run.pdq, np.uint8))
        unpacked[RNG.choice(256, bits, replace=False)] ^= 1
        out.append(HashRun(np.packbits(unpacked).tobytes(), run.start_seconds, run.end_seconds, 90))
    return out


def fill(indexes: BankIndexes, bank: Bank, items: list[tuple[HashRun, ...]]) -> None:
    indexes.create_bank(bank, actor="bench")
    for number, runs in enumerate(items):
        indexes.add_item(StoredItem(bank.name, f"item-{number}", "", runs), actor="bench")
    indexes.rebuild(bank.name)  # searched as in production: from a built base


def timed(
    indexes: BankIndexes, queries: list[list[HashRun]], repeat: int
) -> tuple[list[float], int, int]:
    """Per-search seconds, and the matches and withheld matches of the last pass."""
    seconds: list[float] = []
    found = withheld = 0
    for _ in range(repeat):
        found = withheld = 0
        for query in queries:
            start = time.perf_counter()
            answer = indexes.search(query, banks=["scams"], k=10)
            seconds.append(time.perf_counter() - start)
            found += len(answer.matches)
            withheld += len(answer.suppressed)
    return seconds, found, withheld


def summary(name: str, seconds: list[float], found: int, withheld: int) -> dict[str, Any]:
    return {
        "phase": name,
        "searches": len(seconds),
        "p50_ms": float(np.percentile(seconds, 50) * 1000),
        "p99_ms": float(np.percentile(seconds, 99) * 1000),
        "matches_last_pass": found,
        "withheld_last_pass": withheld,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10, help="PDQ runs per item")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()

    scams = [random_runs(args.runs) for _ in range(args.items)]
    good = [random_runs(args.runs) for _ in range(args.items)]
    picks = RNG.choice(args.items, args.queries, replace=False)
    plain = [nudged(scams[i]) for i in picks]
    # Known-good copies of the queried scams' frames: every match is withheld.
    covered = [nudged(scams[i]) for i in picks]
    with tempfile.TemporaryDirectory() as directory:
        store_url = f"sqlite:///{directory}/bench.db"
        store = SqlSimilarityStore(store_url, audit_key=AuditKey(b"b" * 32))
        indexes = BankIndexes(store, Path(directory) / "index", IndexParams(), rebuild_after=0)
        indexes.open()
        start = time.perf_counter()
        fill(indexes, Bank("scams", 31, 50.0), scams)
        print(f"positive bank: {args.items:,} items in {time.perf_counter() - start:.0f} s")
        phases = [summary("baseline: positive bank only", *timed(indexes, plain, args.repeat))]
        fill(indexes, Bank("good", 31, 50.0, negative=True), good)
        phases.append(summary("negative bank, finds nothing", *timed(indexes, plain, args.repeat)))
        for number, i in enumerate(picks):
            item = StoredItem("good", f"copy-{number}", "", scams[i])
            indexes.add_item(item, actor="bench")
        indexes.rebuild("good")
        phases.append(
            summary("negative bank, withholds every match", *timed(indexes, covered, args.repeat))
        )
        indexes.close()
    base = phases[0]
    for phase in phases:
        phase["p50_ratio"] = phase["p50_ms"] / base["p50_ms"]
        phase["p99_ratio"] = phase["p99_ms"] / base["p99_ms"]
        print(
            f"{phase['phase']:40} p50 {phase['p50_ms']:7.2f} ms ({phase['p50_ratio']:.2f}x)  "
            f"p99 {phase['p99_ms']:7.2f} ms ({phase['p99_ratio']:.2f}x)  "
            f"matches {phase['matches_last_pass']}, withheld {phase['withheld_last_pass']}"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "benchmark": "similarity search with and without a negative bank",
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "items_per_bank": args.items,
                "runs_per_item": args.runs,
                "queries": args.queries,
                "repeat": args.repeat,
                "phases": phases,
            },
            indent=2,
        )
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
