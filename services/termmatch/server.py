"""The termmatch gRPC servicer: protobuf in, domain calls, protobuf out.

The domain core blocks (SQL, matching long texts), so every call runs in a worker
thread to keep the event loop answering health checks and other requests.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from modmesh.common.evidence import Severity, Word
from modmesh.common.v1 import evidence_pb2
from modmesh.runtime.errors import Unavailable
from modmesh.runtime.metrics import Gauge
from modmesh.runtime.server import Service
from modmesh.runtime.settings import Settings
from modmesh.runtime.tracing import annotate
from modmesh.termmatch.model import Hit, MatchResult, Term, TermDraft, TermList
from modmesh.termmatch.service import TermMatch
from modmesh.termmatch.storage import SqlListStore
from modmesh.termmatch.v1 import termmatch_pb2 as pb
from modmesh.termmatch.v1 import termmatch_pb2_grpc

#: The version each replica serves: after a rollout of a list, every replica shows the new one.
LIST_VERSION = Gauge(
    "modmesh.termmatch.list.version", "Version of each term list this process matches with."
)


class TermMatchServicer(termmatch_pb2_grpc.TermMatchServiceServicer):
    def __init__(self) -> None:
        self._core: TermMatch | None = None

    def attach(self, core: TermMatch) -> None:
        self._core = core

    @property
    def core(self) -> TermMatch:
        # The server accepts calls before load() returns; health says NOT_SERVING then.
        if self._core is None:
            raise Unavailable("termmatch is still loading its term lists; retry shortly")
        return self._core

    async def Match(
        self, request: pb.MatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.MatchResponse:
        list_ids = list(request.list_ids)
        capture_time = (
            request.capture_time.ToDatetime(tzinfo=UTC)
            if request.HasField("capture_time")
            else None
        )
        result: MatchResult
        if request.WhichOneof("input") == "words":
            words = [Word(w.text, w.start_seconds, w.end_seconds) for w in request.words.words]
            result = await asyncio.to_thread(self.core.match_words, words, list_ids, capture_time)
        else:
            result = await asyncio.to_thread(
                self.core.match_text, request.text, list_ids, capture_time
            )
        annotate(
            list_versions=[f"{lst.list_id}@{lst.version}" for lst in result.lists],
            hit_count=len(result.hits),
        )
        return pb.MatchResponse(
            hits=[_hit_to_pb(hit) for hit in result.hits],
            text=result.text,
            lists=[_summary_to_pb(term_list) for term_list in result.lists],
        )

    async def CreateList(
        self, request: pb.CreateListRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateListResponse:
        created = await asyncio.to_thread(
            self.core.create_list,
            request.list_id,
            request.name,
            request.description,
            [_draft_from_pb(term) for term in request.terms],
        )
        _publish_version(created)
        return pb.CreateListResponse(list=_list_to_pb(created))

    async def GetList(
        self, request: pb.GetListRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetListResponse:
        found = await asyncio.to_thread(self.core.get_list, request.list_id)
        return pb.GetListResponse(list=_list_to_pb(found))

    async def ListLists(
        self, request: pb.ListListsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListListsResponse:
        lists = await asyncio.to_thread(self.core.list_lists)
        return pb.ListListsResponse(lists=[_summary_to_pb(term_list) for term_list in lists])

    async def AddTerms(
        self, request: pb.AddTermsRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddTermsResponse:
        edited = await asyncio.to_thread(
            self.core.add_terms, request.list_id, [_draft_from_pb(t) for t in request.terms]
        )
        _publish_version(edited)
        return pb.AddTermsResponse(list=_list_to_pb(edited))

    async def RemoveTerms(
        self, request: pb.RemoveTermsRequest, context: grpc.aio.ServicerContext
    ) -> pb.RemoveTermsResponse:
        edited = await asyncio.to_thread(
            self.core.remove_terms, request.list_id, list(request.term_ids)
        )
        _publish_version(edited)
        return pb.RemoveTermsResponse(list=_list_to_pb(edited))


def _publish_version(term_list: TermList) -> None:
    LIST_VERSION.set(term_list.version, list_id=term_list.list_id)


def _draft_from_pb(term: pb.Term) -> TermDraft:
    return TermDraft(
        text=term.text, severity=term.severity, category=term.category, term_id=term.term_id
    )


def _term_to_pb(term: Term) -> pb.Term:
    return pb.Term(
        term_id=term.term_id,
        text=term.text,
        severity=_severity_to_pb(term.severity),
        category=term.category,
    )


def _severity_to_pb(severity: Severity) -> str:
    # The wire enum's names are the domain's with the buf-style prefix.
    return f"SEVERITY_{severity.name}"


def _timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _list_to_pb(term_list: TermList) -> pb.TermList:
    return pb.TermList(
        list_id=term_list.list_id,
        name=term_list.name,
        description=term_list.description,
        version=term_list.version,
        terms=[_term_to_pb(term) for term in term_list.terms],
        created_at=_timestamp(term_list.created_at),
        updated_at=_timestamp(term_list.updated_at),
    )


def _summary_to_pb(term_list: TermList) -> pb.TermListSummary:
    return pb.TermListSummary(
        list_id=term_list.list_id,
        name=term_list.name,
        version=term_list.version,
        term_count=len(term_list.terms),
    )


def _hit_to_pb(hit: Hit) -> evidence_pb2.TermHit:
    message = evidence_pb2.TermHit(
        term_id=hit.term.term_id,
        term=hit.term.text,
        list_id=hit.list_id,
        list_version=hit.list_version,
        severity=_severity_to_pb(hit.term.severity),
        category=hit.term.category,
        span=evidence_pb2.TextSpan(start=hit.start, end=hit.end),
        matched_text=hit.matched_text,
    )
    if hit.word_start_index is not None and hit.word_end_index is not None:
        message.word_start_index = hit.word_start_index
        message.word_end_index = hit.word_end_index
    if hit.time_range is not None:
        message.time_range.start_seconds = hit.time_range.start_seconds
        message.time_range.end_seconds = hit.time_range.end_seconds
    return message


def build_service(settings: Settings) -> Service:
    servicer = TermMatchServicer()
    stores: list[SqlListStore] = []

    async def load() -> None:
        store = await asyncio.to_thread(SqlListStore, settings.database_url_for("termmatch"))
        stores.append(store)
        core = TermMatch(store, max_text_chars=settings.max_text_chars)
        await asyncio.to_thread(core.load)
        for term_list in await asyncio.to_thread(core.list_lists):
            _publish_version(term_list)
        servicer.attach(core)

    async def close() -> None:
        for store in stores:
            await asyncio.to_thread(store.close)

    return Service(
        name="termmatch",
        grpc_services=[pb.DESCRIPTOR.services_by_name["TermMatchService"].full_name],
        register=lambda server: termmatch_pb2_grpc.add_TermMatchServiceServicer_to_server(
            servicer, server
        ),
        load=load,
        close=close,
    )
