"""Negative banks: known-good content is never flagged. A negative bank's match withholds
the matches of positive banks on the same query frames, and the answer says why; frames
it does not cover still match. Each bank keeps its own thresholds. Over both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from modmesh.contracts.evidence import TimeRange
from modmesh.similarity.audio import fingerprint
from modmesh.similarity.banks import BankIndexes
from modmesh.similarity.domain import Bank, Source, StoredItem
from modmesh.similarity.hashing import HashRun
from tests.similarity.test_banks import RNG, nudged, open_engine, runs

SCAMS = Bank("scams", max_distance=31, min_match_percent=50.0)
KNOWN_GOOD = Bank("known-good", max_distance=31, min_match_percent=50.0, negative=True)


def shifted(known: tuple[HashRun, ...], seconds: float) -> list[HashRun]:
    return [
        HashRun(run.pdq, run.start_seconds + seconds, run.end_seconds + seconds, 90)
        for run in known
    ]


@pytest.fixture
def indexes(database_url: str, tmp_path: Path) -> BankIndexes:
    indexes = open_engine(database_url, tmp_path / "index")
    indexes.create_bank(SCAMS, actor="admin-1")
    indexes.create_bank(KNOWN_GOOD, actor="admin-1")
    return indexes


def test_a_copy_of_known_good_content_is_withheld_and_the_answer_says_why(
    indexes: BankIndexes,
) -> None:
    stock = runs(4)
    # The same footage landed in a positive bank too (e.g. a stock intro in a scam).
    indexes.add_item(StoredItem("scams", "scam-intro", "a scam", stock), actor="admin-1")
    indexes.add_item(StoredItem("known-good", "stock", "stock intro", stock), actor="admin-1")

    found = indexes.search([nudged(r, 10) for r in stock], banks=[], k=10)

    assert found.matches == (), "neither the positive nor the negative match is reported"
    [withheld] = found.suppressed
    assert (withheld.match.item_id, withheld.match.bank) == ("scam-intro", "scams")
    assert (withheld.known_good.item_id, withheld.known_good.bank) == ("stock", "known-good")
    assert withheld.reason == (
        "withheld: the query frames it matched at 0-4 s are known-good, matching item "
        f"'stock' of negative bank 'known-good' (distance {withheld.known_good.distance}); "
        "its other frames do not reach the threshold of bank 'scams'"
    )
    assert "known-good=" in found.index_snapshot, "the answer names the negative bank it used"


def test_frames_a_negative_bank_does_not_cover_still_match(indexes: BankIndexes) -> None:
    intro, scam = runs(4), runs(4)
    # A known scam that opens with a known-good intro; the upload is the same video.
    indexes.add_item(StoredItem("scams", "scam", "", intro + scam), actor="admin-1")
    indexes.add_item(StoredItem("known-good", "intro", "", intro), actor="admin-1")

    found = indexes.search([*intro, *shifted(scam, 4.0)], banks=[], k=10)

    [match] = found.matches
    assert match.item_id == "scam"
    assert match.query_ranges == (TimeRange(4.0, 8.0),), "only the frames not known-good"
    assert match.query_match_percent == 50.0
    assert found.suppressed == ()


def test_negative_banks_apply_to_a_search_of_named_banks(indexes: BankIndexes) -> None:
    stock = runs(3)
    indexes.add_item(StoredItem("scams", "scam", "", stock), actor="admin-1")
    indexes.add_item(StoredItem("known-good", "stock", "", stock), actor="admin-1")

    found = indexes.search(list(stock), banks=["scams"], k=10)

    assert found.matches == ()
    assert [s.known_good.item_id for s in found.suppressed] == ["stock"]


def test_a_negative_bank_withholds_only_within_its_own_distance(
    database_url: str, tmp_path: Path
) -> None:
    indexes = open_engine(database_url, tmp_path / "index")
    indexes.create_bank(SCAMS, actor="admin-1")
    strict = Bank("exact-good", max_distance=4, min_match_percent=50.0, negative=True)
    indexes.create_bank(strict, actor="admin-1")
    stock = runs(3)
    indexes.add_item(StoredItem("scams", "scam", "", stock), actor="admin-1")
    indexes.add_item(StoredItem("exact-good", "stock", "", stock), actor="admin-1")

    near = indexes.search([nudged(r, 20) for r in stock], banks=[], k=10)
    exact = indexes.search(list(stock), banks=[], k=10)

    assert [m.item_id for m in near.matches] == ["scam"], "20 bits is past the negative's 4"
    assert exact.matches == ()
    assert [s.known_good.bank for s in exact.suppressed] == ["exact-good"]


def test_known_good_audio_withholds_a_positive_audio_match(indexes: BankIndexes) -> None:
    tune = fingerprint(np.sin(np.cumsum(RNG.uniform(0.05, 0.4, 16_000 * 3))).astype(np.float32))
    indexes.add_item(StoredItem("scams", "jingle", "", (), audio=tune), actor="admin-1")
    indexes.add_item(StoredItem("known-good", "licensed", "", (), audio=tune), actor="admin-1")

    found = indexes.search_audio(tune, banks=[], k=10)

    assert found.matches == ()
    [withheld] = found.suppressed
    assert (withheld.match.item_id, withheld.known_good.item_id) == ("jingle", "licensed")
    assert withheld.reason.startswith("withheld: the query audio it matched at 0-")


def test_a_match_shows_where_its_item_came_from(indexes: BankIndexes) -> None:
    known = runs(2)
    fetched = datetime(2026, 12, 7, 19, 30, tzinfo=UTC)
    source = Source("fb_threatexchange", "partners-pg", "pdq-1234", fetched)
    indexes.add_item(StoredItem("scams", "shared", "", known, source=source), actor="admin-1")

    [match] = indexes.search(list(known), banks=[], k=10).matches

    assert match.source == source
