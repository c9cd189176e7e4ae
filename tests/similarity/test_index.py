"""The Hamming index alone: base + delta + tombstones, rebuilds and their files."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from modmesh.similarity.hashing import HASH_BYTES
from modmesh.similarity.index import HashIndex, IndexParams, make_keys, owner_of

RNG = np.random.default_rng(5)
PARAMS = IndexParams(trees=8, search_k=2_000, neighbours=16)


def random_hashes(count: int) -> np.ndarray:
    return RNG.integers(0, 256, (count, HASH_BYTES), dtype=np.uint8)


def flip(hashes: np.ndarray, bits: int) -> np.ndarray:
    """Copies with `bits` distinct bits flipped in each row."""
    unpacked = np.unpackbits(hashes, axis=1)
    for row in unpacked:
        row[RNG.choice(256, bits, replace=False)] ^= 1
    return np.packbits(unpacked, axis=1)


def owners_found(index: HashIndex, query: np.ndarray, max_distance: int = 31) -> set[int]:
    [found] = index.search(query[None, :], max_distance=max_distance)
    return set(owner_of(found.keys).tolist())


def source_of(entries: dict[int, np.ndarray]) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    """A rebuild source over {owner: hashes}, as the store would give it."""

    def source() -> tuple[np.ndarray, np.ndarray]:
        if not entries:
            return np.zeros(0, np.int64), np.zeros((0, HASH_BYTES), np.uint8)
        keys = np.concatenate([make_keys(o, len(h)) for o, h in sorted(entries.items())])
        hashes = np.concatenate([h for _, h in sorted(entries.items())])
        return keys, hashes

    return source


def test_an_added_entry_is_found_at_once_with_its_exact_distance(tmp_path: Path) -> None:
    index = HashIndex(tmp_path, PARAMS)
    hashes = random_hashes(3)
    index.add(make_keys(7, 3), hashes)

    [found] = index.search(flip(hashes[1:2], 12), max_distance=31)

    assert found.keys.tolist() == [make_keys(7, 3)[1]]
    assert found.distances.tolist() == [12]
    assert (index.base_size, index.delta_size) == (0, 3)


def test_entries_beyond_the_distance_asked_are_not_returned(tmp_path: Path) -> None:
    index = HashIndex(tmp_path, PARAMS)
    hashes = random_hashes(1)
    index.add(make_keys(1, 1), hashes)

    assert owners_found(index, flip(hashes, 32)[0]) == set()
    assert owners_found(index, flip(hashes, 31)[0]) == {1}


def test_a_rebuild_moves_the_delta_into_the_memory_mapped_base(tmp_path: Path) -> None:
    index = HashIndex(tmp_path, PARAMS)
    entries = {owner: random_hashes(4) for owner in range(1, 51)}
    for owner, hashes in entries.items():
        index.add(make_keys(owner, 4), hashes)
    before = index.snapshot

    after = index.rebuild(source_of(entries))

    assert after != before
    assert (index.base_size, index.delta_size) == (200, 0)
    assert owners_found(index, flip(entries[17][2:3], 10)[0]) == {17}
    assert (tmp_path / "CURRENT").read_text().strip() == index.base_id
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["CURRENT", f"base-{index.base_id}.ann", f"base-{index.base_id}.keys.npy"]
    )


def test_the_snapshot_names_the_content(tmp_path: Path) -> None:
    first, second = HashIndex(tmp_path / "a", PARAMS), HashIndex(tmp_path / "b", PARAMS)
    hashes = random_hashes(2)
    assert first.snapshot == second.snapshot == "empty"

    first.add(make_keys(1, 2), hashes)
    second.add(make_keys(1, 2), hashes)
    assert first.snapshot == second.snapshot != "empty"

    second.add(make_keys(2, 1), random_hashes(1))
    assert first.snapshot != second.snapshot


def test_a_removed_owner_is_hidden_in_the_delta_and_in_the_base(tmp_path: Path) -> None:
    index = HashIndex(tmp_path, PARAMS)
    entries = {1: random_hashes(2), 2: random_hashes(2)}
    for owner, hashes in entries.items():
        index.add(make_keys(owner, 2), hashes)
    index.rebuild(source_of(entries))
    fresh = random_hashes(2)
    index.add(make_keys(3, 2), fresh)

    index.remove({1, 3})

    assert owners_found(index, entries[1][0]) == set()
    assert owners_found(index, fresh[0]) == set()
    assert owners_found(index, entries[2][0]) == {2}
    assert index.tombstone_count == 1, "only the base needs a tombstone"
    assert index.owners() == {2}

    del entries[1]
    index.rebuild(source_of(entries))
    assert index.tombstone_count == 0
    assert index.base_size == 2


def test_adds_and_removals_during_a_rebuild_are_kept(tmp_path: Path) -> None:
    index = HashIndex(tmp_path, PARAMS)
    entries = {1: random_hashes(2), 2: random_hashes(2)}
    for owner, hashes in entries.items():
        index.add(make_keys(owner, 2), hashes)
    late = random_hashes(2)
    source = source_of(entries)

    def source_while_others_write() -> tuple[np.ndarray, np.ndarray]:
        content = source()  # what the store held when the rebuild read it
        index.add(make_keys(3, 2), late)
        index.remove({2})
        return content

    index.rebuild(source_while_others_write)

    assert owners_found(index, late[0]) == {3}
    assert owners_found(index, entries[2][0]) == set()
    assert owners_found(index, entries[1][0]) == {1}
    assert index.owners() == {1, 3}


def test_a_failed_rebuild_leaves_the_previous_base_serving(tmp_path: Path) -> None:
    index = HashIndex(tmp_path, PARAMS)
    entries = {1: random_hashes(2)}
    index.add(make_keys(1, 2), entries[1])
    index.rebuild(source_of(entries))
    served = index.snapshot
    index.add(make_keys(2, 2), random_hashes(2))

    def crash() -> tuple[np.ndarray, np.ndarray]:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        index.rebuild(crash)

    assert index.owners() == {1, 2}
    assert index.snapshot != served
    assert index.base_id == served
    assert not list(tmp_path.glob(".building-*"))


def test_a_reopened_index_serves_the_base_that_current_names(tmp_path: Path) -> None:
    entries = {owner: random_hashes(3) for owner in range(1, 11)}
    built = HashIndex(tmp_path, PARAMS)
    built.rebuild(source_of(entries))
    (tmp_path / ".building-crashed").write_bytes(b"half an index")

    reopened = HashIndex(tmp_path, PARAMS)

    assert reopened.snapshot == built.snapshot
    assert reopened.owners() == set(entries)
    assert owners_found(reopened, entries[4][1]) == {4}
    assert (tmp_path / ".building-crashed").exists(), "opening never deletes (followers)"
    reopened.rebuild(source_of(entries))
    assert not (tmp_path / ".building-crashed").exists(), "the next build cleans up"


def test_damaged_base_files_open_as_an_empty_base(tmp_path: Path) -> None:
    HashIndex(tmp_path, PARAMS).rebuild(source_of({1: random_hashes(3)}))
    for path in tmp_path.glob("base-*.ann"):
        path.write_bytes(b"truncated")

    reopened = HashIndex(tmp_path, PARAMS)

    assert reopened.base_size == 0
    assert reopened.owners() == set()


def test_a_follower_switches_to_a_newer_base_built_by_another_process(tmp_path: Path) -> None:
    builder = HashIndex(tmp_path, PARAMS)
    follower = HashIndex(tmp_path, PARAMS)
    entries = {1: random_hashes(2)}
    follower.add(make_keys(1, 2), entries[1])  # replayed from the store meanwhile
    builder.rebuild(source_of(entries))

    assert follower.reload() is True
    assert (follower.base_size, follower.delta_size) == (2, 0)
    assert follower.snapshot == builder.snapshot
    assert follower.reload() is False


def test_a_follower_keeps_only_the_tombstones_that_the_newer_base_still_needs(
    tmp_path: Path,
) -> None:
    builder = HashIndex(tmp_path, PARAMS)
    follower = HashIndex(tmp_path, PARAMS)
    entries = {1: random_hashes(2), 2: random_hashes(2), 3: random_hashes(2)}
    builder.rebuild(source_of(entries))
    follower.reload()
    follower.remove({1})  # in the base: a tombstone
    # The builder read the store before owner 3's removal reached it: 3 is in its base.
    builder.rebuild(source_of({2: entries[2], 3: entries[3]}))
    follower.remove({3})

    follower.reload()
    builder.remove({3})

    assert follower.tombstone_count == 1, "owner 1 is gone from the base; owner 3 is not"
    assert follower.owners() == {2}
    assert owners_found(follower, entries[3][0]) == set()
    assert follower.snapshot == builder.snapshot


def test_searches_never_fail_while_adds_and_rebuilds_go_on(tmp_path: Path) -> None:
    index = HashIndex(tmp_path, PARAMS)
    entries: dict[int, np.ndarray] = {1: random_hashes(4)}
    index.add(make_keys(1, 4), entries[1])
    errors: list[BaseException] = []
    done = threading.Event()

    def keep_searching() -> None:
        while not done.is_set():
            try:
                assert 1 in owners_found(index, entries[1][0])
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        for owner in range(2, 40):
            entries[owner] = random_hashes(4)
            index.add(make_keys(owner, 4), entries[owner])
            if owner % 10 == 0:
                index.rebuild(source_of(dict(entries)))
    finally:
        done.set()
        searcher.join()

    assert errors == []
    assert index.owners() == set(entries)
    assert len(list(tmp_path.glob("base-*.ann"))) == 1, "older bases are removed"
