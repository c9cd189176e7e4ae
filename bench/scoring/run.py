"""Precision, recall and PR-AUC of the scoring service's example sets against term lists,
and what scoring costs: latency per 1 KB of transcript on one core, throughput, memory.

    .venv/bin/python bench/scoring/run.py                    # the full run (see README)
    .venv/bin/python bench/scoring/run.py --transcripts 20 --repeats 1   # a look

The corpus (bench/scoring/corpus.json, written for this repository; its provenance is in
the file) holds scam, phishing and spam pitches written plainly, paraphrased, in slang
and as indirect offers, and more benign sentences that share their words. None of it is
in the sample example set (services/cli/…/samples/scam-examples.json), which is what is
scored against, so the benchmark is not tuned to itself.

Per category, positives are that category's pitches and negatives the benign sentences.
Three methods: the sample term list through termmatch's matcher in this process (a hit of
a term of the category flags), the sample example set through scoring's core (score at
or above the category's threshold flags) and their combination (either flags). Recall at
precision >= 0.9 is the best recall any threshold on the score reaches with that
precision. "Unlisted" is the pitches on which no term of the list hits at all.

Latency: transcripts of 1 KB cut from the corpus (pitches among benign talk), each
scored through Scoring.score_text with the model on one thread, timed per request; then
where the time goes, stage by stage (breakdown).
Everything is written to bench/results/scoring.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from annoy import AnnoyIndex
from google.protobuf import json_format
from sklearn.metrics import average_precision_score
from transformers import AutoTokenizer

from bench.live.recall import sample_list
from modmesh.cli.samples import EXAMPLE_SET
from modmesh.contracts.scoring.v1 import scoring_pb2
from modmesh.runtime.audit import AuditKey
from modmesh.scoring.convert import example_from_pb, thresholds_from_pb
from modmesh.scoring.core import Scoring
from modmesh.scoring.embedding import load_encoder, packaged_model_dir
from modmesh.scoring.store import SqlExampleStore
from modmesh.scoring.windows import of_text, window_text, windows
from modmesh.termmatch.matcher import CompiledLists

CORPUS = Path(__file__).resolve().parent / "corpus.json"
RESULTS = Path(__file__).resolve().parents[1] / "results" / "scoring.json"
CATEGORIES = ("scam", "phishing", "spam")
PRECISION_TARGET = 0.9
KB = 1024


def load_scoring(store_dir: Path) -> tuple[Scoring, float]:
    request = json_format.Parse(EXAMPLE_SET.read_text(), scoring_pb2.CreateExampleSetRequest())
    store = SqlExampleStore(f"sqlite:///{store_dir / 'scoring.db'}", audit_key=AuditKey(b"k" * 32))
    scoring = Scoring(store, load_encoder(threads=1), max_text_chars=1_000_000)
    started = time.perf_counter()
    scoring.create_set(
        request.set_id,
        request.name,
        request.description,
        [example_from_pb(e) for e in request.examples],
        thresholds_from_pb(list(request.thresholds)),
        actor="bench",
    )
    return scoring, time.perf_counter() - started


def term_categories(lists: CompiledLists, list_id: str, text: str) -> set[str]:
    return {hit.term.category for hit in lists.find(text, [list_id], datetime.now(UTC))}


def quality(
    labels: Sequence[bool], scores: Sequence[float], flagged: Sequence[bool]
) -> dict[str, Any]:
    """Precision and recall of the flags; PR-AUC and best recall at the target precision
    of the scores."""
    positives = sum(labels)
    true = sum(1 for label, flag in zip(labels, flagged, strict=True) if label and flag)
    flags = sum(flagged)
    best = 0.0
    for threshold in sorted(set(scores)):
        chosen = [label for label, score in zip(labels, scores, strict=True) if score >= threshold]
        if chosen and sum(chosen) / len(chosen) >= PRECISION_TARGET:
            best = max(best, sum(chosen) / positives)
    return {
        "positives": positives,
        "negatives": len(labels) - positives,
        "precision": round(true / flags, 3) if flags else None,
        "recall": round(true / positives, 3) if positives else None,
        "pr_auc": round(float(average_precision_score(labels, scores)), 3),
        f"recall_at_precision_{PRECISION_TARGET}": round(best, 3),
    }


def accuracy(scoring: Scoring, corpus: list[dict[str, Any]]) -> dict[str, Any]:
    term_list = sample_list()
    lists = CompiledLists([term_list])
    rows = []
    for item in corpus:
        scored = scoring.score_text(item["text"])
        rows.append(
            {
                **item,
                "terms": term_categories(lists, term_list.list_id, item["text"]),
                "scores": {s.category: s.score for s in scored.scores},
                "flags": {s.category for s in scored.scores if s.flagged},
            }
        )
    report: dict[str, Any] = {}
    for category in CATEGORIES:
        for subset in ("all", "unlisted"):
            chosen = [
                row
                for row in rows
                if row["category"] is None
                or (row["category"] == category and (subset == "all" or not row["terms"]))
            ]
            labels = [row["category"] == category for row in chosen]
            terms = [category in row["terms"] for row in chosen]
            scores = [row["scores"].get(category, 0.0) for row in chosen]
            examples = [category in row["flags"] for row in chosen]
            report[f"{category}/{subset}"] = {
                "terms": quality(labels, [float(t) for t in terms], terms),
                "examples": quality(labels, scores, examples),
                "combined": quality(
                    labels,
                    [max(s, float(t)) for s, t in zip(scores, terms, strict=True)],
                    [e or t for e, t in zip(examples, terms, strict=True)],
                ),
            }
    report["misses"] = [
        {"text": row["text"], "category": row["category"], "scores": row["scores"]}
        for row in rows
        if row["category"] and row["category"] not in row["flags"] | row["terms"]
    ]
    report["false_flags"] = [
        {"text": row["text"], "flags": sorted(row["flags"]), "scores": row["scores"]}
        for row in rows
        if row["category"] is None and row["flags"]
    ]
    return report


def transcripts(corpus: list[dict[str, Any]], count: int) -> list[str]:
    """1 KB texts of corpus sentences in a shuffled order (fixed seed)."""
    shuffled = random.Random(7)  # noqa: S311 - a fixed order, not a secret
    texts = []
    for _ in range(count):
        sentences = [item["text"] for item in corpus]
        shuffled.shuffle(sentences)
        text = ". ".join(sentences)
        texts.append(text[: text.rfind(" ", 0, KB)])
    return texts


def latency(scoring: Scoring, texts: list[str], repeats: int) -> dict[str, Any]:
    scoring.score_text(texts[0])  # warm up
    seconds = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            scoring.score_text(text)
            seconds.append((time.perf_counter() - started) * KB / len(text.encode()))
    seconds.sort()
    return {
        "requests": len(seconds),
        "ms_per_kb_p50": round(1000 * statistics.median(seconds), 1),
        "ms_per_kb_p95": round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 1),
        "kb_per_second_per_core": round(len(seconds) / sum(seconds), 2),
    }


def breakdown(scoring: Scoring, texts: list[str]) -> dict[str, float]:
    """Where a request's time goes, median ms per KB over `texts` (one pass each, CPU
    time of this process, so other work on the machine counts less): cutting windows,
    tokenising them, the model's forward pass (embedding less tokenising), and the rest of
    the request (similarities, calibration, explanations, answer)."""
    tokenizer = AutoTokenizer.from_pretrained(str(packaged_model_dir()), local_files_only=True)
    stages: dict[str, list[float]] = {"windows": [], "tokenise": [], "forward": [], "rest": []}
    for text in texts:
        per_kb = KB / len(text.encode())
        started = time.process_time()
        passage = of_text(text)
        cut = [window_text(passage, window) for window in windows(passage)]
        cut_at = time.process_time()
        tokenizer(cut, padding=True, truncation=True)
        tokenised_at = time.process_time()
        scoring.model.encode(cut)
        embedded_at = time.process_time()
        scoring.score_text(text)
        scored_at = time.process_time()
        stages["windows"].append((cut_at - started) * per_kb)
        stages["tokenise"].append((tokenised_at - cut_at) * per_kb)
        embed = embedded_at - tokenised_at
        stages["forward"].append((embed - (tokenised_at - cut_at)) * per_kb)
        stages["rest"].append((scored_at - embedded_at - embed - (cut_at - started)) * per_kb)
    return {
        f"{stage}_ms_per_kb": round(1000 * statistics.median(v), 2) for stage, v in stages.items()
    }


def nearest_search(
    sizes: Sequence[int], windows: int = 25, dimensions: int = 384
) -> list[dict[str, Any]]:
    """Exact similarities (one matrix product and a partial sort for the 10 nearest, what
    scoring does) against annoy (angular, 16 trees, 10 neighbours) for a 1 KB
    transcript's windows, per example set size."""
    generator = np.random.default_rng(7)
    found = []
    for size in sizes:
        examples = generator.standard_normal((size, dimensions)).astype(np.float32)
        examples /= np.linalg.norm(examples, axis=1, keepdims=True)
        queries = examples[:windows] + 0.1
        nearest = min(10, size - 1)
        np.partition(-(queries @ examples.T), nearest, axis=1)  # warm up
        started = time.perf_counter()
        for _ in range(20):
            np.partition(-(queries @ examples.T), nearest, axis=1)
        exact = (time.perf_counter() - started) / 20
        index = AnnoyIndex(dimensions, "angular")
        for i, vector in enumerate(examples):
            index.add_item(i, vector)
        index.build(16)
        started = time.perf_counter()
        for _ in range(20):
            for query in queries:
                index.get_nns_by_vector(query, 10)
        approximate = (time.perf_counter() - started) / 20
        found.append(
            {
                "examples": size,
                "exact_ms": round(1000 * exact, 3),
                "annoy_ms": round(1000 * approximate, 3),
            }
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transcripts", type=int, default=200, help="1 KB transcripts timed")
    parser.add_argument("--repeats", type=int, default=5, help="times each is scored")
    args = parser.parse_args()
    # One core: the model's threads, BLAS and this process all share it.
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    corpus = json.loads(CORPUS.read_text())["items"]
    texts = transcripts(corpus, args.transcripts)
    with tempfile.TemporaryDirectory() as work:
        scoring, compile_seconds = load_scoring(Path(work))
        examples = len(scoring.list_sets()[0].examples)
        results: dict[str, Any] = {
            "machine": {
                "python": platform.python_version(),
                "cpu": platform.processor(),
                "cores": 1,
            },
            "model": scoring.model.info.__dict__,
            "corpus": {
                "pitches": sum(1 for item in corpus if item["category"]),
                "benign": sum(1 for item in corpus if not item["category"]),
            },
            "example_set_compile_seconds": round(compile_seconds, 2),
            "accuracy": accuracy(scoring, corpus),
            "latency": latency(scoring, texts, args.repeats),
            "breakdown": breakdown(scoring, texts),
            "nearest_search": nearest_search([examples, 1_000, 5_000, 20_000]),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results["accuracy"].items():
        if "/" in key:
            print(
                key,
                {
                    method: (
                        v["precision"],
                        v["recall"],
                        v["pr_auc"],
                        v[f"recall_at_precision_{PRECISION_TARGET}"],
                    )
                    for method, v in value.items()
                },
            )
    print(
        "misses",
        len(results["accuracy"]["misses"]),
        "false flags",
        len(results["accuracy"]["false_flags"]),
    )
    print("latency", results["latency"], "peak RSS MiB", results["peak_rss_mib"])
    print("breakdown", results["breakdown"])
    print("nearest", results["nearest_search"])


if __name__ == "__main__":
    main()
