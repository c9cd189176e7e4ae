from __future__ import annotations

import threading
from collections.abc import Collection
from pathlib import Path

import pytest

from modmesh.common.evidence import TimeRange
from modmesh.runtime.errors import AlreadyExists
from modmesh.similarity.hashing import FrameHash, hash_frames
from modmesh.similarity.index import SearchResult, SimilarityIndex, merge_ranges
from modmesh.similarity.store import SqlItemStore, StoredItem


@pytest.fixture(scope="module")
def original(gift_card_clip: Path) -> list[FrameHash]:
    return hash_frames(gift_card_clip, fps=1.0)


@pytest.fixture(scope="module")
def reencoded(reencoded_clip: Path) -> list[FrameHash]:
    return hash_frames(reencoded_clip, fps=1.0)


@pytest.fixture(scope="module")
def unrelated(unrelated_clip: Path) -> list[FrameHash]:
    return hash_frames(unrelated_clip, fps=1.0)


def open_index(directory: Path) -> SimilarityIndex:
    return SimilarityIndex(directory, SqlItemStore(f"sqlite:///{directory / 'items.db'}"))


def item(frames: list[FrameHash], item_id: str = "gift-card", bank: str = "scams") -> StoredItem:
    return StoredItem(bank, item_id, f"label of {item_id}", 1.0, tuple(frames))


def search(
    index: SimilarityIndex, query: list[FrameHash], *, k: int = 10, banks: Collection[str] = ()
) -> SearchResult:
    return index.search(query, k=k, max_distance=31, banks=banks, query_frame_seconds=1.0)


def test_a_reencoded_copy_matches_the_known_item_over_its_whole_length(
    tmp_path: Path, original: list[FrameHash], reencoded: list[FrameHash]
) -> None:
    index = open_index(tmp_path)
    snapshot = index.add(item(original))

    result = search(index, reencoded)

    assert result.index_snapshot == snapshot
    assert result.query_hash_count == len(reencoded)
    [match] = result.matches
    assert (match.bank, match.item_id, match.label) == ("scams", "gift-card", "label of gift-card")
    assert match.distance <= 31
    assert match.query_match_percent >= 80
    assert match.item_match_percent >= 80
    assert match.query_ranges[0].start_seconds == 0.0
    assert match.item_ranges[0].end_seconds >= len(original) - 1
    assert match.index_snapshot == snapshot


def test_different_footage_does_not_match(
    tmp_path: Path, original: list[FrameHash], unrelated: list[FrameHash]
) -> None:
    index = open_index(tmp_path)
    index.add(item(original))

    assert search(index, unrelated).matches == ()


def test_matches_come_closest_first_and_only_from_the_banks_asked(
    tmp_path: Path, original: list[FrameHash], reencoded: list[FrameHash]
) -> None:
    index = open_index(tmp_path)
    index.add(item(reencoded, "copy", bank="scams"))
    index.add(item(original, "original", bank="other"))

    everywhere = search(index, original).matches
    assert [m.item_id for m in everywhere] == ["original", "copy"]
    assert everywhere[0].distance == 0
    assert [m.item_id for m in search(index, original, banks={"scams"}).matches] == ["copy"]
    assert [m.item_id for m in search(index, original, k=1).matches] == ["original"]


def test_an_item_id_is_stored_once_per_bank(tmp_path: Path, original: list[FrameHash]) -> None:
    index = open_index(tmp_path)
    index.add(item(original))
    index.add(item(original, bank="another-bank"))

    with pytest.raises(AlreadyExists, match="'gift-card' already exists in bank 'scams'"):
        index.add(item(original))


def test_the_index_persists_and_a_new_process_reloads_it(
    tmp_path: Path, original: list[FrameHash], reencoded: list[FrameHash]
) -> None:
    snapshot = open_index(tmp_path).add(item(original))
    [index_file] = tmp_path.glob("index-*.ann")
    assert snapshot in index_file.name

    reopened = open_index(tmp_path)

    assert reopened.snapshot_id == snapshot
    assert [m.item_id for m in search(reopened, reencoded).matches] == ["gift-card"]


def test_a_missing_index_file_is_rebuilt_from_the_store(
    tmp_path: Path, original: list[FrameHash], reencoded: list[FrameHash]
) -> None:
    snapshot = open_index(tmp_path).add(item(original))
    for index_file in tmp_path.glob("index-*.ann"):
        index_file.write_bytes(b"truncated")

    reopened = open_index(tmp_path)

    assert reopened.snapshot_id == snapshot
    assert [m.item_id for m in search(reopened, reencoded).matches] == ["gift-card"]


def test_an_empty_index_finds_nothing(tmp_path: Path, original: list[FrameHash]) -> None:
    result = search(open_index(tmp_path), original)
    assert result.matches == ()
    assert result.index_snapshot.startswith("0-")


def test_adding_while_searching_never_errors(
    tmp_path: Path, original: list[FrameHash], reencoded: list[FrameHash]
) -> None:
    index = open_index(tmp_path)
    index.add(item(original, "first"))
    errors: list[BaseException] = []
    seen: set[int] = set()
    done = threading.Event()

    def keep_searching() -> None:
        while not done.is_set():
            try:
                seen.add(len(search(index, reencoded).matches))
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        for number in range(5):
            index.add(item(original, f"copy-{number}"))
    finally:
        done.set()
        searcher.join()

    assert errors == []
    assert seen and min(seen) >= 1
    assert len(search(index, reencoded).matches) == 6
    assert len(list(tmp_path.glob("index-*.ann"))) == 1, "older snapshots are removed"


def test_neighbouring_frames_merge_into_one_time_range() -> None:
    assert merge_ranges([3.0, 0.0, 1.0, 5.0], 1.0) == (
        TimeRange(0.0, 2.0),
        TimeRange(3.0, 4.0),
        TimeRange(5.0, 6.0),
    )
