"""Browsing a list of a million terms (issue 16): SearchTerms, ListVersions and
CompareVersions against what a console could do before them, ExportTerms and filtering,
on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/termmatch/search.py                     # 1,000,000 terms
    .venv/bin/python bench/termmatch/search.py --terms 20000 --databases sqlite  # a look

For each database: a list of synthetic terms (Latin syllable words, one to three per term,
ids "term-0000000"...) is stored as version 1 through the store (timed: the search key
and index cost on writes), with 2,000 terms carrying "voucher", one "free gift card" and
one in full-width letters. Version 2 edits 20 terms (10 changed, 5 removed, 5
added), version 3 imports new texts for 10 % of the list. Then, in process (ListBrowser,
the service's own code, no gRPC): the first page of searches whose matches are many,
some, one and none, by term id, at the newest version and at version 1; every page of
"voucher"; the first page of versions; the changes of versions 1→2, 2→3 (100,000 terms)
and 1→3. Then through a real termmatch process: SearchTerms against ExportTerms of the
whole list filtered by the same folding (what a console had before), on the same server.
Last, the alternatives not taken, on the same rows: SQLite FTS5's trigram index, and on
PostgreSQL a pg_trgm GIN index (where CREATE EXTENSION is allowed). Every figure is
the median of its samples, with min, max and the sample count; the load average is
recorded, as other work on the machine shows in the figures. JSON goes to
bench/results/termmatch-search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from modmesh.contracts.evidence import Severity
from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from modmesh.termmatch.browse import ListBrowser
from modmesh.termmatch.domain import ListSettings, Term, TermList
from modmesh.termmatch.folding import fold
from modmesh.termmatch.store import ListChange, SqlListStore
from tests.support import (
    AUDIT_KEY,
    ServiceProcess,
    loopback_settings,
    mesh_channel,
    postgres_schema,
)

RESULTS = Path(__file__).resolve().parents[1] / "results" / "termmatch-search.json"
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "se", "pi", "da", "gu", "zo", "be"]
SYLLABLES += ["fi", "tor", "ban", "sel", "qui", "mar", "dex", "lin", "pra", "gol", "ves"]
NOW = datetime.now(UTC)
LIST_ID = "bench"
#: Searches by how many terms they find: (name, query).
QUERIES = [
    ("empty query", ""),
    ("many: 'ka'", "ka"),
    ("some: 'voucher'", "voucher"),
    ("one: 'free gift card'", "free gift card"),
    ("none: 'qqqq'", "qqqq"),
    ("term id: 'term-0999999'", "term-0999999"),
]
FAST, SLOW, EXPORTS = 9, 5, 3
T = TypeVar("T")


def timed(call: Callable[[], T], samples: int) -> tuple[T, dict[str, Any]]:
    """The last result and the call's latency over `samples` runs, in ms."""
    times: list[float] = []
    for _ in range(samples):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    figures = {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times)}
    return result, {**{k: round(v, 2) for k, v in figures.items()}, "samples": samples}


def make_terms(count: int, rng: random.Random) -> list[Term]:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))

    terms = []
    for n in range(count):
        text = " ".join(word() for _ in range(rng.choice([1, 1, 2, 3])))
        if n % 500 == 250:
            text += " voucher"
        terms.append(Term(f"term-{n:07d}", text, Severity.MEDIUM, "bench"))
    terms[count // 3] = Term(terms[count // 3].term_id, "free gift card", Severity.HIGH, "scam")
    spelled = "FREE \uff27\uff29\uff26\uff34 CARD"
    terms[count // 2] = Term(terms[count // 2].term_id, spelled, Severity.HIGH, "scam")
    return terms


def matches(terms: list[Term], query: str) -> list[str]:
    """What a search must find, by the definition: folded text or id contains it."""
    needle = fold(query)
    return sorted(t.term_id for t in terms if needle in fold(t.text) or needle in fold(t.term_id))


def build(store: SqlListStore, terms: list[Term], rng: random.Random) -> dict[str, Any]:
    """Versions 1-3; the time each took to store."""
    v1 = TermList(LIST_ID, 1, ListSettings("bench"), tuple(terms), NOW, NOW)
    figures: dict[str, Any] = {}
    start = time.perf_counter()
    store.append(ListChange(v1, added=v1.terms), "list.created", "bench")
    figures["store_version_1_s"] = round(time.perf_counter() - start, 2)
    changed = [Term(t.term_id, t.text + " edited", t.severity, t.category) for t in terms[:10]]
    added = [Term(f"added-{n}", f"added {n}", Severity.LOW, "bench") for n in range(5)]
    gone = {t.term_id for t in terms[10:15]}
    kept = [t for t in terms[10:] if t.term_id not in gone]
    v2 = TermList(LIST_ID, 2, v1.settings, (*changed, *kept, *added), NOW, NOW)
    start = time.perf_counter()
    store.append(
        ListChange(v2, added=[*changed, *added], removed={t.term_id for t in terms[:15]}),
        "terms.updated",
        "bench",
    )
    figures["store_20_term_edit_s"] = round(time.perf_counter() - start, 3)
    picked = rng.sample(kept, len(terms) // 10)
    renamed = {t.term_id: Term(t.term_id, t.text + " v3", t.severity, t.category) for t in picked}
    v3_terms = tuple(renamed.get(t.term_id, t) for t in v2.terms)
    v3 = TermList(LIST_ID, 3, v1.settings, v3_terms, NOW, NOW)
    start = time.perf_counter()
    store.append(
        ListChange(v3, added=list(renamed.values()), removed=set(renamed)), "terms.imported", "b"
    )
    figures["store_import_of_10_percent_s"] = round(time.perf_counter() - start, 2)
    return figures


def in_process(browser: ListBrowser, terms: list[Term]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for version in (0, 1):
        for name, query in QUERIES:
            samples = FAST if name.split(":")[0] in ("empty query", "many", "some") else SLOW
            page, figures = timed(partial(browser.search_terms, LIST_ID, query, version), samples)
            if version == 1:  # version 1 is `terms`: the page must be what the definition finds
                assert [t.term_id for t in page.terms] == matches(terms, query)[:50], name
            results[f"search v{version or 'newest'}, {name}"] = {
                **figures,
                "found": len(page.terms),
            }

    def every_page() -> int:
        pages, token = 0, ""
        while True:
            page = browser.search_terms(LIST_ID, "voucher", page_token=token)
            pages, token = pages + 1, page.next_page_token
            if not token:
                return pages

    pages, figures = timed(every_page, SLOW)
    results["search newest, every page of 'voucher'"] = {**figures, "pages": pages}
    _, results["versions, first page"] = timed(lambda: browser.list_versions(LIST_ID), FAST)
    for first, last, samples in ((1, 2, FAST), (2, 3, FAST), (1, 3, SLOW)):
        diff, figures = timed(partial(browser.compare_versions, LIST_ID, first, last), samples)
        results[f"changes {first}->{last}, first page"] = {
            **figures,
            "found": len(diff.changes),
        }
    return results


def over_grpc(url: str, data_dir: Path) -> dict[str, Any]:
    """SearchTerms against ExportTerms + the same filter, through one termmatch process."""
    settings = loopback_settings(data_dir, termmatch_database_url=url)
    results: dict[str, Any] = {}
    start = time.perf_counter()
    with ServiceProcess("termmatch", settings, ready_timeout=900) as service:
        results["service_start_s"] = round(time.perf_counter() - start, 1)
        with mesh_channel(service.settings, service.address) as channel:
            stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
            for name, query in QUERIES[1:5]:
                request = pb.SearchTermsRequest(list_id=LIST_ID, query=query)
                _, results[f"SearchTerms, {name}"] = timed(
                    partial(stub.SearchTerms, request, timeout=600), FAST
                )
            for name, query in (QUERIES[1], QUERIES[4]):
                _, results[f"ExportTerms + filter, {name}"] = timed(
                    partial(export_and_filter, stub, query), EXPORTS
                )
    return results


def export_and_filter(stub: termmatch_pb2_grpc.TermMatchServiceStub, query: str) -> list[str]:
    needle = fold(query)
    found = [
        term.term_id
        for reply in stub.ExportTerms(pb.ExportTermsRequest(list_id=LIST_ID), timeout=600)
        for term in reply.terms
        if needle in fold(term.text) or needle in fold(term.term_id)
    ]
    return sorted(found)[:50]


ALTERNATIVE_QUERIES = [QUERIES[1], QUERIES[2], QUERIES[3], QUERIES[4]]


def fts5(path: Path) -> dict[str, Any]:
    """SQLite's FTS5 trigram index over the search keys (SQLite 3.34+): not taken."""
    connection = sqlite3.connect(path)
    before = path.stat().st_size
    start = time.perf_counter()
    connection.executescript(
        "CREATE VIRTUAL TABLE bench_fts USING fts5(search_key, content='termmatch_terms', "
        "content_rowid='rowid', tokenize='trigram');"
        "INSERT INTO bench_fts(bench_fts) VALUES ('rebuild');"
    )
    results: dict[str, Any] = {
        "build_s": round(time.perf_counter() - start, 1),
        "size_added_mb": round((path.stat().st_size - before) / 1e6, 1),
    }
    # CROSS JOIN: the index's matches first, then their rows, then a sort. Left to itself,
    # SQLite walks the current rows' index in term id order and looks each up.
    sql = (
        "SELECT t.term_id FROM bench_fts f CROSS JOIN termmatch_terms t ON t.rowid = f.rowid "
        "WHERE f.search_key LIKE ? AND t.list_id = ? AND t.until_version IS NULL "
        "ORDER BY t.term_id LIMIT 51"
    )
    for name, query in ALTERNATIVE_QUERIES:
        pattern = f"%{fold(query)}%"
        _, results[name] = timed(partial(_rows, connection, sql, (pattern, LIST_ID)), SLOW)
    connection.execute("DROP TABLE bench_fts")
    connection.close()
    return results


def _rows(connection: sqlite3.Connection, sql: str, values: tuple[str, ...]) -> list[Any]:
    return connection.execute(sql, values).fetchall()


def pg_trgm(url: str) -> dict[str, Any]:
    """A pg_trgm GIN index over the current rows' search keys: not taken."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            schema = connection.scalar(sa.text("SELECT current_schema()"))
            connection.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA {schema}"))
    except sa.exc.DBAPIError as error:
        engine.dispose()
        return {"unavailable": str(error.orig).strip()}
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE INDEX bench_trgm ON termmatch_terms USING gin (search_key gin_trgm_ops) "
                "WHERE until_version IS NULL"
            )
        )
        connection.execute(sa.text("ANALYZE termmatch_terms"))
    results: dict[str, Any] = {"build_s": round(time.perf_counter() - start, 1)}
    sql = sa.text(
        "SELECT term_id FROM termmatch_terms WHERE list_id = :list AND until_version IS NULL "
        "AND search_key LIKE :pattern ORDER BY term_id LIMIT 51"
    )
    with engine.connect() as connection:
        for name, query in ALTERNATIVE_QUERIES:
            values = {"list": LIST_ID, "pattern": f"%{fold(query)}%"}
            _, results[name] = timed(partial(connection.execute, sql, values), SLOW)
    engine.dispose()
    return results


@contextmanager
def database(kind: str, data_dir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{data_dir / 'termmatch.db'}"
    else:
        with postgres_schema() as url:
            yield url


def run(kind: str, terms: list[Term]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        store = SqlListStore(url, audit_key=AUDIT_KEY)
        figures: dict[str, Any] = {"writes": build(store, terms, random.Random(3))}  # noqa: S311
        figures["in_process"] = in_process(ListBrowser(store.history()), terms)
        store.close()
        figures["grpc"] = over_grpc(url, Path(tmp) / "data")
        if kind == "sqlite":
            figures["not_taken_fts5_trigram"] = fts5(Path(tmp) / "termmatch.db")
        else:
            figures["not_taken_pg_trgm"] = pg_trgm(url)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terms", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    terms = make_terms(args.terms, random.Random(1))  # noqa: S311
    report: dict[str, Any] = {
        "benchmark": "termmatch-search",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "terms": args.terms,
        "load_average_before": os.getloadavg(),
        "databases": {},
    }
    for kind in args.databases.split(","):
        report["databases"][kind] = run(kind, terms)
        print(json.dumps({kind: report["databases"][kind]}, indent=1), flush=True)
    report["load_average_after"] = os.getloadavg()
    args.output.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
