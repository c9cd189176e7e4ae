"""The parsers that read what callers send survive anything: the termmatch normaliser,
the decision rules parser, the similarity exchange-file readers and the media probe.
Each runs briefly here (hypothesis); `bench/fuzz/targets.py` runs them for hours. An
input that once crashed one stays as an explicit example of its test."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from modmesh.termmatch.domain import Flags
from tests.fuzz.targets import (
    TARGETS,
    exchange_reader,
    media_probe,
    normaliser,
    rules_parser,
)

#: Examples per target in `make test`: seconds, not minutes (the probe runs ffprobe).
EXAMPLES = {"media_probe": 20}
BRIEF = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_target_survives_generated_input(name: str) -> None:
    target, inputs = TARGETS[name]

    @settings(
        max_examples=EXAMPLES.get(name, 100),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(inputs)
    def run(arguments: tuple[Any, ...]) -> None:
        target(*arguments)

    run()


def test_the_normaliser_keeps_spans_of_text_that_folds_to_nothing_or_more() -> None:
    for text in ["", "\u0301", "ﬁ", "ß", "İ", "f . r . e . e", "\U0001f600" * 3, "\x00"]:
        normaliser(text, Flags.all())
        normaliser(text, Flags())


def test_the_rules_parser_refuses_what_is_not_a_rule_set() -> None:
    for text in ["", "- 1", "rules: 7", "rules: [{}]", "{rules: [{id: x, when: 5}]}", "&a [*a]"]:
        rules_parser(text)


def test_an_exchange_file_that_is_not_utf8_is_refused_as_an_exchange_error() -> None:
    exchange_reader(b"item_id,label,pdq_hex\n\xff\xfe", ".csv")
    exchange_reader(b'{"item_id": "\xff"}', ".jsonl")


def test_the_probe_refuses_bytes_that_are_not_media() -> None:
    for content in [b"", b"RIFF", b"hello", b"\x00" * 64]:
        media_probe(content)
