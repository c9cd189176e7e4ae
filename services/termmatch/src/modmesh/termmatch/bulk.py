"""Term files for bulk import and export: CSV (with a header row) and JSON Lines.

One column or key per term field; only `text` and `severity` are required. Severity
and kind are written as lowercase names ("high", "regex"), times as ISO 8601 with a
time zone. Reading checks the shape of each row and names the line of the first bad
one; what a value means (an empty term, a pattern RE2 refuses) is judged by the
service, which names the line too. Shared by the CLI and the gateway, so both read a
file the same way.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from modmesh.contracts.evidence import Severity
from modmesh.runtime.errors import InvalidArgument
from modmesh.termmatch.domain import Term, TermDraft, TermKind, Window

FORMATS = ("csv", "jsonl")
COLUMNS = (
    "term_id",
    "text",
    "severity",
    "category",
    "kind",
    "locale",
    "note",
    "active_from",
    "active_until",
)
_REQUIRED = ("text", "severity")


def _bad(line: int, message: str) -> InvalidArgument:
    return InvalidArgument(f"line {line}: {message}", field=f"line {line}")


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise InvalidArgument(
            f"format {name!r} is not supported; use one of {', '.join(FORMATS)}", field="format"
        )
    return name


def read_terms(lines: Iterable[str], fmt: str) -> Iterator[tuple[int, TermDraft]]:
    """(line number, term) for each row of a file given as lines (newlines kept)."""
    if check_format(fmt) == "csv":
        return _read_csv(lines)
    return _read_jsonl(lines)


def _read_csv(lines: Iterable[str]) -> Iterator[tuple[int, TermDraft]]:
    reader = csv.DictReader(iter(lines), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as error:
        raise _bad(1, f"not valid CSV ({error})") from None
    if not header:
        raise _bad(1, "the file is empty; it needs a header row naming the columns")
    _check_keys(1, header, required=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _bad(reader.line_num, f"not valid CSV ({error})") from None
        line = reader.line_num
        if None in row:
            raise _bad(line, f"has more fields than the header's {len(header)}")
        yield line, _draft(line, {k: v for k, v in row.items() if v is not None})


def _read_jsonl(lines: Iterable[str]) -> Iterator[tuple[int, TermDraft]]:
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as error:
            raise _bad(line, f"not valid JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(row, dict):
            raise _bad(line, "must be a JSON object with one key per term field")
        _check_keys(line, row, required=True)
        for key, value in row.items():
            if value is not None and not isinstance(value, str):
                raise _bad(line, f"{key} must be a string")
        yield line, _draft(line, {k: v for k, v in row.items() if v is not None})


def _check_keys(line: int, keys: Iterable[str], *, required: bool) -> None:
    keys = list(keys)
    unknown = [key for key in keys if key not in COLUMNS]
    if unknown:
        raise _bad(line, f"unknown field {unknown[0]!r}; the fields are {', '.join(COLUMNS)}")
    missing = [key for key in _REQUIRED if key not in keys]
    if required and missing:
        raise _bad(line, f"the field {missing[0]!r} is required")


def _draft(line: int, row: dict[str, str]) -> TermDraft:
    for key, value in row.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise _bad(
                line, f"{key} has a lone surrogate code point at position {error.start}"
            ) from None
    return TermDraft(
        text=row.get("text", ""),
        severity=_enum(line, "severity", row.get("severity", ""), Severity),
        category=row.get("category", ""),
        term_id=row.get("term_id", ""),
        kind=_enum(line, "kind", row.get("kind", "") or "word", TermKind),
        locale=row.get("locale", ""),
        note=row.get("note", ""),
        window=Window(
            _moment(line, "active_from", row.get("active_from", "")),
            _moment(line, "active_until", row.get("active_until", "")),
        ),
    )


def _enum(line: int, field: str, value: str, enum: Any) -> int:
    name = value.strip().upper()
    prefix = "SEVERITY_" if enum is Severity else "TERM_KIND_"
    name = name.removeprefix(prefix)
    if name not in enum.__members__ or name == "UNSPECIFIED":
        allowed = ", ".join(m.name.lower() for m in enum if m)
        raise _bad(line, f"{field} {value!r} is not one of {allowed}")
    return int(enum[name])


def _moment(line: int, field: str, value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _bad(line, f"{field} {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise _bad(line, f"{field} {value!r} needs a time zone, e.g. {value.strip()}Z")
    return moment


def header(fmt: str) -> str:
    """What a file starts with: the header row for CSV, nothing for JSON Lines."""
    return _csv_line(COLUMNS) if check_format(fmt) == "csv" else ""


def write_terms(terms: Iterable[Term], fmt: str) -> Iterator[str]:
    """One line per term (after `header(fmt)`)."""
    if check_format(fmt) == "csv":
        for term in terms:
            fields = _fields(term)
            yield _csv_line([fields[column] for column in COLUMNS])
        return
    for term in terms:
        fields = {k: v for k, v in _fields(term).items() if v}
        yield json.dumps(fields, ensure_ascii=False) + "\n"


def _csv_line(values: Iterable[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _fields(term: Term) -> dict[str, str]:
    return {
        "term_id": term.term_id,
        "text": term.text,
        "severity": term.severity.name.lower(),
        "category": term.category,
        "kind": term.kind.name.lower(),
        "locale": term.locale,
        "note": term.note,
        "active_from": _iso(term.window.active_from),
        "active_until": _iso(term.window.active_until),
    }


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat()
