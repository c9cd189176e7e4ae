"""A Hamming index over 256-bit hashes: a built, memory-mapped annoy base plus an exact delta.

annoy's indexes are immutable once built, and rebuilding a million hashes takes seconds,
so an index has two parts that a search merges:

- the **base**: an annoy index (``hamming`` metric) built into a temporary file, renamed
  into place and memory-mapped, with the key of every entry in a ``.keys.npy`` beside it.
  ``CURRENT`` names the base in use; it is replaced atomically after both files are whole,
  so a crash mid-build leaves the previous base in service;
- the **delta**: entries added since the base was built, searched exactly with vectorized
  XOR + popcount. An add is searchable as soon as `add` returns.

Removals are tombstones (owner ids filtered out of answers) until the next rebuild leaves
them out. `rebuild` builds a new base from the full live content in the background of
serving and swaps it in; adds and removals made meanwhile are kept. Searches read one
immutable `_View`, so a swap never shows a half state, and every answer names the view's
snapshot: the base id plus a digest of the delta and the tombstones.

Each entry's key is an int64: its owner (a stored item) in the high bits and the entry's
position inside the owner in the low `POSITION_BITS`, so tombstones work per owner.
The index knows nothing of items, banks or storage: it is tested and benchmarked alone.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from annoy import AnnoyIndex

from modmesh.similarity.hashing import HASH_BITS

_WORDS = HASH_BITS // 64
#: An owner has at most 2**20 entries (a 12-day video at 1 frame a second).
POSITION_BITS = 20
_CURRENT = "CURRENT"
_TEMP_PREFIX = ".building-"


@dataclass(frozen=True)
class IndexParams:
    """annoy's trade-offs, tuned in bench/similarity (see its README section).

    More trees raise recall and cost build time and memory; `search_k` is how many tree
    nodes a query inspects (more: higher recall, slower); `neighbours` is how many nearest
    entries a query asks for, enough for every frame of a long matching video.
    """

    trees: int = 16
    search_k: int = 2_000
    neighbours: int = 64
    #: Threads for annoy's build; the service shares its cores with the rest of the mesh.
    build_jobs: int = 1


@dataclass(frozen=True)
class Neighbours:
    """The entries near one query hash within the distance asked, closest first."""

    keys: np.ndarray  # int64
    distances: np.ndarray  # int32


def owner_of(keys: np.ndarray) -> np.ndarray:
    return keys >> POSITION_BITS


def make_keys(owner: int, count: int) -> np.ndarray:
    if count >= 1 << POSITION_BITS:
        raise ValueError(f"an owner holds at most {1 << POSITION_BITS} entries, got {count}")
    return (np.int64(owner) << POSITION_BITS) | np.arange(count, dtype=np.int64)


@dataclass(frozen=True)
class _Base:
    id: str
    #: None for an empty base: annoy cannot build an index without items.
    annoy: AnnoyIndex | None
    keys: np.ndarray
    #: Sorted unique owners in the base.
    owners: np.ndarray


_EMPTY_BASE = _Base("empty", None, np.zeros(0, np.int64), np.zeros(0, np.int64))


@dataclass(frozen=True)
class _View:
    """What one search sees; replaced whole, never changed."""

    base: _Base
    delta_words: np.ndarray  # uint64 [n, 4]
    delta_keys: np.ndarray  # int64 [n]
    delta_owners: frozenset[int]
    tombstones: frozenset[int]
    snapshot: str


class HashIndex:
    """A base + delta + tombstones Hamming index kept in one directory."""

    def __init__(self, directory: Path, params: IndexParams | None = None) -> None:
        self.directory = directory
        self.params = params or IndexParams()
        # Serializes writers (add, remove, swap); searches never take it.
        self._lock = threading.Lock()
        self._rebuild_lock = threading.Lock()
        self._words = np.zeros((1024, _WORDS), np.uint64)
        self._keys = np.zeros(1024, np.int64)
        self._count = 0
        #: Every owner removed since the index opened. Owners are never reused, so this
        #: stays true: a base built from a store read made before a removal (by a rebuild
        #: here, or by another replica) gets its tombstone back, and an add of the owner
        #: replayed after its removal is skipped.
        self._removed: set[int] = set()
        self._view = self._make_view(self._load_current(), 0, frozenset(), frozenset())

    # -- what callers read -------------------------------------------------------------

    @property
    def snapshot(self) -> str:
        return self._view.snapshot

    @property
    def base_id(self) -> str:
        return self._view.base.id

    @property
    def base_size(self) -> int:
        """Entries in the memory-mapped base, tombstoned ones included."""
        return len(self._view.base.keys)

    @property
    def delta_size(self) -> int:
        """Entries added since the base was built, searched exactly."""
        return len(self._view.delta_keys)

    @property
    def tombstone_count(self) -> int:
        return len(self._view.tombstones)

    def owners(self) -> set[int]:
        """Every live owner: in the base or the delta, and not removed."""
        view = self._view
        return (set(view.base.owners.tolist()) | view.delta_owners) - view.tombstones

    def search(
        self, queries: np.ndarray, *, max_distance: int, neighbours: int | None = None
    ) -> list[Neighbours]:
        """For each packed query hash (uint8 [m, 32]) its nearest live entries within
        `max_distance`, closest first, at most `neighbours` (default: the params')."""
        view = self._view
        wanted = neighbours or self.params.neighbours
        tombstones = np.fromiter(view.tombstones, np.int64, len(view.tombstones))
        results = []
        for query in np.ascontiguousarray(queries, np.uint8):
            # Removed entries may be the nearest: ask for more so live ones still show.
            asked = 2 * wanted if len(tombstones) else wanted
            keys, distances = self._search_base(view.base, query, asked)
            if len(view.delta_keys):
                delta = np.bitwise_count(view.delta_words ^ query.view(np.uint64)).sum(
                    axis=1, dtype=np.int32
                )
                keys = np.concatenate([keys, view.delta_keys])
                distances = np.concatenate([distances, delta])
            keep = distances <= max_distance
            if len(tombstones):
                keep &= ~np.isin(owner_of(keys), tombstones)
            keys, distances = keys[keep], distances[keep]
            order = np.argsort(distances, kind="stable")[:wanted]
            results.append(Neighbours(keys[order], distances[order]))
        return results

    def _search_base(self, base: _Base, query: np.ndarray, wanted: int) -> tuple[np.ndarray, ...]:
        if base.annoy is None:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        ids, distances = base.annoy.get_nns_by_vector(
            np.unpackbits(query).tolist(),
            wanted,
            search_k=self.params.search_k,
            include_distances=True,
        )
        return base.keys[np.asarray(ids, np.int64)], np.asarray(distances, np.int32)

    # -- writers ----------------------------------------------------------------------

    def add(self, keys: np.ndarray, hashes: np.ndarray) -> str:
        """Adds entries (packed uint8 [n, 32]) to the delta; searchable on return.

        Entries of an owner the index already holds (or has removed) are skipped: a
        rebuild or a sync may have read the owner from the store before its add got here.
        """
        keys = np.asarray(keys, np.int64)
        words = np.ascontiguousarray(hashes, np.uint8).view(np.uint64).reshape(-1, _WORDS)
        with self._lock:
            view = self._view
            known = np.concatenate(
                [
                    view.base.owners,
                    np.fromiter(view.delta_owners, np.int64),
                    np.fromiter(self._removed, np.int64),
                ]
            )
            fresh = ~np.isin(owner_of(keys), known)
            keys, words = keys[fresh], words[fresh]
            self._append(keys, words)
            owners = view.delta_owners | frozenset(owner_of(keys).tolist())
            self._view = self._make_view(view.base, self._count, owners, view.tombstones)
            return self._view.snapshot

    def remove(self, owners: set[int]) -> str:
        """Removes every entry of these owners: from the delta at once, from the base by
        a tombstone that hides them from searches until the next rebuild drops them."""
        with self._lock:
            self._removed |= owners
            view = self._view
            in_base = view.base.owners[np.isin(view.base.owners, list(owners))]
            tombstones = view.tombstones | frozenset(in_base.tolist())
            delta_owners = view.delta_owners
            if owners & delta_owners:
                removed = np.array(sorted(owners & delta_owners), np.int64)
                delta_owners = self._drop_from_delta(removed)
            self._view = self._make_view(view.base, self._count, delta_owners, tombstones)
            return self._view.snapshot

    def rebuild(self, source: Callable[[], tuple[np.ndarray, np.ndarray]]) -> str:
        """Builds a new base from `source()` (keys, packed hashes of every live entry, as
        the durable store has them now) and swaps it in. Returns the new snapshot.

        Runs while searches and adds go on; one rebuild at a time.
        """
        with self._rebuild_lock:
            # Only a builder deletes: a replica that follows shared, read-only base files
            # must not touch the builder's files, nor create the directory (it may be
            # mounted read-only there).
            self.directory.mkdir(parents=True, exist_ok=True)
            for leftover in self.directory.glob(f"{_TEMP_PREFIX}*"):
                leftover.unlink(missing_ok=True)  # from a build that a crash interrupted
            keys, hashes = source()
            base = self._write_base(np.asarray(keys, np.int64), hashes)
            with self._lock:
                # Keep what the new base lacks: adds and removals made during the build.
                delta_owners = self._drop_from_delta(base.owners)
                self._view = self._make_view(
                    base, self._count, delta_owners, self._tombstones(base)
                )
                snapshot = self._view.snapshot
            self._remove_unused_files(keep=base.id)
            return snapshot

    def reload(self) -> bool:
        """Switches to the base that CURRENT names if another process built a newer one
        (replicas that share read-only base files); True if it switched."""
        with self._lock:
            current = self._read_current()
            if current is None or current == self._view.base.id:
                return False
        base = self._load_current()
        with self._lock:
            delta_owners = self._drop_from_delta(base.owners)
            self._view = self._make_view(base, self._count, delta_owners, self._tombstones(base))
        return True

    def _tombstones(self, base: _Base) -> frozenset[int]:
        """The removed owners that `base` still holds (callers hold the lock)."""
        removed = np.fromiter(self._removed, np.int64, len(self._removed))
        return frozenset(base.owners[np.isin(base.owners, removed)].tolist())

    # -- files --------------------------------------------------------------------------

    def _paths(self, base_id: str) -> tuple[Path, Path]:
        return (
            self.directory / f"base-{base_id}.ann",
            self.directory / f"base-{base_id}.keys.npy",
        )

    def _read_current(self) -> str | None:
        try:
            return (self.directory / _CURRENT).read_text().strip() or None
        except FileNotFoundError:
            return None

    def _load_current(self) -> _Base:
        """The base CURRENT names, if its files are whole; else the empty base (the
        caller then syncs everything from the store into the delta and rebuilds)."""
        base_id = self._read_current()
        if base_id is None or base_id == _EMPTY_BASE.id:
            return _EMPTY_BASE
        ann_path, keys_path = self._paths(base_id)
        try:
            keys = np.load(keys_path, mmap_mode="r")
            annoy = AnnoyIndex(HASH_BITS, "hamming")
            annoy.load(str(ann_path))  # memory-mapped, shared between processes
        except (OSError, ValueError):
            return _EMPTY_BASE
        if annoy.get_n_items() != len(keys):
            return _EMPTY_BASE
        return _Base(base_id, annoy, keys, np.unique(owner_of(np.asarray(keys))))

    def _write_base(self, keys: np.ndarray, hashes: np.ndarray) -> _Base:
        if len(keys) == 0:
            self._replace_current(_EMPTY_BASE.id)
            return _EMPTY_BASE
        base_id = f"{len(keys)}-{hashlib.sha256(keys.tobytes()).hexdigest()[:12]}"
        ann_path, keys_path = self._paths(base_id)
        hashes = np.ascontiguousarray(hashes, np.uint8)
        ann_temp = self._temp_path()
        keys_temp = self._temp_path()
        try:
            annoy = AnnoyIndex(HASH_BITS, "hamming")
            annoy.on_disk_build(str(ann_temp))  # builds in the file, not in memory
            # A row at a time: all bits at once take 256 B a hash (2.5 GB at 10M).
            for position, row in enumerate(hashes):
                annoy.add_item(position, np.unpackbits(row).tolist())
            annoy.build(self.params.trees, n_jobs=self.params.build_jobs)
            annoy.unload()
            with keys_temp.open("wb") as out:
                np.save(out, keys)
                out.flush()
                os.fsync(out.fileno())
            os.replace(ann_temp, ann_path)
            os.replace(keys_temp, keys_path)
        finally:
            ann_temp.unlink(missing_ok=True)
            keys_temp.unlink(missing_ok=True)
        self._replace_current(base_id)
        annoy = AnnoyIndex(HASH_BITS, "hamming")
        annoy.load(str(ann_path))
        mapped = np.load(keys_path, mmap_mode="r")
        return _Base(base_id, annoy, mapped, np.unique(owner_of(keys)))

    def _replace_current(self, base_id: str) -> None:
        temp = self._temp_path()
        temp.write_text(base_id + "\n")
        os.replace(temp, self.directory / _CURRENT)

    def _temp_path(self) -> Path:
        handle, name = tempfile.mkstemp(dir=self.directory, prefix=_TEMP_PREFIX)
        os.close(handle)
        return Path(name)

    def _remove_unused_files(self, keep: str) -> None:
        """Deletes older bases; searches still on one keep their memory mapping."""
        for path in self.directory.glob("base-*"):
            if not path.name.startswith(f"base-{keep}."):
                path.unlink(missing_ok=True)

    # -- the delta's buffers --------------------------------------------------------------

    def _drop_from_delta(self, owners: np.ndarray) -> frozenset[int]:
        """Moves the delta's entries of other owners into fresh buffers (older views keep
        the old ones) and returns the owners left in the delta."""
        n = self._count
        keep = ~np.isin(owner_of(self._keys[:n]), owners)
        keys, words = self._keys[:n][keep], self._words[:n][keep]
        self._keys = np.zeros(max(1024, 2 * len(keys)), np.int64)
        self._words = np.zeros((len(self._keys), _WORDS), np.uint64)
        self._count = 0
        self._append(keys, words)
        return frozenset(owner_of(keys).tolist())

    def _append(self, keys: np.ndarray, words: np.ndarray) -> None:
        """Appends past the count that views see; a full buffer is replaced, never grown
        in place, so older views keep valid slices."""
        needed = self._count + len(keys)
        if needed > len(self._keys):
            capacity = max(needed, 2 * len(self._keys))
            grown_keys = np.zeros(capacity, np.int64)
            grown_words = np.zeros((capacity, _WORDS), np.uint64)
            grown_keys[: self._count] = self._keys[: self._count]
            grown_words[: self._count] = self._words[: self._count]
            self._keys, self._words = grown_keys, grown_words
        self._keys[self._count : needed] = keys
        self._words[self._count : needed] = words
        self._count = needed

    def _make_view(
        self,
        base: _Base,
        count: int,
        delta_owners: frozenset[int],
        tombstones: frozenset[int],
    ) -> _View:
        view = _View(
            base,
            self._words[:count],
            self._keys[:count],
            delta_owners,
            tombstones,
            base.id,
        )
        if delta_owners or tombstones:
            digest = hashlib.sha256()
            digest.update(np.array(sorted(delta_owners), np.int64).tobytes())
            digest.update(b"-")
            digest.update(np.array(sorted(tombstones), np.int64).tobytes())
            view = replace(view, snapshot=f"{base.id}.{digest.hexdigest()[:8]}")
        return view
