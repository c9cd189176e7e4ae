"""How fast the console's queue pages: decision's ListQueue read (the page of 50 and its
count) on a queue of 10,000 open cases, against the same read on a queue of 100.

    .venv/bin/python -m bench.console.queue                  # SQLite, 10,000 vs 100 cases
    .venv/bin/python -m bench.console.queue --database postgresql

Pages are read as ListQueue reads them (one case more than the page, the next page from
the token of the last), in-process against decision's store, so the figures are the
database's and the store's, without gRPC. For each queue it times, `--repetitions` times
each: the first page, a page deep in the queue (the 100th of the large one, the last of
the small one), a page filtered by a category one case in 100 has, and the count of
all that match. It reports the median and the slowest with the sample count, the ratio of
the large queue's to the small one's, and writes JSON to bench/results/console-queue.json.
Building the large queue takes a minute or two (each case is a transaction and an audit
entry, as the pipeline writes it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modmesh.contracts.evidence import Severity, TimeRange, Word
from modmesh.decision import paging
from modmesh.decision.compose import SqlStore
from modmesh.decision.domain import (
    EVERY_CASE,
    CaseFilter,
    Evidence,
    Queue,
    Reviewer,
    Source,
    TermHit,
    Transcript,
)
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.document import DEFAULT_RULE_SET
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.blobs import Blob
from modmesh.runtime.tenancy import UNRESTRICTED

RESULTS = Path(__file__).parents[1] / "results" / "console-queue.json"
PAGE = 50
REVIEWER = "bench-reviewer"
RARE_CATEGORY = "rare"
SAID = "free gift card"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def evidence(n: int) -> Evidence:
    """A case's evidence: one hit, one case in 100 of the rare category."""
    category = RARE_CATEGORY if n % 100 == 0 else "scam"
    severity = (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)[n % 4]
    hit = TermHit(
        term_id="free-gift-card", term="free gift card", list_id="sample-scams",
        list_version=1, severity=severity, category=category, span_start=0, span_end=14,
        matched_text="free gift card", word_start_index=0, word_end_index=2,
        time_range=TimeRange(1.0, 2.0),
    )  # fmt: skip
    words = tuple(Word(w, i * 0.4, i * 0.4 + 0.3, 0.9) for i, w in enumerate(SAID.split()))
    said = Transcript(SAID, words, "en", 0.99, "bench", "1")
    return Evidence(transcript=said, term_hits=(hit,))


def build(database_url: str, cases: int) -> SqlStore:
    store = SqlStore(database_url, audit_key=AuditKey(b"bench-audit-key-" * 3))
    store.put_reviewer(Reviewer(REVIEWER), "bench", "reads the queue")
    for n in range(cases):
        sha = f"{n:064x}"
        case, _ = store.submit(
            Blob(sha, f"file:///blobs/{sha}", 1000, "video/mp4"),
            Source(f"account-{n % 500}", f"content-{n}", datetime.now(UTC)),
            "",
        )
        found = evidence(n)
        store.record_outcome(case.case_id, found, DEFAULT_RULE_SET.decide(Facts(found)))
    return store


def page(store: SqlStore, token: str, wanted: CaseFilter = EVERY_CASE) -> str:
    """One page as ListQueue reads it; the next page's token."""
    after = paging.cursor_from(token, paging.Order.QUEUE)
    read = store.review_queue(REVIEWER, Queue.GENERAL, PAGE + 1, UNRESTRICTED, wanted, after)
    return paging.split_page(read, PAGE, paging.Order.QUEUE)[1]


def token_of_page(store: SqlStore, number: int) -> str:
    """The token that asks for page `number` (1-based), or of the last page."""
    token = ""
    for _ in range(number - 1):
        following = page(store, token)
        if not following:
            break
        token = following
    return token


def timed(what: Callable[[], Any], repetitions: int) -> dict[str, Any]:
    seconds = []
    for _ in range(repetitions):
        start = time.perf_counter()
        what()
        seconds.append(time.perf_counter() - start)
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
        "samples": repetitions,
    }


def measure(store: SqlStore, deep_page: int, repetitions: int) -> dict[str, Any]:
    deep = token_of_page(store, deep_page)
    rare = replace(EVERY_CASE, category=RARE_CATEGORY)
    page(store, "")  # warm the connection pool and the statement cache
    return {
        "first_page": timed(lambda: page(store, ""), repetitions),
        "deep_page": timed(lambda: page(store, deep), repetitions),
        "filtered_page": timed(lambda: page(store, "", rare), repetitions),
        "count": timed(
            lambda: store.queue_size(REVIEWER, Queue.GENERAL, UNRESTRICTED, EVERY_CASE),
            repetitions,
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console.queue")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--baseline-cases", type=int, default=100)
    parser.add_argument("--repetitions", type=int, default=51)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"database": args.database, "page_size": PAGE}
    with tempfile.TemporaryDirectory() as work:
        for name, cases, deep in (
            ("baseline", args.baseline_cases, 2),
            ("large", args.cases, 100),
        ):
            url = (
                f"sqlite:///{work}/{name}.db" if args.database == "sqlite" else _fresh_schema(name)
            )
            started = time.perf_counter()
            store = build(url, cases)
            print(
                f"{name}: {cases} open cases in {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
            results[name] = {
                "cases": cases,
                "deep_page_number": deep,
                **measure(store, deep, args.repetitions),
            }
            store.close()
    results["ratio_large_to_baseline"] = {
        read: round(results["large"][read]["median_ms"] / results["baseline"][read]["median_ms"], 2)
        for read in ("first_page", "deep_page", "filtered_page", "count")
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


def _fresh_schema(name: str) -> str:
    """A schema of its own on the local PostgreSQL, so runs never share tables."""
    import sqlalchemy

    schema = f"bench_console_{name}_{int(time.time())}"
    engine = sqlalchemy.create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


if __name__ == "__main__":
    sys.exit(main())
