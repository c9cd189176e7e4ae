"""Hash exchange files: a bank's items in CSV or JSON Lines, to share between platforms.

Both formats carry the same fields; PDQ hashes are 64 hex characters in the byte order of
Meta's reference implementation and ThreatExchange.

CSV (``.csv``): one hash per row, with a header; the rows of one item are consecutive::

    item_id,label,pdq_hex,timestamp_seconds,duration_seconds,quality
    clip-1,known scam,f8f8…,0.0,1.0,100
    clip-1,known scam,e0f1…,1.0,3.0,92

JSON Lines (``.jsonl``): one item per line::

    {"item_id": "clip-1", "label": "known scam",
     "hashes": [{"pdq_hex": "f8f8…", "timestamp_seconds": 0.0, "duration_seconds": 1.0,
                 "quality": 100}, …]}

`timestamp_seconds` (default 0), `duration_seconds` (default 1) and `quality` (default
100) may be left out (empty in CSV) for a single image hash.

vPDQ (a folder, or one ``.vpdq`` file): Meta's vPDQ hash files (see
modmesh.similarity.vpdq), one item per file named after the item id (percent-encoded);
labels are not carried. Written at SAMPLE_FPS frames a second; an image is one line.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, unquote

from modmesh.runtime.errors import InvalidArgument
from modmesh.similarity.domain import Source
from modmesh.similarity.hashing import HashRun, parse_pdq_hex
from modmesh.similarity.vpdq import (
    VpdqError,
    features_of_runs,
    read_vpdq,
    runs_of_features,
    write_vpdq,
)

CSV_FIELDS = (
    "item_id",
    "label",
    "pdq_hex",
    "timestamp_seconds",
    "duration_seconds",
    "quality",
)


#: The frame rate of vPDQ files written: one line a second, vPDQ's default and the
#: service's (MODMESH_FRAME_SAMPLE_FPS); read, a file's own timestamps are kept.
SAMPLE_FPS = 1.0
VPDQ_SUFFIX = ".vpdq"
FORMATS = "name it .csv or .jsonl, or .vpdq (or a folder, no suffix) for vPDQ, to say its format"


class ExchangeError(ValueError):
    """A line of an exchange file that cannot be read; the message names the line."""


@dataclass(frozen=True)
class ExchangedItem:
    item_id: str
    label: str
    runs: tuple[HashRun, ...]
    #: Where it came from, for an item read from a signal exchange (signals.py).
    source: Source | None = None


def read_items(path: Path) -> Iterator[ExchangedItem]:
    """The items of a .csv or .jsonl exchange file, in file order, or of a vPDQ file or
    a folder of them, in name order."""
    if path.is_dir():
        for child in sorted(path.glob(f"*{VPDQ_SUFFIX}")):
            yield _read_vpdq(child)
        return
    if path.suffix == VPDQ_SUFFIX:
        yield _read_vpdq(path)
        return
    with path.open(newline="", encoding="utf-8") as source:
        try:
            if path.suffix == ".csv":
                yield from _read_csv(source, path.name)
            elif path.suffix == ".jsonl":
                yield from _read_jsonl(source, path.name)
            else:
                raise ExchangeError(f"{path.name}: {FORMATS}")
        except UnicodeDecodeError as error:
            # Found by fuzzing: bytes that are not UTF-8 were an uncaught decode error.
            raise ExchangeError(
                f"{path.name}: not UTF-8 text (byte {error.start} of a block cannot be decoded)"
            ) from None


def write_items(items: Iterable[ExchangedItem], path: Path) -> int:
    """Writes the items in the format the file name says; returns how many."""
    if not path.suffix:
        return _write_vpdq_folder(items, path)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        if path.suffix == ".csv":
            writer = csv.writer(out)
            writer.writerow(CSV_FIELDS)
            for count, item in enumerate(items, 1):  # noqa: B007 - the count is returned
                for run in item.runs:
                    writer.writerow(
                        [item.item_id, item.label, run.hex, run.start_seconds, run.seconds,
                         run.quality]
                    )  # fmt: skip
        elif path.suffix == ".jsonl":
            for count, item in enumerate(items, 1):  # noqa: B007 - the count is returned
                out.write(json.dumps(_item_json(item), ensure_ascii=False) + "\n")
        else:
            raise ExchangeError(f"{path.name}: {FORMATS}")
    return count


def _write_vpdq_folder(items: Iterable[ExchangedItem], folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for count, item in enumerate(items, 1):  # noqa: B007 - the count is returned
        # Percent-encoded: an item id may hold "/" or other characters a file name cannot.
        with (folder / f"{quote(item.item_id, safe='')}{VPDQ_SUFFIX}").open(
            "w", encoding="ascii"
        ) as out:
            write_vpdq(features_of_runs(item.runs, SAMPLE_FPS), out)
    return count


def _read_vpdq(path: Path) -> ExchangedItem:
    try:
        with path.open(encoding="ascii") as source:
            features = read_vpdq(source, path.name)
    except VpdqError as error:
        raise ExchangeError(str(error)) from None
    except UnicodeDecodeError:
        raise ExchangeError(f"{path.name}: not a vPDQ text file") from None
    return ExchangedItem(
        _item_id(unquote(path.name.removesuffix(VPDQ_SUFFIX)), path.name),
        "",
        tuple(runs_of_features(features, SAMPLE_FPS)),
    )


def _item_json(item: ExchangedItem) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "label": item.label,
        "hashes": [
            {
                "pdq_hex": run.hex,
                "timestamp_seconds": run.start_seconds,
                "duration_seconds": run.seconds,
                "quality": run.quality,
            }
            for run in item.runs
        ],
    }


def _read_csv(source: TextIO, name: str) -> Iterator[ExchangedItem]:
    reader = csv.DictReader(source)
    missing = {"item_id", "pdq_hex"} - set(reader.fieldnames or ())
    if missing:
        raise ExchangeError(f"{name}: the header lacks {', '.join(sorted(missing))}")
    rows = ((reader.line_num, row) for row in reader)
    seen: set[str] = set()
    for item_id, group in groupby(rows, key=lambda numbered: numbered[1]["item_id"]):
        numbered = list(group)
        if item_id in seen:
            raise ExchangeError(
                f"{name} line {numbered[0][0]}: the rows of item {item_id!r} must be together"
            )
        seen.add(item_id)
        runs = tuple(_run(row, f"{name} line {line}") for line, row in numbered)
        yield ExchangedItem(_item_id(item_id, name), numbered[0][1].get("label") or "", runs)


def _read_jsonl(source: TextIO, name: str) -> Iterator[ExchangedItem]:
    for line, text in enumerate(source, 1):
        if not text.strip():
            continue
        where = f"{name} line {line}"
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise ExchangeError(f"{where}: not JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("hashes"), list):
            raise ExchangeError(f"{where}: expected an object with item_id and hashes")
        runs = tuple(_run(entry, where) for entry in record["hashes"])
        yield ExchangedItem(
            _item_id(str(record.get("item_id") or ""), where), str(record.get("label", "")), runs
        )


def _item_id(item_id: str, where: str) -> str:
    if not item_id:
        raise ExchangeError(f"{where}: item_id is empty")
    return item_id


def _run(entry: Any, where: str) -> HashRun:
    if not isinstance(entry, dict):
        raise ExchangeError(f"{where}: a hash must be an object")
    try:
        pdq = parse_pdq_hex(str(entry.get("pdq_hex", "")), "pdq_hex")
    except InvalidArgument as error:
        raise ExchangeError(f"{where}: {error.message}") from None
    try:
        start = float(entry.get("timestamp_seconds") or 0.0)
        duration = float(entry.get("duration_seconds") or 1.0)
        quality = int(entry.get("quality") or 100)
    except (TypeError, ValueError):
        raise ExchangeError(
            f"{where}: timestamp_seconds, duration_seconds and quality must be numbers"
        ) from None
    return HashRun(pdq, start, start + duration, quality)
