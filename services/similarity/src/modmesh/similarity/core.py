"""The similarity domain core: validates requests, hashes media, and runs them against the
banks. No gRPC here; errors are the runtime's domain errors."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import re
from collections.abc import Sequence
from pathlib import Path

from modmesh.runtime.audit import AuditKey
from modmesh.runtime.background import Periodic
from modmesh.runtime.blobs import Blob, BlobStore
from modmesh.runtime.errors import AlreadyExists, InvalidArgument, NotFound, Unavailable
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, MediaInfo, pcm16_blocks, probe
from modmesh.similarity.audio import FRAME_SECONDS, Fingerprint, fingerprint_blocks
from modmesh.similarity.banks import BankIndexes
from modmesh.similarity.domain import (
    AddedItem,
    Bank,
    BankStatus,
    Found,
    QueryHash,
    Still,
    StoredItem,
)
from modmesh.similarity.hashing import (
    HASH_BITS,
    KNOWN_ITEM_CROPS,
    HashRun,
    dedupe,
    hash_video,
    parse_pdq_hex,
)
from modmesh.similarity.index import POSITION_BITS, IndexParams
from modmesh.similarity.settings import AUDIT_KEY_ENV, SimilaritySettings
from modmesh.similarity.stills import sample_stills, still_rate
from modmesh.similarity.store import SqlSimilarityStore, already_exists

_BANK = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_K = 10
MAX_K = 100
#: PDQ's published guidance: hashes within 31 of 256 bits (about 12 %) are near-duplicates;
#: Meta's hasher-matcher-actioner uses the same default. Each bank may set its own.
DEFAULT_MAX_DISTANCE = 31
#: An item matches when its matched hashes cover half the query's or half the item's
#: duration: a trimmed excerpt or an embedded copy still matches, one chance frame not.
DEFAULT_MIN_MATCH_PERCENT = 50.0
MAX_ITEM_ID_CHARS = 256
MAX_LABEL_CHARS = 1024
MAX_DESCRIPTION_CHARS = 4096
MAX_HASHES_PER_ITEM = (1 << POSITION_BITS) - 1
#: Audio-only media shorter than this (voiced) is not fingerprinted: too little to decide.
MIN_AUDIO_SECONDS = 1.0
#: Audio decoded at a time for the fingerprint (10 s: 640 KB of float32), so that
#: memory does not follow duration (audio.fingerprint_blocks states the bound).
DECODE_BLOCK_SAMPLES = 10 * AUDIO_SAMPLE_RATE


class Similarity:
    """Adds media to banks of known items and finds known items near a query."""

    def __init__(self, settings: SimilaritySettings) -> None:
        self._settings = settings
        self._blobs = BlobStore.of_mesh(settings)
        self._indexes: BankIndexes | None = None
        self._background = Periodic()

    async def open(self) -> None:
        """Opens the store, loads every bank's index and replays what it lacks."""
        settings = self._settings
        audit_key = AuditKey.from_setting(settings.audit_key, AUDIT_KEY_ENV)
        store = SqlSimilarityStore(settings.store_url, audit_key=audit_key)
        indexes = BankIndexes(
            store,
            settings.data_dir / "similarity" / "index",
            IndexParams(
                trees=settings.similarity_index_trees, search_k=settings.similarity_search_k
            ),
            rebuild_after=settings.similarity_rebuild_after,
        )
        await asyncio.to_thread(indexes.open)
        self._indexes = indexes
        if settings.similarity_refresh_seconds > 0:
            # Picks up what other replicas wrote to the shared store and base files.
            self._background.every(
                settings.similarity_refresh_seconds,
                lambda: asyncio.to_thread(indexes.refresh),
                "refresh similarity banks",
            )

    async def close(self) -> None:
        await self._background.stop()
        if self._indexes is not None:
            await asyncio.to_thread(self._indexes.close)

    # -- banks --------------------------------------------------------------------------

    async def create_bank(
        self,
        name: str,
        *,
        max_distance: int | None = None,
        min_match_percent: float | None = None,
        description: str = "",
        actor: str,
    ) -> BankStatus:
        indexes = self._require_indexes()
        _check_bank(name, "name")
        bank = Bank(
            name,
            _check_distance(max_distance, "max_distance", DEFAULT_MAX_DISTANCE),
            _check_percent(min_match_percent),
            description,
        )
        if len(description) > MAX_DESCRIPTION_CHARS:
            raise InvalidArgument(
                f"description is longer than {MAX_DESCRIPTION_CHARS} characters",
                field="description",
            )
        return await asyncio.to_thread(functools.partial(indexes.create_bank, bank, actor=actor))

    async def list_banks(self) -> list[BankStatus]:
        return await asyncio.to_thread(self._require_indexes().banks)

    async def export_bank(self, bank: str) -> Sequence[StoredItem]:
        indexes = self._require_indexes()
        _check_bank(bank, "bank")
        return await asyncio.to_thread(indexes.items, bank)

    # -- items --------------------------------------------------------------------------

    async def add_item(
        self, media: Blob | None, *, bank: str, item_id: str = "", label: str = "", actor: str
    ) -> AddedItem:
        """Hashes the media's frames and adds them to `bank` as one item, with stills of
        its video (see modmesh.similarity.stills), creating the bank with the default
        thresholds if needed.

        item_id defaults to the media's sha256; a taken (bank, item_id) is refused.
        """
        indexes = self._require_indexes()
        _check_bank(bank, "bank")
        if media is None:
            raise InvalidArgument("media is required", field="media")
        item_id = _check_item(item_id or media.sha256, label)
        # Resolving hashes the whole blob: off the event loop.
        path = await asyncio.to_thread(self._blobs.resolve, media)
        await asyncio.to_thread(self._ensure_bank, indexes, bank, actor)
        # Refuse a duplicate before the costly hashing; the store's unique key still
        # decides when two adds of the same id race.
        if await asyncio.to_thread(indexes.contains, bank, item_id):
            raise already_exists(bank, item_id)
        info = await asyncio.to_thread(probe, path, self._settings.max_media_seconds)
        # The stills are a second decode of the video: alongside the hashing, not after it.
        signal, stills = await asyncio.gather(
            self._hash(path, info, KNOWN_ITEM_CROPS), self._stills(path, info)
        )
        if signal is None:
            raise InvalidArgument(
                "nothing to hash: no video frames with enough detail (only flat frames such "
                f"as black or a solid colour, or no video) and no audio of {MIN_AUDIO_SECONDS:g} "
                "s or more",
                field="media",
            )
        if isinstance(signal, Fingerprint):
            item = StoredItem(bank, item_id, label, (), audio=signal)
        else:
            item = StoredItem(bank, item_id, label, tuple(signal), stills=stills)
        return await self._store(indexes, item, actor)

    async def add_hashes(
        self, *, bank: str, item_id: str, label: str, hashes: Sequence[QueryHash], actor: str
    ) -> AddedItem:
        indexes = self._require_indexes()
        _check_bank(bank, "bank")
        if not item_id:
            raise InvalidArgument("item_id is required", field="item_id")
        item_id = _check_item(item_id, label)
        runs = self._parse_hashes(hashes)
        await asyncio.to_thread(indexes.bank, bank)
        return await self._store(indexes, StoredItem(bank, item_id, label, tuple(runs)), actor)

    async def remove_item(self, *, bank: str, item_id: str, actor: str) -> str:
        indexes = self._require_indexes()
        _check_bank(bank, "bank")
        if not item_id:
            raise InvalidArgument("item_id is required", field="item_id")
        return await asyncio.to_thread(
            functools.partial(indexes.remove_item, bank, item_id, actor=actor)
        )

    async def item_frame(self, *, bank: str, item_id: str, seconds: float) -> Still:
        """The item's kept still nearest `seconds` of it."""
        indexes = self._require_indexes()
        _check_bank(bank, "bank")
        if not item_id:
            raise InvalidArgument("item_id is required", field="item_id")
        if not (math.isfinite(seconds) and seconds >= 0):
            raise InvalidArgument(
                "seconds must be a finite number of seconds >= 0", field="seconds"
            )
        still = await asyncio.to_thread(indexes.nearest_still, bank, item_id, seconds)
        if still is None:
            raise NotFound(
                f"item {item_id!r} of bank {bank!r} has no frames: only items added from "
                "video keep stills, not those added as hashes (imported or shared by another "
                "platform), from audio, or before stills were kept",
                field="item_id",
            )
        return still

    async def search(
        self,
        query: Blob | Sequence[QueryHash] | None,
        *,
        k: int | None = None,
        max_distance: int | None = None,
        banks: Sequence[str] = (),
    ) -> tuple[Found, int]:
        """The items nearest the query media or hashes, closest first, and the number
        of hashes searched with.

        Media with video frames worth hashing is searched by PDQ; other media with audio
        (audio-only uploads, a still or black picture over speech) by its audio
        fingerprint; media with neither finds nothing rather than failing.
        """
        indexes = self._require_indexes()
        k = DEFAULT_K if k is None else k
        if not 1 <= k <= MAX_K:
            raise InvalidArgument(f"k must be between 1 and {MAX_K}, got {k}", field="k")
        if max_distance is not None:
            _check_distance(max_distance, "max_distance", DEFAULT_MAX_DISTANCE)
        for position, bank in enumerate(banks):
            _check_bank(bank, f"banks[{position}]")
            await asyncio.to_thread(indexes.bank, bank, f"banks[{position}]")
        if query is None:
            raise InvalidArgument("query is required: set media or hashes", field="query")
        signal: list[HashRun] | Fingerprint | None
        if isinstance(query, Blob):
            path = await asyncio.to_thread(self._blobs.resolve, query, "query")
            info = await asyncio.to_thread(probe, path, self._settings.max_media_seconds)
            signal = await self._hash(path, info)
        else:
            signal = self._parse_hashes(query)
        if isinstance(signal, Fingerprint):
            found = await asyncio.to_thread(indexes.search_audio, signal, banks=banks, k=k)
            return found, len(signal)
        runs = signal or []
        found = await asyncio.to_thread(
            indexes.search, runs, banks=banks, k=k, max_distance=max_distance
        )
        return found, len(runs)

    # -- helpers ------------------------------------------------------------------------

    async def _store(self, indexes: BankIndexes, item: StoredItem, actor: str) -> AddedItem:
        snapshot = await asyncio.to_thread(functools.partial(indexes.add_item, item, actor=actor))
        return AddedItem(item.item_id, item.bank, len(item.runs), snapshot)

    @staticmethod
    def _ensure_bank(indexes: BankIndexes, bank: str, actor: str) -> None:
        try:
            indexes.bank(bank)
        except NotFound:
            with contextlib.suppress(AlreadyExists):  # another add created it meanwhile
                defaults = Bank(bank, DEFAULT_MAX_DISTANCE, DEFAULT_MIN_MATCH_PERCENT, "")
                indexes.create_bank(defaults, actor=actor)

    async def _hash(
        self, path: Path, info: MediaInfo, crops: Sequence[float] = (1.0,)
    ) -> list[HashRun] | Fingerprint | None:
        """PDQ runs of the video if it has frames worth hashing, else the audio's
        fingerprint if it has audio, else None (nothing a match could rest on)."""
        max_seconds = self._settings.max_media_seconds
        if info.has_video:
            runs = await asyncio.to_thread(hash_video, path, self._settings.frame_sample_fps, crops)
            if runs:
                return runs
        if info.has_audio:
            blocks = pcm16_blocks(path, DECODE_BLOCK_SAMPLES, max_seconds)
            print_ = await asyncio.to_thread(fingerprint_blocks, blocks)
            if print_.voiced.sum() * FRAME_SECONDS >= MIN_AUDIO_SECONDS:
                return print_
        return None

    async def _stills(self, path: Path, info: MediaInfo) -> tuple[Still, ...]:
        if not info.has_video:
            return ()
        rate = still_rate(self._settings.frame_sample_fps, info.duration_seconds)
        return await asyncio.to_thread(lambda: tuple(sample_stills(path, rate)))

    def _parse_hashes(self, query: Sequence[QueryHash]) -> list[HashRun]:
        if not query:
            raise InvalidArgument("hashes.frames is empty", field="hashes.frames")
        if len(query) > MAX_HASHES_PER_ITEM:
            raise InvalidArgument(
                f"hashes.frames holds more than {MAX_HASHES_PER_ITEM} hashes",
                field="hashes.frames",
            )
        frame_seconds = 1.0 / self._settings.frame_sample_fps
        runs = []
        for position, raw in enumerate(query):
            field = f"hashes.frames[{position}]"
            pdq = parse_pdq_hex(raw.pdq_hex, f"{field}.pdq_hex")
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
            duration = frame_seconds if raw.duration_seconds is None else raw.duration_seconds
            if not (math.isfinite(duration) and duration >= 0):
                raise InvalidArgument(
                    f"{field}.duration_seconds must be a finite number of seconds >= 0",
                    field=f"{field}.duration_seconds",
                )
            start = raw.timestamp_seconds
            runs.append(HashRun(pdq, start, start + duration, raw.quality))
        return dedupe(runs, within=0)

    def _require_indexes(self) -> BankIndexes:
        if self._indexes is None:
            # A replica that has just started: another, or this one shortly, can answer,
            # so callers wait and retry (FAILED_PRECONDITION failed their cases for good).
            raise Unavailable("the similarity index is still loading; retry shortly")
        return self._indexes


def _check_bank(bank: str, field: str) -> None:
    if not _BANK.match(bank):
        raise InvalidArgument(
            f"{field} must be 1 to 64 lowercase letters, digits, '-' or '_', starting with "
            f"a letter or digit; got {bank!r}",
            field=field,
        )


def _check_item(item_id: str, label: str) -> str:
    if len(item_id) > MAX_ITEM_ID_CHARS:
        raise InvalidArgument(
            f"item_id is longer than {MAX_ITEM_ID_CHARS} characters", field="item_id"
        )
    if len(label) > MAX_LABEL_CHARS:
        raise InvalidArgument(f"label is longer than {MAX_LABEL_CHARS} characters", field="label")
    return item_id


def _check_distance(value: int | None, field: str, default: int) -> int:
    value = default if value is None else value
    if not 0 <= value <= HASH_BITS:
        raise InvalidArgument(
            f"{field} must be between 0 and {HASH_BITS}, got {value}", field=field
        )
    return value


def _check_percent(value: float | None) -> float:
    value = DEFAULT_MIN_MATCH_PERCENT if value is None else value
    if not (math.isfinite(value) and 0 <= value <= 100):
        raise InvalidArgument(
            f"min_match_percent must be between 0 and 100, got {value}",
            field="min_match_percent",
        )
    return value
