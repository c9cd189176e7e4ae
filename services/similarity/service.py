"""The similarity domain core: validates requests, hashes media, adds to and searches
the index. No gRPC here; errors are the runtime's domain errors."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from modmesh.runtime.blobs import Blob, resolve
from modmesh.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from modmesh.runtime.media import probe
from modmesh.runtime.settings import Settings
from modmesh.similarity.hashing import PDQ_BITS, FrameHash, hash_frames, hex_to_bits
from modmesh.similarity.index import SearchResult, SimilarityIndex
from modmesh.similarity.store import SqlItemStore, StoredItem, already_exists

_BANK = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_K = 10
MAX_K = 100
#: About 12% of 256 bits: PDQ's authors' suggested threshold for near-duplicates.
DEFAULT_MAX_DISTANCE = 31
MAX_ITEM_ID_CHARS = 256
MAX_LABEL_CHARS = 1024


@dataclass(frozen=True)
class AddedItem:
    item_id: str
    bank: str
    hash_count: int
    index_snapshot: str


@dataclass(frozen=True)
class QueryHash:
    """One frame hash as a caller sent it, not yet validated."""

    pdq_hex: str
    timestamp_seconds: float
    quality: int


class Similarity:
    """Adds media to banks of known items and finds known items near a query."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._directory = settings.data_dir / "similarity"
        self._index: SimilarityIndex | None = None

    async def open(self) -> None:
        """Opens the store and loads the persisted index (or rebuilds it from the store)."""
        self._directory.mkdir(parents=True, exist_ok=True)
        store = SqlItemStore(f"sqlite:///{(self._directory / 'items.db').resolve()}")
        self._index = await asyncio.to_thread(SimilarityIndex, self._directory, store)

    async def close(self) -> None:
        if self._index is not None:
            self._index.close()

    @property
    def item_count(self) -> int:
        """Items in the index searched now; 0 before it is open."""
        return 0 if self._index is None else self._index.item_count

    async def add_item(
        self, media: Blob | None, *, bank: str, item_id: str = "", label: str = ""
    ) -> AddedItem:
        """Hashes the media's frames and adds them to `bank` as one item.

        item_id defaults to the media's sha256; a taken (bank, item_id) is refused.
        """
        index = self._require_index()
        _check_bank(bank, "bank")
        if media is None:
            raise InvalidArgument("media is required", field="media")
        item_id = item_id or media.sha256
        if len(item_id) > MAX_ITEM_ID_CHARS:
            raise InvalidArgument(
                f"item_id is longer than {MAX_ITEM_ID_CHARS} characters", field="item_id"
            )
        if len(label) > MAX_LABEL_CHARS:
            raise InvalidArgument(
                f"label is longer than {MAX_LABEL_CHARS} characters", field="label"
            )
        path = resolve(media, self._settings.max_media_bytes)
        # Refuse a duplicate before the costly hashing; the store's unique key still
        # decides when two adds of the same id race.
        if await asyncio.to_thread(index.contains, bank, item_id):
            raise already_exists(bank, item_id)
        frames = await self._hash(path)
        if not frames:
            raise InvalidArgument(
                "no video frames with enough detail to hash (the media has no video, "
                "or only flat frames such as black or a solid colour)",
                field="media",
            )
        item = StoredItem(bank, item_id, label, self._settings.frame_sample_fps, tuple(frames))
        snapshot = await asyncio.to_thread(index.add, item)
        return AddedItem(item_id, bank, len(frames), snapshot)

    async def search(
        self,
        query: Blob | Sequence[QueryHash] | None,
        *,
        k: int | None = None,
        max_distance: int | None = None,
        banks: Sequence[str] = (),
    ) -> SearchResult:
        """The items nearest the query media or hashes, closest first.

        Media without a video stream (audio-only uploads) finds nothing rather than
        failing: every upload is searched, whatever it holds.
        """
        index = self._require_index()
        k = DEFAULT_K if k is None else k
        if not 1 <= k <= MAX_K:
            raise InvalidArgument(f"k must be between 1 and {MAX_K}, got {k}", field="k")
        max_distance = DEFAULT_MAX_DISTANCE if max_distance is None else max_distance
        if not 0 <= max_distance <= PDQ_BITS:
            raise InvalidArgument(
                f"max_distance must be between 0 and {PDQ_BITS}, got {max_distance}",
                field="max_distance",
            )
        for position, bank in enumerate(banks):
            _check_bank(bank, f"banks[{position}]")
            if bank not in index.banks:
                raise NotFound(f"bank {bank!r} does not exist", field=f"banks[{position}]")
        if query is None:
            raise InvalidArgument("query is required: set media or hashes", field="query")
        if isinstance(query, Blob):
            frames = await self._hash(resolve(query, self._settings.max_media_bytes))
        else:
            frames = _parse_hashes(query)
        return await asyncio.to_thread(
            index.search,
            frames,
            k=k,
            max_distance=max_distance,
            banks=frozenset(banks),
            query_frame_seconds=1.0 / self._settings.frame_sample_fps,
        )

    async def _hash(self, path: Path) -> list[FrameHash]:
        info = await asyncio.to_thread(probe, path)
        if not info.has_video:
            return []
        return await asyncio.to_thread(hash_frames, path, self._settings.frame_sample_fps)

    def _require_index(self) -> SimilarityIndex:
        if self._index is None:
            raise FailedPrecondition("the similarity index is not loaded yet")
        return self._index


def _check_bank(bank: str, field: str) -> None:
    if not _BANK.match(bank):
        raise InvalidArgument(
            f"{field} must be 1 to 64 lowercase letters, digits, '-' or '_', starting with "
            f"a letter or digit; got {bank!r}",
            field=field,
        )


def _parse_hashes(query: Sequence[QueryHash]) -> list[FrameHash]:
    if not query:
        raise InvalidArgument("hashes.frames is empty", field="hashes.frames")
    frames = []
    for position, raw in enumerate(query):
        field = f"hashes.frames[{position}]"
        bits = hex_to_bits(raw.pdq_hex, f"{field}.pdq_hex")
        if not (math.isfinite(raw.timestamp_seconds) and raw.timestamp_seconds >= 0):
            raise InvalidArgument(
                f"{field}.timestamp_seconds must be a finite number of seconds >= 0",
                field=f"{field}.timestamp_seconds",
            )
        if not 0 <= raw.quality <= 100:
            raise InvalidArgument(
                f"{field}.quality must be between 0 and 100, got {raw.quality}",
                field=f"{field}.quality",
            )
        frames.append(FrameHash(bits, raw.timestamp_seconds, raw.quality))
    return frames
