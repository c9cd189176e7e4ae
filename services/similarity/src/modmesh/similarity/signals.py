"""Signal exchange interop with Meta's hasher-matcher-actioner (HMA) and ThreatExchange,
through their own library, python-threatexchange (pytx).

Three file formats, read and written for PDQ signals (other signal types are counted and
skipped: modmesh matches PDQ and its own audio fingerprints):

- ``file``: pytx's local file exchange (`LocalFileSignalExchangeAPI`), one
  ``signal_type signal_value`` line per signal, e.g. ``pdq f8f8…``; read with pytx's
  own reader. `threatexchange dataset -P --print-signals-only` prints the same lines.
- ``dataset``: the CSV of `threatexchange dataset -P --csv`: a header
  ``signal_type,signal_str,collab,category,tags`` and a row per signal and collaboration.
- ``match``: the hash list `threatexchange match photo --hashes` reads, one PDQ hash a line.

Each signal is one known item whose id is ``pdq-<hash>`` and whose `Source` names the
exchange, the collaboration (or file) and when it was read. In a `dataset`, the category
is pytx's opinion: rows of NEGATIVE_CLASS (known false positives) go only to negative
banks, the others only to positive banks. Exported, a bank's items give a signal per
distinct frame hash (these formats have no items or times: JSON Lines keeps them).

The API exchanges (ThreatExchange, NCMEC, StopNCII) are fetched with pytx's clients
(`fetch`), with credentials from MODMESH_* variables or pytx's own (see CREDENTIALS).
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from threatexchange.exchanges.auth import (
    SignalExchangeAPIInvalidAuthException,
    SignalExchangeAPIMissingAuthException,
)
from threatexchange.exchanges.collab_config import CollaborationConfigWithDefaults
from threatexchange.exchanges.fetch_state import SignalOpinionCategory
from threatexchange.exchanges.impl.file_api import (
    FileCollaborationConfig,
    LocalFileSignalExchangeAPI,
)

from modmesh.runtime.errors import InvalidArgument
from modmesh.similarity.domain import Source
from modmesh.similarity.exchange import ExchangedItem, ExchangeError
from modmesh.similarity.hashing import HashRun, parse_pdq_hex

FORMATS = ("file", "dataset", "match")
#: The columns `threatexchange dataset -P --csv` writes (pytx's DatasetCommand).
DATASET_FIELDS = ("signal_type", "signal_str", "collab", "category", "tags")
#: pytx's name of PDQ signals (PdqSignal.get_name(); pytx's PDQ module loads its faiss
#: index, half a second that every `modmesh` command and the service would pay).
PDQ = "pdq"

#: Per API exchange (pytx's name of it): modmesh's variable and its form. pytx's
#: credential classes then look in their own variable and file: TX_ACCESS_TOKEN or
#: ~/.txtoken, TX_NCMEC_CREDENTIALS or ~/.tx_ncmec_credentials, TX_STOPNCII_KEYS or
#: ~/.tx_stopncii_keys.
CREDENTIALS: Mapping[str, tuple[str, str]] = {
    "fb_threatexchange": ("MODMESH_THREATEXCHANGE_TOKEN", "APP_ID|APP_SECRET"),
    "ncmec": ("MODMESH_NCMEC_CREDENTIALS", "USER:PASSWORD"),
    "stop_ncii": ("MODMESH_STOPNCII_KEYS", "FETCH_FUNCTION_KEY,SUBSCRIPTION_KEY"),
}
EXCHANGES = tuple(CREDENTIALS)


@dataclass
class Signals:
    """What a file or a fetch held: PDQ signals as items, and the rest counted."""

    items: list[ExchangedItem] = field(default_factory=list)
    #: Signals not imported, by why ("md5 signals", "NEGATIVE_CLASS rows", …).
    skipped: Counter[str] = field(default_factory=Counter)
    _seen: set[str] = field(default_factory=set)

    def add(self, signal_type: str, signal: str, source: Source, label: str = "") -> None:
        if signal_type != PDQ:
            self.skipped[f"{signal_type or 'untyped'} signals"] += 1
            return
        try:
            pdq = parse_pdq_hex(signal, "pdq")
        except InvalidArgument as error:
            raise ExchangeError(f"{source.collaboration}: {error.message}") from None
        item_id = f"{PDQ}-{pdq.hex()}"
        if item_id in self._seen:  # the same signal from another collaboration
            return
        self._seen.add(item_id)
        run = HashRun(pdq, 0.0, 1.0, 100)
        self.items.append(ExchangedItem(item_id, label, (run,), source))


def read_signals(path: Path, form: str, *, negative: bool = False) -> Signals:
    """The PDQ signals of a file in one of FORMATS; `negative`: for a negative bank."""
    now = datetime.now(UTC)
    signals = Signals()
    try:
        if form == "file":
            if not path.is_file():  # pytx asserts it, which would end in a traceback
                raise ExchangeError(f"{path}: no such file")
            collab = FileCollaborationConfig(name=path.name, filename=str(path))
            api = LocalFileSignalExchangeAPI.for_collab(collab)
            for delta in api.fetch_iter((), None):  # the file API reads every type
                for signal_type, signal in delta.updates:
                    signals.add(signal_type, signal, Source("file", path.name, signal, now))
        elif form == "match":
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    if line.strip():
                        source = Source("file", path.name, line.strip(), now)
                        signals.add(PDQ, line.strip(), source)
        elif form == "dataset":
            _read_dataset(path, signals, now, negative)
        else:
            raise ExchangeError(f"unknown signal format {form!r}: use one of {FORMATS}")
    except UnicodeDecodeError as error:
        raise ExchangeError(f"{path.name}: not UTF-8 text (byte {error.start})") from None
    return signals


def _read_dataset(path: Path, signals: Signals, now: datetime, negative: bool) -> None:
    with path.open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        missing = set(DATASET_FIELDS) - set(reader.fieldnames or ())
        if missing:
            raise ExchangeError(f"{path.name}: the header lacks {', '.join(sorted(missing))}")
        for row in reader:
            try:
                category = SignalOpinionCategory[row["category"]]
            except KeyError:
                raise ExchangeError(
                    f"{path.name} line {reader.line_num}: unknown category {row['category']!r}"
                ) from None
            if (category == SignalOpinionCategory.NEGATIVE_CLASS) != negative:
                signals.skipped[f"{category.name} rows"] += 1
                continue
            where = Source("dataset", row["collab"], row["signal_str"], now)
            signals.add(row["signal_type"], row["signal_str"], where, row["tags"])


def write_signals(
    items: Iterable[ExchangedItem], path: Path, form: str, *, bank: str, negative: bool = False
) -> int:
    """Writes the items' distinct PDQ hashes in one of FORMATS; returns how many."""
    hashes = dict.fromkeys(run.hex for item in items for run in item.runs)
    with path.open("w", newline="", encoding="utf-8") as out:
        if form == "file":
            out.writelines(f"{PDQ} {pdq}\n" for pdq in hashes)
        elif form == "match":
            out.writelines(f"{pdq}\n" for pdq in hashes)
        elif form == "dataset":
            writer = csv.DictWriter(out, DATASET_FIELDS)
            writer.writeheader()
            category = (
                SignalOpinionCategory.NEGATIVE_CLASS
                if negative
                else SignalOpinionCategory.POSITIVE_CLASS
            )
            for pdq in hashes:
                writer.writerow(
                    {
                        "signal_type": PDQ,
                        "signal_str": pdq,
                        "collab": bank,
                        "category": category.name,
                        "tags": "",
                    }
                )
        else:
            raise ExchangeError(f"unknown signal format {form!r}: use one of {FORMATS}")
    return len(hashes)


def fetch(
    exchange: str,
    collaboration: str,
    *,
    negative: bool = False,
    privacy_group: int | None = None,
    environment: str = "Industry",
) -> Signals:
    """The PDQ signals of one collaboration of an API exchange, fetched now."""
    from threatexchange.signal_type.pdq.signal import PdqSignal  # here: see PDQ

    api = _connect(exchange, collaboration, privacy_group, environment)
    now = datetime.now(UTC)
    signals = Signals()
    for delta in api.fetch_iter([PdqSignal], None):
        by_type = api.naive_convert_to_signal_type([PdqSignal], api.collab, delta.updates)
        for signal, metadata in by_type.get(PdqSignal, {}).items():
            opinion = metadata.get_as_aggregate_opinion()
            if (opinion.category == SignalOpinionCategory.NEGATIVE_CLASS) != negative:
                signals.skipped[f"{opinion.category.name} signals"] += 1
                continue
            source = Source(exchange, collaboration, signal, now)
            signals.add(PDQ, signal, source, " ".join(sorted(opinion.tags)))
    return signals


def _connect(exchange: str, collaboration: str, privacy_group: int | None, environment: str) -> Any:
    """pytx's client of the exchange, with its credentials; ExchangeError saying what to
    set when they are missing or malformed."""
    # Imported here: each pulls in pytx's PDQ module (see PDQ).
    from threatexchange.exchanges.clients.ncmec.hash_api import (
        NCMECEnvironment,
    )
    from threatexchange.exchanges.impl import (
        fb_threatexchange_api,
        ncmec_api,
        stop_ncii_api,
    )

    if exchange not in CREDENTIALS:
        raise ExchangeError(f"unknown exchange {exchange!r}: use one of {EXCHANGES}")
    variable, form = CREDENTIALS[exchange]
    collab: CollaborationConfigWithDefaults
    if exchange == "fb_threatexchange":
        if privacy_group is None:
            raise ExchangeError("fetching from ThreatExchange needs --privacy-group ID")
        collab = fb_threatexchange_api.FBThreatExchangeCollabConfig(
            name=collaboration, privacy_group=privacy_group
        )
        api_class: Any = fb_threatexchange_api.FBThreatExchangeSignalExchangeAPI
    elif exchange == "ncmec":
        if environment not in NCMECEnvironment.__members__:
            names = ", ".join(NCMECEnvironment.__members__)
            raise ExchangeError(f"unknown NCMEC environment {environment!r}: use one of {names}")
        env = NCMECEnvironment[environment]
        collab = ncmec_api.NCMECCollabConfig(name=collaboration, environment=env)
        api_class = ncmec_api.NCMECSignalExchangeAPI
    else:
        collab = CollaborationConfigWithDefaults(name=collaboration, api=exchange)
        api_class = stop_ncii_api.StopNCIISignalExchangeAPI
    credential_class = api_class.get_credential_cls()
    value = os.environ.get(variable, "").strip()
    try:
        # pytx's helper parses and checks them: ours first, then pytx's own sources.
        default = credential_class._from_str(value) if value else None
        with credential_class.set_default(default, f"setting {variable} to {form}"):
            return api_class.for_collab(collab)
    except SignalExchangeAPIMissingAuthException as error:
        hints = "; or ".join(error.hints)
        raise ExchangeError(f"{exchange}: no credentials; fix this by {hints}") from None
    except SignalExchangeAPIInvalidAuthException as error:
        raise ExchangeError(
            f"{exchange}: the credentials are not valid ({error.message}): {variable} must be "
            f"{form}"
        ) from None
    except ValueError as error:  # a value pytx cannot even split into its parts
        raise ExchangeError(f"{exchange}: {variable} must be {form}: {error}") from None
