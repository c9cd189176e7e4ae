"""Banks over the durable store (SQLite and PostgreSQL) and their indexes: what survives
a restart, what another replica sees, and how thresholds decide a match."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modmesh.runtime.errors import AlreadyExists, NotFound
from modmesh.similarity.audio import fingerprint
from modmesh.similarity.banks import BankIndexes
from modmesh.similarity.domain import Bank, StoredItem
from modmesh.similarity.hashing import HASH_BYTES, HashRun
from modmesh.similarity.index import IndexParams
from modmesh.similarity.store import Mark, SqlSimilarityStore
from tests.support import AUDIT_KEY

RNG = np.random.default_rng(11)
PARAMS = IndexParams(trees=8, search_k=2_000)
BANK = Bank("scams", max_distance=31, min_match_percent=50.0)


def runs(count: int, seconds: float = 1.0) -> tuple[HashRun, ...]:
    hashes = RNG.integers(0, 256, (count, HASH_BYTES), dtype=np.uint8)
    return tuple(
        HashRun(row.tobytes(), i * seconds, (i + 1) * seconds, 90) for i, row in enumerate(hashes)
    )


def nudged(run: HashRun, bits: int) -> HashRun:
    unpacked = np.unpackbits(np.frombuffer(run.pdq, np.uint8))
    unpacked[RNG.choice(256, bits, replace=False)] ^= 1
    return HashRun(np.packbits(unpacked).tobytes(), run.start_seconds, run.end_seconds, 90)


def open_engine(database_url: str, directory: Path, **options: int) -> BankIndexes:
    indexes = BankIndexes(
        SqlSimilarityStore(database_url, audit_key=AUDIT_KEY), directory, PARAMS, **options
    )
    indexes.open()
    return indexes


@pytest.fixture
def indexes(database_url: str, tmp_path: Path) -> BankIndexes:
    indexes = open_engine(database_url, tmp_path / "index")
    indexes.create_bank(BANK, actor="admin-1")
    return indexes


def test_a_known_item_is_found_by_a_slightly_changed_copy(indexes: BankIndexes) -> None:
    known = runs(6)
    snapshot = indexes.add_item(StoredItem("scams", "clip", "a known scam", known), actor="admin-1")

    found = indexes.search([nudged(r, 20) for r in known], banks=[], k=10)

    [match] = found.matches
    assert (match.item_id, match.bank, match.label) == ("clip", "scams", "a known scam")
    assert match.distance <= 20
    assert (match.query_match_percent, match.item_match_percent) == (100.0, 100.0)
    assert match.index_snapshot == snapshot == found.index_snapshot
    assert snapshot.startswith("scams=")


def test_an_excerpt_matches_by_its_own_share_and_reports_where(indexes: BankIndexes) -> None:
    known = runs(9)
    indexes.add_item(StoredItem("scams", "clip", "", known), actor="admin-1")

    [match] = indexes.search(known[3:6], banks=["scams"], k=10).matches

    assert match.query_match_percent == 100.0
    assert match.item_match_percent == pytest.approx(100 / 3)
    assert [(r.start_seconds, r.end_seconds) for r in match.item_ranges] == [(3.0, 6.0)]
    assert [(r.start_seconds, r.end_seconds) for r in match.query_ranges] == [(3.0, 6.0)]


def test_one_coincident_frame_in_a_long_video_is_not_a_match(indexes: BankIndexes) -> None:
    known = runs(10)
    indexes.add_item(StoredItem("scams", "clip", "", known), actor="admin-1")
    query = (*runs(9), known[0])

    assert indexes.search(query, banks=[], k=10).matches == ()


def test_each_bank_matches_with_its_own_distance(indexes: BankIndexes) -> None:
    indexes.create_bank(Bank("strict", max_distance=8, min_match_percent=50.0), actor="admin-1")
    known = runs(4)
    indexes.add_item(StoredItem("scams", "a", "", known), actor="admin-1")
    indexes.add_item(StoredItem("strict", "b", "", known), actor="admin-1")

    found = indexes.search([nudged(r, 16) for r in known], banks=[], k=10)

    assert [m.bank for m in found.matches] == ["scams"]
    assert found.index_snapshot.split() == [
        indexes.banks()[0].index_snapshot,
        indexes.banks()[1].index_snapshot,
    ]


def test_a_removed_item_is_no_longer_found(indexes: BankIndexes) -> None:
    known = runs(3)
    indexes.add_item(StoredItem("scams", "clip", "", known), actor="admin-1")
    indexes.rebuild("scams")
    indexes.add_item(StoredItem("scams", "fresh", "", runs(3)), actor="admin-1")

    indexes.remove_item("scams", "clip", actor="admin-1")

    assert indexes.search(known, banks=[], k=10).matches == ()
    with pytest.raises(NotFound, match="'clip' is not in bank 'scams'"):
        indexes.remove_item("scams", "clip", actor="admin-1")
    indexes.add_item(
        StoredItem("scams", "clip", "", known), actor="admin-1"
    )  # the id can be used again
    assert [m.item_id for m in indexes.search(known, banks=[], k=10).matches] == ["clip"]


def test_banks_are_named_once_and_items_once_per_bank(indexes: BankIndexes) -> None:
    indexes.add_item(StoredItem("scams", "clip", "", runs(2)), actor="admin-1")

    with pytest.raises(AlreadyExists, match="bank 'scams' already exists"):
        indexes.create_bank(BANK, actor="admin-1")
    with pytest.raises(AlreadyExists, match="'clip' already exists in bank 'scams'"):
        indexes.add_item(StoredItem("scams", "clip", "", runs(2)), actor="admin-1")
    with pytest.raises(NotFound, match="bank 'nope' does not exist"):
        indexes.add_item(StoredItem("nope", "clip", "", runs(2)), actor="admin-1")
    [status] = indexes.banks()
    assert (status.bank, status.item_count, status.delta_size) == (BANK, 1, 2)


def test_everything_acknowledged_survives_a_restart(database_url: str, tmp_path: Path) -> None:
    first = open_engine(database_url, tmp_path / "index")
    first.create_bank(BANK, actor="admin-1")
    in_base, in_delta, removed = runs(3), runs(3), runs(3)
    first.add_item(StoredItem("scams", "in-base", "", in_base), actor="admin-1")
    first.add_item(StoredItem("scams", "removed", "", removed), actor="admin-1")
    first.rebuild("scams")
    first.add_item(StoredItem("scams", "in-delta", "", in_delta), actor="admin-1")
    first.remove_item("scams", "removed", actor="admin-1")
    snapshot = first.banks()[0].index_snapshot
    first.close()  # as if the process died: the delta lived only in memory and the store

    second = open_engine(database_url, tmp_path / "index")

    [status] = second.banks()
    assert status.index_snapshot == snapshot
    assert (status.base_size, status.delta_size) == (6, 3)
    assert [m.item_id for m in second.search(in_base, banks=[], k=10).matches] == ["in-base"]
    assert [m.item_id for m in second.search(in_delta, banks=[], k=10).matches] == ["in-delta"]
    assert second.search(removed, banks=[], k=10).matches == ()


def test_lost_base_files_are_rebuilt_from_the_store(database_url: str, tmp_path: Path) -> None:
    first = open_engine(database_url, tmp_path / "index")
    first.create_bank(BANK, actor="admin-1")
    known = runs(3)
    first.add_item(StoredItem("scams", "clip", "", known), actor="admin-1")
    first.rebuild("scams")
    first.close()
    for path in (tmp_path / "index" / "scams").glob("base-*"):
        path.unlink()

    second = open_engine(database_url, tmp_path / "index")

    assert [m.item_id for m in second.search(known, banks=[], k=10).matches] == ["clip"]


def test_a_replica_sees_the_other_replicas_writes_after_a_refresh(
    database_url: str, tmp_path: Path
) -> None:
    builder = open_engine(database_url, tmp_path / "index")
    builder.create_bank(BANK, actor="admin-1")
    follower = open_engine(database_url, tmp_path / "index", rebuild_after=0)
    known, later = runs(3), runs(3)
    builder.add_item(StoredItem("scams", "clip", "", known), actor="admin-1")
    builder.rebuild("scams")
    builder.add_item(StoredItem("scams", "later", "", later), actor="admin-1")

    follower.refresh()

    assert follower.banks()[0].index_snapshot == builder.banks()[0].index_snapshot
    assert [m.item_id for m in follower.search(known, banks=[], k=10).matches] == ["clip"]
    assert [m.item_id for m in follower.search(later, banks=[], k=10).matches] == ["later"]


class CountingStore(SqlSimilarityStore):
    """The real store, counting the reads of all of a bank's item numbers."""

    full_reads = 0

    def item_seqs(self, bank: str, kind: str = "pdq") -> np.ndarray:
        self.full_reads += 1
        return super().item_seqs(bank, kind)


def test_a_refresh_after_the_first_reads_only_what_changed(
    database_url: str, tmp_path: Path
) -> None:
    builder = open_engine(database_url, tmp_path / "index")
    builder.create_bank(BANK, actor="admin-1")
    items = [runs(2) for _ in range(4)]
    for number, item in enumerate(items):
        builder.add_item(StoredItem("scams", f"item-{number}", "", item), actor="admin-1")
    store = CountingStore(database_url, audit_key=AUDIT_KEY)
    follower = BankIndexes(store, tmp_path / "index", PARAMS, rebuild_after=0)
    follower.open()
    reads_at_open = store.full_reads
    later = runs(2)
    tune = fingerprint(np.sin(np.cumsum(RNG.uniform(0.05, 0.4, 16_000 * 3))).astype(np.float32))

    builder.add_item(StoredItem("scams", "later", "", later), actor="admin-1")
    builder.add_item(StoredItem("scams", "tune", "", (), audio=tune), actor="admin-1")
    builder.remove_item("scams", "item-0", actor="admin-1")
    follower.refresh()

    assert store.full_reads == reads_at_open, "no full read after the first"
    assert [m.item_id for m in follower.search(later, banks=[], k=10).matches] == ["later"]
    assert [m.item_id for m in follower.search_audio(tune, banks=[], k=10).matches] == ["tune"]
    assert follower.search(items[0], banks=[], k=10).matches == ()
    assert [m.item_id for m in follower.search(items[1], banks=[], k=10).matches] == ["item-1"]

    builder.remove_item("scams", "tune", actor="admin-1")
    follower.refresh()

    assert follower.search_audio(tune, banks=[], k=10).matches == ()
    assert follower.banks()[0].index_snapshot == builder.banks()[0].index_snapshot


def test_the_changes_after_a_mark_are_the_writes_made_after_it(database_url: str) -> None:
    store = SqlSimilarityStore(database_url, audit_key=AUDIT_KEY)
    store.create_bank(BANK, actor="admin-1")
    store.create_bank(Bank("other", 31, 50.0), actor="admin-1")
    first = store.add_item(StoredItem("scams", "first", "", runs(1)), actor="admin-1")
    store.add_item(StoredItem("scams", "removed", "", runs(1)), actor="admin-1")
    mark = store.mark("scams")

    added = store.add_item(StoredItem("scams", "added", "", runs(1)), actor="admin-1")
    store.add_item(StoredItem("other", "elsewhere", "", runs(1)), actor="admin-1")
    removed = store.remove_item("scams", "removed", actor="admin-1")
    added_and_removed = store.add_item(StoredItem("scams", "brief", "", runs(1)), actor="admin-1")
    store.remove_item("scams", "brief", actor="admin-1")
    changes = store.changes("scams", mark)

    assert changes.added == {"pdq": [added]}, "what is gone again is not added"
    assert changes.removed == [removed, added_and_removed]
    assert changes.mark == store.mark("scams")
    assert store.changes("scams", changes.mark).added == {}
    assert store.changes("scams", Mark()).added == {"pdq": [first, added]}
    store.close()


def test_a_follower_writes_nothing_to_the_shared_index_directory(
    database_url: str, tmp_path: Path
) -> None:
    # Followers mount the builder's base files read-only: a bank the builder has not
    # built yet must still be served, from the store alone.
    shared = tmp_path / "index"
    follower = open_engine(database_url, shared, rebuild_after=0)
    follower.create_bank(BANK, actor="admin-1")
    known = runs(3)
    follower.add_item(StoredItem("scams", "clip", "", known), actor="admin-1")
    follower.refresh()

    assert [m.item_id for m in follower.search(known, banks=[], k=10).matches] == ["clip"]
    assert not shared.exists()


def test_a_large_delta_is_rebuilt_in_the_background(database_url: str, tmp_path: Path) -> None:
    indexes = open_engine(database_url, tmp_path / "index", rebuild_after=10)
    indexes.create_bank(BANK, actor="admin-1")
    items = [runs(4) for _ in range(5)]
    for number, item in enumerate(items):
        indexes.add_item(StoredItem("scams", f"item-{number}", "", item), actor="admin-1")
    indexes.close()  # waits for the rebuild

    reopened = open_engine(database_url, tmp_path / "index")
    [status] = reopened.banks()
    assert status.base_size >= 12
    assert status.base_size + status.delta_size == 20
    for number, item in enumerate(items):
        assert [m.item_id for m in reopened.search(item, banks=[], k=10).matches] == [
            f"item-{number}"
        ]


def test_an_audio_item_survives_a_restart_and_can_be_removed(
    database_url: str, tmp_path: Path
) -> None:
    samples = np.sin(np.cumsum(RNG.uniform(0.05, 0.4, 16_000 * 3))).astype(np.float32)
    print_ = fingerprint(samples)
    first = open_engine(database_url, tmp_path / "index")
    first.create_bank(BANK, actor="admin-1")
    snapshot = first.add_item(StoredItem("scams", "tune", "", (), audio=print_), actor="admin-1")
    first.close()

    second = open_engine(database_url, tmp_path / "index")
    [match] = second.search_audio(print_, banks=[], k=10).matches

    assert (match.item_id, match.signal, match.index_snapshot) == ("tune", "audio", snapshot)
    assert second.items("scams") == [], "audio fingerprints are not exchanged as PDQ"
    second.remove_item("scams", "tune", actor="admin-1")
    assert second.search_audio(print_, banks=[], k=10).matches == ()
