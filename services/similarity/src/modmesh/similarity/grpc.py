"""The gRPC face of the similarity service: protobuf in, domain call, protobuf out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime

import grpc

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.evidence import TimeRange
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.runtime.actor import actor_of
from modmesh.runtime.background import Periodic
from modmesh.runtime.blobs import Blob
from modmesh.runtime.database import UNAVAILABLE_ERRORS, reachability_check
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.metrics import Gauge
from modmesh.runtime.server import Service
from modmesh.runtime.tracing import annotate
from modmesh.similarity.client import frame_hashes, signal_source
from modmesh.similarity.core import Similarity
from modmesh.similarity.domain import BankStatus, Match, QueryHash, Source
from modmesh.similarity.settings import SimilaritySettings

#: As the column that keeps it (tables.ITEMS.source_exchange).
MAX_EXCHANGE_CHARS = 64
#: A collaboration's name or file, an external id: generous, but bounded.
MAX_SOURCE_CHARS = 1024
INDEX_ITEMS = Gauge(
    "modmesh.similarity.index.items", "Known items in each bank's index this process searches."
)
INDEX_DELTA = Gauge(
    "modmesh.similarity.index.delta_items",
    "Hashes of each bank searched exactly until the next rebuild folds them into the base.",
)


class SimilarityServicer(similarity_pb2_grpc.SimilarityServiceServicer):
    def __init__(self, core: Similarity) -> None:
        self._core = core

    async def AddItem(
        self, request: similarity_pb2.AddItemRequest, context: grpc.aio.ServicerContext
    ) -> similarity_pb2.AddItemResponse:
        added = await self._core.add_item(
            _blob(request.media) if request.HasField("media") else None,
            bank=request.bank,
            item_id=request.item_id,
            label=request.label,
            actor=actor_of(request),
        )
        annotate(index_snapshot=added.index_snapshot)
        return similarity_pb2.AddItemResponse(
            item_id=added.item_id,
            bank=added.bank,
            hash_count=added.hash_count,
            index_snapshot=added.index_snapshot,
        )

    async def AddHashes(
        self, request: similarity_pb2.AddHashesRequest, context: grpc.aio.ServicerContext
    ) -> similarity_pb2.AddHashesResponse:
        added = await self._core.add_hashes(
            bank=request.bank,
            item_id=request.item_id,
            label=request.label,
            hashes=_query_hashes(request.hashes.frames),
            actor=actor_of(request),
            source=_source(request.source) if request.HasField("source") else None,
        )
        return similarity_pb2.AddHashesResponse(
            item_id=added.item_id,
            bank=added.bank,
            hash_count=added.hash_count,
            index_snapshot=added.index_snapshot,
        )

    async def RemoveItem(
        self, request: similarity_pb2.RemoveItemRequest, context: grpc.aio.ServicerContext
    ) -> similarity_pb2.RemoveItemResponse:
        snapshot = await self._core.remove_item(
            bank=request.bank, item_id=request.item_id, actor=actor_of(request)
        )
        return similarity_pb2.RemoveItemResponse(index_snapshot=snapshot)

    async def Search(
        self, request: similarity_pb2.SearchRequest, context: grpc.aio.ServicerContext
    ) -> similarity_pb2.SearchResponse:
        query: Blob | list[QueryHash] | None = None
        which = request.WhichOneof("query")
        if which == "media":
            query = _blob(request.media)
        elif which == "hashes":
            query = _query_hashes(request.hashes.frames)
        found, hash_count = await self._core.search(
            query,
            k=request.k if request.HasField("k") else None,
            max_distance=request.max_distance if request.HasField("max_distance") else None,
            banks=list(request.banks),
        )
        if which == "media":
            annotate(media_sha256=request.media.sha256)
        annotate(index_snapshot=found.index_snapshot, match_count=len(found.matches))
        return similarity_pb2.SearchResponse(
            matches=[_match(match) for match in found.matches],
            query_hash_count=hash_count,
            index_snapshot=found.index_snapshot,
            suppressed=[
                similarity_pb2.SuppressedMatch(
                    match=_match(s.match), known_good=_match(s.known_good), reason=s.reason
                )
                for s in found.suppressed
            ],
        )

    async def CreateBank(
        self, request: similarity_pb2.CreateBankRequest, context: grpc.aio.ServicerContext
    ) -> similarity_pb2.CreateBankResponse:
        status = await self._core.create_bank(
            request.name,
            max_distance=request.max_distance if request.HasField("max_distance") else None,
            min_match_percent=(
                request.min_match_percent if request.HasField("min_match_percent") else None
            ),
            description=request.description,
            negative=request.negative,
            actor=actor_of(request),
        )
        return similarity_pb2.CreateBankResponse(bank=_bank_status(status))

    async def ListBanks(
        self, request: similarity_pb2.ListBanksRequest, context: grpc.aio.ServicerContext
    ) -> similarity_pb2.ListBanksResponse:
        return similarity_pb2.ListBanksResponse(
            banks=[_bank_status(status) for status in await self._core.list_banks()]
        )

    async def ExportBank(
        self, request: similarity_pb2.ExportBankRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[similarity_pb2.ExportBankResponse]:
        for item in await self._core.export_bank(request.bank):
            yield similarity_pb2.ExportBankResponse(
                item_id=item.item_id,
                label=item.label,
                hashes=frame_hashes(item.runs),
                source=signal_source(item.source) if item.source else None,
            )

    async def GetItemFrame(
        self, request: similarity_pb2.GetItemFrameRequest, context: grpc.aio.ServicerContext
    ) -> similarity_pb2.GetItemFrameResponse:
        still = await self._core.item_frame(
            bank=request.bank, item_id=request.item_id, seconds=request.seconds
        )
        return similarity_pb2.GetItemFrameResponse(jpeg=still.jpeg, seconds=still.seconds)


def _query_hashes(frames: Iterable[similarity_pb2.FrameHash]) -> list[QueryHash]:
    return [
        QueryHash(
            frame.pdq_hex,
            frame.timestamp_seconds,
            frame.quality,
            frame.duration_seconds if frame.HasField("duration_seconds") else None,
        )
        for frame in frames
    ]


def _bank_status(status: BankStatus) -> similarity_pb2.BankStatus:
    return similarity_pb2.BankStatus(
        bank=similarity_pb2.Bank(
            name=status.bank.name,
            max_distance=status.bank.max_distance,
            min_match_percent=status.bank.min_match_percent,
            description=status.bank.description,
            negative=status.bank.negative,
        ),
        item_count=status.item_count,
        index_snapshot=status.index_snapshot,
        base_size=status.base_size,
        delta_size=status.delta_size,
        stale_item_count=status.stale_item_count,
    )


def _match(match: Match) -> evidence_pb2.SimilarityMatch:
    return evidence_pb2.SimilarityMatch(
        item_id=match.item_id,
        bank=match.bank,
        distance=match.distance,
        query_match_percent=match.query_match_percent,
        item_match_percent=match.item_match_percent,
        query_ranges=_ranges(match.query_ranges),
        item_ranges=_ranges(match.item_ranges),
        label=match.label,
        index_snapshot=match.index_snapshot,
        signal=match.signal,
        stale_hashes=match.stale,
        source=signal_source(match.source) if match.source else None,
    )


def _source(wire: evidence_pb2.SignalSource) -> Source:
    if not 0 < len(wire.exchange) <= MAX_EXCHANGE_CHARS:
        raise InvalidArgument(
            f"source.exchange must be 1 to {MAX_EXCHANGE_CHARS} characters",
            field="source.exchange",
        )
    for name in ("collaboration", "external_id"):
        if len(getattr(wire, name)) > MAX_SOURCE_CHARS:
            raise InvalidArgument(
                f"source.{name} is longer than {MAX_SOURCE_CHARS} characters",
                field=f"source.{name}",
            )
    try:
        fetched_at = datetime.fromisoformat(wire.fetched_at)
    except ValueError:
        raise InvalidArgument(
            f"source.fetched_at must be an RFC 3339 time, got {wire.fetched_at!r}",
            field="source.fetched_at",
        ) from None
    if fetched_at.tzinfo is None:
        raise InvalidArgument(
            "source.fetched_at must name its zone (e.g. end in Z)", field="source.fetched_at"
        )
    return Source(wire.exchange, wire.collaboration, wire.external_id, fetched_at.astimezone(UTC))


def _blob(media: evidence_pb2.MediaRef) -> Blob:
    return Blob(media.sha256, media.uri, media.size_bytes, media.mime_type)


def _ranges(spans: Iterable[TimeRange]) -> list[evidence_pb2.TimeRange]:
    return [
        evidence_pb2.TimeRange(start_seconds=s.start_seconds, end_seconds=s.end_seconds)
        for s in spans
    ]


#: Seconds between readings of the bank sizes: counting a bank costs a query over its
#: items, so the gauges follow on a timer rather than after every write.
SIZES_EVERY_SECONDS = 15.0


async def _publish_sizes(core: Similarity) -> None:
    for status in await core.list_banks():
        INDEX_ITEMS.set(status.item_count, bank=status.bank.name)
        INDEX_DELTA.set(status.delta_size, bank=status.bank.name)


def build_service(settings: SimilaritySettings) -> Service:
    core = Similarity(settings)
    servicer = SimilarityServicer(core)

    background = Periodic()

    async def load() -> None:
        await core.open()
        await _publish_sizes(core)
        background.every(SIZES_EVERY_SECONDS, lambda: _publish_sizes(core), "read bank sizes")

    async def close() -> None:
        await background.stop()
        await core.close()

    return Service(
        name="similarity",
        grpc_services=[similarity_pb2.DESCRIPTOR.services_by_name["SimilarityService"].full_name],
        register=lambda server: similarity_pb2_grpc.add_SimilarityServiceServicer_to_server(
            servicer, server
        ),
        load=load,
        close=close,
        check=reachability_check(settings.store_url),
        unavailable_on=UNAVAILABLE_ERRORS,
    )
