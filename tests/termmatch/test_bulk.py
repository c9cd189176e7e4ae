"""Bulk term files (CSV, JSON Lines) and `modmesh lists import/export` against a real
termmatch process: all or nothing, and every refusal names the line."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modmesh.contracts.evidence import Severity
from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from modmesh.runtime.errors import InvalidArgument
from modmesh.termmatch import bulk
from modmesh.termmatch.domain import Term, TermKind, Window
from tests.support import (
    LoopbackSettings,
    ServiceProcess,
    loopback_settings,
    mesh_channel,
    run_modmesh,
)

CSV = """term_id,text,severity,category,kind
gift,free gift card,high,scam,
,"wire, transfer",medium,scam,word
pat,win \\d+ usd,low,spam,regex
"""


def read(text: str, fmt: str = "csv") -> list[tuple[int, object]]:
    return list(bulk.read_terms(text.splitlines(keepends=True), fmt))


def test_csv_rows_become_drafts_with_their_line_numbers() -> None:
    rows = read(CSV)
    assert [line for line, _ in rows] == [2, 3, 4]
    _, first = rows[0]
    assert (first.term_id, first.text, first.severity, first.kind) == (  # type: ignore[attr-defined]
        "gift",
        "free gift card",
        Severity.HIGH,
        TermKind.WORD,
    )
    assert rows[2][1].kind == TermKind.REGEX  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("", "csv", "line 1: the file is empty"),
        ("text,severity,colour\n", "csv", "line 1: unknown field 'colour'"),
        ("text\nfree\n", "csv", "line 1: the field 'severity' is required"),
        ("text,severity\nfree,urgent\n", "csv", "line 2: severity 'urgent' is not one of low"),
        ("text,severity\nfree,low,extra\n", "csv", "line 2: has more fields than the header"),
        ('{"text": "a", "severity": "low"}\n\n{"text": \n', "jsonl", "line 3: not valid JSON"),
        ('["a"]\n', "jsonl", "line 1: must be a JSON object"),
        ('{"text": "\\ud800", "severity": "low"}\n', "jsonl", "line 1: text has a lone surrogate"),
        ('{"text": "a", "severity": 3}\n', "jsonl", "line 1: severity must be a string"),
        (
            '{"text": "a", "severity": "low", "active_from": "2025-01-01T00:00"}\n',
            "jsonl",
            "line 1: active_from '2025-01-01T00:00' needs a time zone",
        ),
    ],
)
def test_a_malformed_row_is_refused_naming_its_line(text: str, fmt: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        read(text, fmt)
    assert message in refused.value.message


@pytest.mark.parametrize("fmt", bulk.FORMATS)
def test_written_terms_read_back_unchanged(fmt: str) -> None:
    window = Window(datetime(2025, 1, 1, tzinfo=UTC), None)
    terms = [
        Term("a", 'say "free", now', Severity.LOW, "spam", TermKind.WORD, "en", "n,ote", window),
        Term("b", "免费", Severity.CRITICAL, "", TermKind.SUBSTRING),
    ]
    lines = [bulk.header(fmt), *bulk.write_terms(terms, fmt)]
    rows = read("".join(lines), fmt)
    assert [
        (d.term_id, d.text, d.severity, d.category, d.kind, d.locale, d.note, d.window)  # type: ignore[attr-defined]
        for _, d in rows
    ] == [
        (t.term_id, t.text, t.severity, t.category, t.kind, t.locale, t.note, t.window)
        for t in terms
    ]


# The CLI against a real service.


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    settings = loopback_settings(tmp_path_factory.mktemp("termmatch-bulk"))
    with ServiceProcess("termmatch", settings):
        yield settings


def modmesh(settings: LoopbackSettings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_modmesh("lists", *args, "--termmatch", settings.termmatch_addr, settings=settings)


def version(settings: LoopbackSettings, list_id: str) -> int:
    with mesh_channel(settings, settings.termmatch_addr) as channel:
        stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
        found = stub.GetList(pb.GetListRequest(list_id=list_id), timeout=10).list
        return int(found.version)


def test_import_then_export_round_trips_through_the_cli(
    service: LoopbackSettings, tmp_path: Path
) -> None:
    source = tmp_path / "terms.csv"
    source.write_text(CSV)
    result = modmesh(service, "import", str(source), "--list", "bulk", "--create")
    assert result.returncode == 0, result.stderr
    assert "imported 3 rows into bulk: version 2, 3 terms" in result.stderr

    exported = modmesh(service, "export", "bulk", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [(r["term_id"], r["text"], r["kind"]) for r in rows] == [
        ("gift", "free gift card", "word"),
        ("wire-transfer", "wire, transfer", "word"),
        ("pat", "win \\d+ usd", "regex"),
    ]
    again = tmp_path / "again.jsonl"
    again.write_text(exported.stdout)
    replaced = modmesh(service, "import", str(again), "--list", "bulk", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "version 3, 3 terms" in replaced.stderr


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",low,,", "line 3: text must not be empty or blank"),
        (f"{'x' * 201},low,,", "line 3: text is 201 characters, over the limit of 200"),
        ("(a)\\1,low,,regex", "line 3: text '(a)\\\\1' is not a pattern RE2 accepts"),
        ("free gift card,low,,", "line 3: text 'free gift card' is the same phrase as line 2"),
    ],
)
def test_a_bad_row_fails_the_whole_import_naming_its_line(
    service: LoopbackSettings, tmp_path: Path, row: str, message: str
) -> None:
    modmesh(
        service,
        "import",
        str(_file(tmp_path, "text,severity,category,kind\nok,low,,\n")),
        "--list",
        "strict",
        "--create",
    )
    before = version(service, "strict")
    source = _file(tmp_path, f"text,severity,category,kind\nfree gift card,high,,\n{row}\n")
    result = modmesh(service, "import", str(source), "--list", "strict")
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert version(service, "strict") == before


def test_an_import_into_an_unknown_list_is_refused(
    service: LoopbackSettings, tmp_path: Path
) -> None:
    result = modmesh(service, "import", str(_file(tmp_path, CSV)), "--list", "ghost")
    assert result.returncode == 1
    assert "term list 'ghost' not found" in result.stderr


def _file(folder: Path, text: str) -> Path:
    path = folder / f"file-{abs(hash(text))}.csv"
    path.write_text(text)
    return path
