"""The gRPC face of the similarity service: protobuf in, domain call, protobuf out."""

from __future__ import annotations

from collections.abc import Iterable

import grpc

from modmesh.common.evidence import TimeRange
from modmesh.common.v1 import evidence_pb2
from modmesh.runtime.blobs import Blob
from modmesh.runtime.metrics import Gauge
from modmesh.runtime.server import Service
from modmesh.runtime.settings import Settings
from modmesh.runtime.tracing import annotate
from modmesh.similarity.service import QueryHash, Similarity
from modmesh.similarity.v1 import similarity_pb2, similarity_pb2_grpc

INDEX_ITEMS = Gauge(
    "modmesh.similarity.index.items", "Known items in the index this process searches."
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
        )
        annotate(index_snapshot=added.index_snapshot)
        INDEX_ITEMS.set(self._core.item_count)
        return similarity_pb2.AddItemResponse(
            item_id=added.item_id,
            bank=added.bank,
            hash_count=added.hash_count,
            index_snapshot=added.index_snapshot,
        )

    async def Search(
        self, request: similarity_pb2.SearchRequest, context: grpc.aio.ServicerContext
    ) -> similarity_pb2.SearchResponse:
        query: Blob | list[QueryHash] | None = None
        which = request.WhichOneof("query")
        if which == "media":
            query = _blob(request.media)
        elif which == "hashes":
            query = [
                QueryHash(frame.pdq_hex, frame.timestamp_seconds, frame.quality)
                for frame in request.hashes.frames
            ]
        # proto3 cannot tell 0 from unset, so 0 asks for the default.
        result = await self._core.search(
            query,
            k=request.k if request.HasField("k") else None,
            max_distance=request.max_distance if request.HasField("max_distance") else None,
            banks=list(request.banks),
        )
        if which == "media":
            annotate(media_sha256=request.media.sha256)
        annotate(index_snapshot=result.index_snapshot, match_count=len(result.matches))
        return similarity_pb2.SearchResponse(
            matches=[
                evidence_pb2.SimilarityMatch(
                    item_id=match.item_id,
                    bank=match.bank,
                    distance=match.distance,
                    query_match_percent=match.query_match_percent,
                    item_match_percent=match.item_match_percent,
                    query_ranges=_ranges(match.query_ranges),
                    item_ranges=_ranges(match.item_ranges),
                    label=match.label,
                    index_snapshot=match.index_snapshot,
                )
                for match in result.matches
            ],
            query_hash_count=result.query_hash_count,
            index_snapshot=result.index_snapshot,
        )


def _blob(media: evidence_pb2.MediaRef) -> Blob:
    return Blob(media.sha256, media.uri, media.size_bytes, media.mime_type)


def _ranges(spans: Iterable[TimeRange]) -> list[evidence_pb2.TimeRange]:
    return [
        evidence_pb2.TimeRange(start_seconds=s.start_seconds, end_seconds=s.end_seconds)
        for s in spans
    ]


def build_service(settings: Settings) -> Service:
    core = Similarity(settings)
    servicer = SimilarityServicer(core)

    async def load() -> None:
        await core.open()
        INDEX_ITEMS.set(core.item_count)

    return Service(
        name="similarity",
        grpc_services=[similarity_pb2.DESCRIPTOR.services_by_name["SimilarityService"].full_name],
        register=lambda server: similarity_pb2_grpc.add_SimilarityServiceServicer_to_server(
            servicer, server
        ),
        load=load,
        close=core.close,
    )
