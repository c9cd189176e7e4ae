"""The termmatch gRPC servicer: protobuf in, domain calls, protobuf out.

The domain core blocks (SQL, matching long texts), so every call runs in a worker
thread to keep the event loop answering health checks and other requests. A
background task polls the database for versions other replicas wrote.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence

import grpc
import structlog

from modmesh.contracts.evidence import Word
from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from modmesh.contracts.timestamps import to_datetime
from modmesh.runtime.actor import actor_of
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.background import Periodic
from modmesh.runtime.database import UNAVAILABLE_ERRORS, reachability_check
from modmesh.runtime.errors import InvalidArgument, Unavailable
from modmesh.runtime.metrics import Gauge
from modmesh.runtime.server import Service
from modmesh.runtime.tracing import annotate
from modmesh.termmatch.automaton import warm_up
from modmesh.termmatch.browse import ListBrowser
from modmesh.termmatch.convert import (
    change_to_pb,
    draft_from_pb,
    hit_to_pb,
    list_to_pb,
    readable_list_to_pb,
    settings_from_pb,
    summary_to_pb,
    term_to_pb,
    version_to_pb,
)
from modmesh.termmatch.core import TermMatch
from modmesh.termmatch.domain import TermDraft, TermList
from modmesh.termmatch.matcher import SWITCH_INTERVAL_S
from modmesh.termmatch.settings import AUDIT_KEY_ENV, TermMatchSettings
from modmesh.termmatch.store import SqlListStore

log = structlog.get_logger("modmesh.termmatch")

#: The version each replica serves: after a rollout of a list, every replica shows the new one.
LIST_VERSION = Gauge(
    "modmesh.termmatch.list.version", "Version of each term list this process matches with."
)

#: How often a replica looks for versions written by another (edits apply within 1 s).
REFRESH_SECONDS = 0.2
#: Terms per ExportTerms message, well under the message size limit.
EXPORT_BATCH = 10_000


class TermMatchServicer(termmatch_pb2_grpc.TermMatchServiceServicer):
    def __init__(self) -> None:
        self._core: TermMatch | None = None
        self._browser: ListBrowser | None = None

    def attach(self, core: TermMatch, browser: ListBrowser) -> None:
        self._core, self._browser = core, browser

    @property
    def core(self) -> TermMatch:
        # The server accepts calls before load() returns; health says NOT_SERVING then.
        if self._core is None:
            raise Unavailable("termmatch is still loading its term lists; retry shortly")
        return self._core

    @property
    def browser(self) -> ListBrowser:
        if self._browser is None:
            raise Unavailable("termmatch is still loading its term lists; retry shortly")
        return self._browser

    async def Match(
        self, request: pb.MatchRequest, context: grpc.aio.ServicerContext
    ) -> pb.MatchResponse:
        # Not copied: the core counts them before it reads one.
        list_ids = request.list_ids
        capture_time = (
            to_datetime(request.capture_time, "capture_time")
            if request.HasField("capture_time")
            else None
        )
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
            hits=[hit_to_pb(hit) for hit in result.hits],
            text=result.text,
            lists=[summary_to_pb(term_list) for term_list in result.lists],
        )

    async def CreateList(
        self, request: pb.CreateListRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateListResponse:
        created = await asyncio.to_thread(
            self.core.create_list,
            request.list_id,
            settings_from_pb(request),
            [draft_from_pb(term) for term in request.terms],
            actor=actor_of(request),
        )
        return pb.CreateListResponse(list=list_to_pb(created))

    async def GetList(
        self, request: pb.GetListRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetListResponse:
        found = await asyncio.to_thread(
            self.core.get_list, request.list_id, request.version or None
        )
        return pb.GetListResponse(list=await asyncio.to_thread(readable_list_to_pb, found))

    async def ListLists(
        self, request: pb.ListListsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListListsResponse:
        lists = await asyncio.to_thread(self.core.list_lists)
        return pb.ListListsResponse(lists=[summary_to_pb(term_list) for term_list in lists])

    async def AddTerms(
        self, request: pb.AddTermsRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddTermsResponse:
        change = await asyncio.to_thread(
            self.core.add_terms,
            request.list_id,
            [draft_from_pb(t) for t in request.terms],
            actor=actor_of(request),
        )
        return pb.AddTermsResponse(
            list=list_to_pb(change.term_list, with_terms=False),
            terms=[term_to_pb(term) for term in change.added],
        )

    async def RemoveTerms(
        self, request: pb.RemoveTermsRequest, context: grpc.aio.ServicerContext
    ) -> pb.RemoveTermsResponse:
        change = await asyncio.to_thread(
            self.core.remove_terms,
            request.list_id,
            list(request.term_ids),
            actor=actor_of(request),
        )
        return pb.RemoveTermsResponse(list=list_to_pb(change.term_list, with_terms=False))

    async def UpdateTerms(
        self, request: pb.UpdateTermsRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateTermsResponse:
        change = await asyncio.to_thread(
            self.core.update_terms,
            request.list_id,
            [draft_from_pb(t) for t in request.terms],
            actor=actor_of(request),
        )
        return pb.UpdateTermsResponse(
            list=list_to_pb(change.term_list, with_terms=False),
            terms=[term_to_pb(term) for term in change.added],
        )

    async def UpdateList(
        self, request: pb.UpdateListRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateListResponse:
        edited = await asyncio.to_thread(
            self.core.update_list,
            request.list_id,
            settings_from_pb(request),
            actor=actor_of(request),
        )
        return pb.UpdateListResponse(list=list_to_pb(edited, with_terms=False))

    async def ImportTerms(
        self,
        request_iterator: AsyncIterator[pb.ImportTermsRequest],
        context: grpc.aio.ServicerContext,
    ) -> pb.ImportTermsResponse:
        list_id = actor = ""
        replace_all = False
        rows: list[tuple[int, TermDraft]] = []
        first = True
        async for request in request_iterator:
            if first:
                list_id, replace_all, first = request.list_id, request.replace, False
                actor = actor_of(request)
            rows.extend((row.line, draft_from_pb(row.term)) for row in request.rows)
        if first:
            raise InvalidArgument("send at least one message naming the list", field="list_id")
        imported = await asyncio.to_thread(
            self.core.import_terms, list_id, rows, replace_all=replace_all, actor=actor
        )
        log.info("imported terms", list_id=list_id, rows=len(rows), version=imported.version)
        return pb.ImportTermsResponse(list=summary_to_pb(imported), rows=len(rows))

    async def ExportTerms(
        self, request: pb.ExportTermsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ExportTermsResponse]:
        found = await asyncio.to_thread(
            self.core.get_list, request.list_id, request.version or None
        )
        yield pb.ExportTermsResponse(list=list_to_pb(found, with_terms=False))
        for first in range(0, len(found.terms), EXPORT_BATCH):
            batch = found.terms[first : first + EXPORT_BATCH]
            yield pb.ExportTermsResponse(terms=[term_to_pb(term) for term in batch])

    async def SearchTerms(
        self, request: pb.SearchTermsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SearchTermsResponse:
        page = await asyncio.to_thread(
            self.browser.search_terms,
            request.list_id,
            request.query,
            request.version,
            request.page_size,
            request.page_token,
        )
        return pb.SearchTermsResponse(
            terms=[term_to_pb(term) for term in page.terms],
            version=page.version,
            next_page_token=page.next_page_token,
        )

    async def ListVersions(
        self, request: pb.ListVersionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListVersionsResponse:
        page = await asyncio.to_thread(
            self.browser.list_versions, request.list_id, request.page_size, request.page_token
        )
        return pb.ListVersionsResponse(
            versions=[version_to_pb(version) for version in page.versions],
            next_page_token=page.next_page_token,
        )

    async def CompareVersions(
        self, request: pb.CompareVersionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompareVersionsResponse:
        page = await asyncio.to_thread(
            self.browser.compare_versions,
            request.list_id,
            request.from_version,
            request.to_version,
            request.page_size,
            request.page_token,
        )
        return pb.CompareVersionsResponse(
            from_version=page.from_version,
            to_version=page.to_version,
            changes=[change_to_pb(change) for change in page.changes],
            next_page_token=page.next_page_token,
        )


async def _refresh(core: TermMatch) -> None:
    """Swaps in versions other replicas wrote."""
    if await asyncio.to_thread(core.refresh):
        log.info("term lists refreshed", lists=len(core.list_lists()))


def _publish_versions(lists: Sequence[TermList]) -> None:
    for term_list in lists:
        LIST_VERSION.set(term_list.version, list_id=term_list.list_id)


def build_service(settings: TermMatchSettings) -> Service:
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    servicer = TermMatchServicer()
    stores: list[SqlListStore] = []
    background = Periodic()

    async def load() -> None:
        audit_key = AuditKey.from_setting(settings.audit_key, AUDIT_KEY_ENV)
        store = await asyncio.to_thread(SqlListStore, settings.store_url, audit_key=audit_key)
        stores.append(store)
        core = TermMatch(store, max_text_chars=settings.max_text_chars, on_swap=_publish_versions)
        await asyncio.to_thread(warm_up)
        await asyncio.to_thread(core.load)
        servicer.attach(core, ListBrowser(store.history()))
        background.every(REFRESH_SECONDS, lambda: _refresh(core), "refresh term lists")

    async def close() -> None:
        await background.stop()
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
        check=reachability_check(settings.store_url),
        unavailable_on=UNAVAILABLE_ERRORS,
    )
