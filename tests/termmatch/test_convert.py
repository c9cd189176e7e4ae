"""Lists on the wire: a list too large for one reply is refused with a pointer to the
export, not cut off by the transport."""

from datetime import UTC, datetime

import pytest

from modmesh.contracts.evidence import Severity
from modmesh.runtime.errors import ResourceExhausted
from modmesh.termmatch.convert import readable_list_to_pb
from modmesh.termmatch.domain import ListSettings, Term, TermList

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def a_list(terms: int) -> TermList:
    words = tuple(Term(f"t{i}", f"word {i}", Severity.LOW, "spam") for i in range(terms))
    return TermList("big", 3, ListSettings("Big"), words, NOW, NOW)


def test_a_list_that_fits_in_a_reply_comes_whole() -> None:
    assert len(readable_list_to_pb(a_list(100)).terms) == 100


def test_a_list_over_the_reply_size_is_refused_naming_the_export() -> None:
    with pytest.raises(ResourceExhausted) as refused:
        readable_list_to_pb(a_list(100), limit=1000)
    assert "list 'big' version 3 has 100 terms" in refused.value.message
    assert "modmesh lists export big" in refused.value.message
