"""Fuzz targets: the parsers that read what callers send, each with the only ways it may
fail. A target takes one generated input and raises AssertionError (or anything
unexpected) on a crash; the refusals it is allowed to make are caught inside it.

The tests in this package run each target briefly under hypothesis; `bench/fuzz/targets.py`
runs them for as long as it is told. Inputs that once crashed a target are kept as
explicit examples beside its test (see test_targets.py).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from modmesh.decision.policy.document import load_document, parse_rule_set
from modmesh.runtime import media
from modmesh.runtime.errors import InvalidArgument
from modmesh.similarity.exchange import ExchangeError, read_items
from modmesh.termmatch.domain import Flags
from modmesh.termmatch.normalize import Normalizer

# -- the termmatch normaliser ------------------------------------------------------------


def normaliser(text: str, flags: Flags) -> None:
    """Any text normalises; every view character maps back inside the original, in order."""
    normalized = Normalizer(flags).normalize(text)
    view = normalized.text
    assert len(normalized.starts) == len(normalized.ends) == len(view)
    previous = 0
    for start, end in zip(normalized.starts.tolist(), normalized.ends.tolist(), strict=True):
        # The spaces framing the view (and separators) come from no character: empty spans.
        assert 0 <= start <= end <= len(text), (start, end, len(text))
        assert start >= previous
        previous = start
    Normalizer(flags).key(text)


flags = st.builds(Flags, *(st.booleans() for _ in range(7)))
normaliser_inputs = st.tuples(st.text(max_size=200), flags)

# -- the decision rules parser -----------------------------------------------------------


def rules_parser(text: str) -> None:
    """Any document parses to a rule set or is refused as INVALID_ARGUMENT, never worse."""
    with contextlib.suppress(InvalidArgument):
        parse_rule_set(load_document(text), version=1)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
_words = st.sampled_from(
    ["rules", "id", "when", "then", "all", "any", "not", "terms", "similarity", "banks",
     "lists", "severity", "min_severity", "categories", "queue", "priority", "auto_action",
     "action", "policy", "ignore", "sla_hours", "min_match_percent", "language", "account"]
)  # fmt: skip
_rule_like = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 200) | st.text(max_size=10) | _words,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_words, inner, max_size=4),
    max_leaves=25,
)
rules_inputs = st.one_of(
    st.text(max_size=400),
    _json.map(json.dumps),
    st.dictionaries(st.just("rules"), st.lists(_rule_like, max_size=3)).map(json.dumps),
)

# -- the similarity exchange-file readers ------------------------------------------------


def exchange_reader(content: bytes, suffix: str) -> None:
    """Any file reads as items or is refused with an ExchangeError naming its line."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / f"bank{suffix}"
        path.write_bytes(content)
        with contextlib.suppress(ExchangeError):
            for _ in read_items(path):
                pass


_hex = st.text("0123456789abcdef", min_size=0, max_size=66)
_cell = st.one_of(st.text(max_size=8), _hex, st.floats().map(str), st.integers().map(str))
_csv = st.lists(st.lists(_cell, min_size=0, max_size=7), max_size=5).map(
    lambda rows: (
        "item_id,label,pdq_hex,timestamp_seconds,duration_seconds,quality\n"
        + "\n".join(",".join(row) for row in rows)
    )
)
_jsonl = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "item_id": _json,
            "label": _json,
            "hashes": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "pdq_hex": _hex | _json,
                        "timestamp_seconds": _json,
                        "duration_seconds": _json,
                        "quality": _json,
                    },
                ),
                max_size=3,
            )
            | _json,
        },
    )
    | _json,
    max_size=4,
).map(lambda lines: "\n".join(json.dumps(line) for line in lines))
exchange_inputs = st.one_of(
    st.tuples(st.binary(max_size=300), st.sampled_from([".csv", ".jsonl", ".txt"])),
    st.tuples(_csv.map(str.encode), st.just(".csv")),
    st.tuples(_jsonl.map(str.encode), st.just(".jsonl")),
)

# -- the media probe ---------------------------------------------------------------------

_WAV_HEADER = (
    b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00"
    b"\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x08\x00\x00"
)


def media_probe(content: bytes) -> None:
    """Any file is described or refused as INVALID_ARGUMENT (not media), never worse."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "upload"
        path.write_bytes(content)
        try:
            info = media.probe(path)
        except InvalidArgument as refusal:
            message = refusal.message
        else:
            assert info.has_audio or info.has_video
            return
    assert scratch not in message, "the refusal names a server path"


media_inputs = st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=2048).map(lambda tail: _WAV_HEADER + tail),
    st.sampled_from(
        [b"ID3", b"\x1aE\xdf\xa3", b"\x00\x00\x00\x18ftypmp42", b"OggS", b"fLaC"]
    ).flatmap(lambda magic: st.binary(max_size=1024).map(lambda tail: magic + tail)),
)

#: name → (target, strategy of its argument tuple)
TARGETS: dict[str, tuple[Callable[..., None], st.SearchStrategy[Any]]] = {
    "termmatch_normaliser": (normaliser, normaliser_inputs),
    "decision_rules_parser": (rules_parser, rules_inputs.map(lambda text: (text,))),
    "similarity_exchange_readers": (exchange_reader, exchange_inputs),
    "media_probe": (media_probe, media_inputs.map(lambda content: (content,))),
}
