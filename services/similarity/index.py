"""An annoy index over the frame hashes of every known item, persisted as a snapshot file.

Each stored frame hash is one 256-dimensional 0/1 vector under annoy's `hamming` metric,
whose distance is the number of differing bits. The index is immutable once built, so an
add builds a whole new snapshot into a temporary file and swaps it in atomically: a
search holds one snapshot reference from start to end and never sees a half-built index.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annoy import AnnoyIndex

from modmesh.common.evidence import TimeRange
from modmesh.similarity.hashing import PDQ_BITS, FrameHash
from modmesh.similarity.store import ItemStore, StoredItem

#: More trees trade build time and file size for recall; 16 is plenty at spine scale.
N_TREES = 16
#: Nearest frames asked for per query frame: generous, so that every frame of a matching
#: item (a long video has many near-identical frames) is seen, not just the closest few.
NEIGHBOURS = 256
#: Nodes inspected per query; well above annoy's default (NEIGHBOURS * N_TREES) for recall.
SEARCH_K = NEIGHBOURS * N_TREES * 8

_INDEX_PREFIX = "index-"
_INDEX_SUFFIX = ".ann"
_BUILDING_PREFIX = ".building-"


@dataclass(frozen=True)
class Match:
    """A known item near the query, with how much of each side matched and where."""

    item_id: str
    bank: str
    #: Smallest Hamming distance between a query frame and a frame of the item.
    distance: int
    query_match_percent: float
    item_match_percent: float
    query_ranges: tuple[TimeRange, ...]
    item_ranges: tuple[TimeRange, ...]
    label: str
    index_snapshot: str


@dataclass(frozen=True)
class SearchResult:
    matches: tuple[Match, ...]
    #: Number of query hashes searched with.
    query_hash_count: int
    #: The snapshot searched.
    index_snapshot: str


@dataclass(frozen=True)
class _Snapshot:
    id: str
    items: tuple[StoredItem, ...]
    #: For each annoy id: (position in `items`, position in that item's frames).
    entries: tuple[tuple[int, int], ...]
    #: None when there is nothing to index: annoy cannot build an empty index.
    annoy: AnnoyIndex | None
    banks: frozenset[str]


@dataclass
class _ItemHits:
    distance: int = PDQ_BITS + 1
    query_frames: set[int] = field(default_factory=set)
    item_frames: set[int] = field(default_factory=set)


def snapshot_id(items: Sequence[StoredItem]) -> str:
    """Names the index built from `items`: their count and a digest of their keys in order.

    Items are immutable and append-only, so the keys in order identify the index content.
    """
    keys = json.dumps([[item.bank, item.item_id] for item in items]).encode()
    return f"{len(items)}-{hashlib.sha256(keys).hexdigest()[:16]}"


class SimilarityIndex:
    """Near-duplicate search over a store's items; loads or rebuilds its snapshot on start."""

    def __init__(self, directory: Path, store: ItemStore) -> None:
        self._directory = directory
        self._store = store
        # Serializes adds: each builds from the store's full content, so two at once
        # could each swap in a snapshot that misses the other's item.
        self._add_lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob(f"{_BUILDING_PREFIX}*"):
            leftover.unlink()  # from a build that a crash interrupted
        self._snapshot = self._open(tuple(store.items()))

    @property
    def snapshot_id(self) -> str:
        return self._snapshot.id

    @property
    def banks(self) -> frozenset[str]:
        return self._snapshot.banks

    @property
    def item_count(self) -> int:
        """Items in the snapshot searched now."""
        return len(self._snapshot.items)

    def contains(self, bank: str, item_id: str) -> bool:
        return self._store.contains(bank, item_id)

    def close(self) -> None:
        self._store.close()

    def add(self, item: StoredItem) -> str:
        """Stores the item, then swaps in a snapshot including it; returns the snapshot id."""
        with self._add_lock:
            # Durable first: if the build fails or the process dies, the next start
            # finds the index stale and rebuilds it from the store.
            self._store.add(item)
            self._snapshot = self._build(tuple(self._store.items()))
            self._remove_stale_files(keep=self._path(self._snapshot.id))
            return self._snapshot.id

    def search(
        self,
        query: Sequence[FrameHash],
        *,
        k: int,
        max_distance: int,
        banks: Collection[str],
        query_frame_seconds: float,
    ) -> SearchResult:
        """The k items closest to the query frames, closest first; `banks` empty = all."""
        snapshot = self._snapshot  # one snapshot for the whole search, whatever adds do
        if snapshot.annoy is None or not query:
            return SearchResult((), len(query), snapshot.id)
        neighbours = min(NEIGHBOURS, len(snapshot.entries))
        hits: dict[int, _ItemHits] = {}
        for query_position, frame in enumerate(query):
            ids, distances = snapshot.annoy.get_nns_by_vector(
                frame.bits.tolist(), neighbours, search_k=SEARCH_K, include_distances=True
            )
            for annoy_id, raw_distance in zip(ids, distances, strict=True):
                distance = round(raw_distance)
                if distance > max_distance:
                    break  # annoy returns neighbours closest first
                item_position, frame_position = snapshot.entries[annoy_id]
                if banks and snapshot.items[item_position].bank not in banks:
                    continue
                item_hits = hits.setdefault(item_position, _ItemHits())
                item_hits.distance = min(item_hits.distance, distance)
                item_hits.query_frames.add(query_position)
                item_hits.item_frames.add(frame_position)
        matches = [
            _match(snapshot, snapshot.items[position], item_hits, query, query_frame_seconds)
            for position, item_hits in hits.items()
        ]
        matches.sort(key=lambda m: (m.distance, -m.query_match_percent, m.bank, m.item_id))
        return SearchResult(tuple(matches[:k]), len(query), snapshot.id)

    def _path(self, snapshot: str) -> Path:
        return self._directory / f"{_INDEX_PREFIX}{snapshot}{_INDEX_SUFFIX}"

    def _open(self, items: tuple[StoredItem, ...]) -> _Snapshot:
        """Loads the persisted index for `items` if it is there and whole, else rebuilds."""
        entries = _entries(items)
        identity = snapshot_id(items)
        path = self._path(identity)
        if entries and path.is_file():
            annoy = AnnoyIndex(PDQ_BITS, "hamming")
            try:
                annoy.load(str(path))
                whole = annoy.get_n_items() == len(entries)
            except OSError:
                whole = False  # unreadable (e.g. truncated by a crash): rebuild below
            if whole:
                self._remove_stale_files(keep=path)
                return _Snapshot(identity, items, entries, annoy, _banks(items))
        snapshot = self._build(items)
        self._remove_stale_files(keep=path)
        return snapshot

    def _build(self, items: tuple[StoredItem, ...]) -> _Snapshot:
        entries = _entries(items)
        identity = snapshot_id(items)
        if not entries:
            return _Snapshot(identity, items, entries, None, _banks(items))
        annoy = AnnoyIndex(PDQ_BITS, "hamming")
        for annoy_id, (item_position, frame_position) in enumerate(entries):
            annoy.add_item(annoy_id, items[item_position].frames[frame_position].bits.tolist())
        # One thread: the service shares its cores with the rest of the mesh.
        annoy.build(N_TREES, n_jobs=1)
        handle, temp_name = tempfile.mkstemp(dir=self._directory, prefix=_BUILDING_PREFIX)
        os.close(handle)
        try:
            # annoy.save re-maps the index from the file it wrote; renaming keeps that
            # mapping valid, and os.replace makes the file appear whole or not at all.
            annoy.save(temp_name)
            os.replace(temp_name, self._path(identity))
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return _Snapshot(identity, items, entries, annoy, _banks(items))

    def _remove_stale_files(self, keep: Path) -> None:
        """Deletes older snapshots; searches still using one keep their memory mapping."""
        for path in self._directory.glob(f"{_INDEX_PREFIX}*{_INDEX_SUFFIX}"):
            if path != keep:
                path.unlink(missing_ok=True)


def _entries(items: Sequence[StoredItem]) -> tuple[tuple[int, int], ...]:
    return tuple(
        (item_position, frame_position)
        for item_position, item in enumerate(items)
        for frame_position in range(len(item.frames))
    )


def _banks(items: Sequence[StoredItem]) -> frozenset[str]:
    return frozenset(item.bank for item in items)


def _match(
    snapshot: _Snapshot,
    item: StoredItem,
    hits: _ItemHits,
    query: Sequence[FrameHash],
    query_frame_seconds: float,
) -> Match:
    return Match(
        item_id=item.item_id,
        bank=item.bank,
        distance=hits.distance,
        query_match_percent=100.0 * len(hits.query_frames) / len(query),
        item_match_percent=100.0 * len(hits.item_frames) / len(item.frames),
        query_ranges=merge_ranges(
            [query[i].timestamp_seconds for i in hits.query_frames], query_frame_seconds
        ),
        item_ranges=merge_ranges(
            [item.frames[i].timestamp_seconds for i in hits.item_frames], 1.0 / item.sample_fps
        ),
        label=item.label,
        index_snapshot=snapshot.id,
    )


def merge_ranges(timestamps: Collection[float], frame_seconds: float) -> tuple[TimeRange, ...]:
    """Time ranges covered by frames at `timestamps`, each lasting `frame_seconds`,
    with touching or overlapping frames merged into one range."""
    spans: list[TimeRange] = []
    for start in sorted(timestamps):
        end = start + frame_seconds
        # A small tolerance: consecutive samples at 1/fps touch up to float rounding.
        if spans and start <= spans[-1].end_seconds + 1e-6:
            spans[-1] = TimeRange(spans[-1].start_seconds, max(spans[-1].end_seconds, end))
        else:
            spans.append(TimeRange(start, end))
    return tuple(spans)
