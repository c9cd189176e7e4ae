"""The review queue: open cases the reviewer may take, most urgent and oldest first,
filtered and paged on the server (a queue of 10,000 cases pages as fast as one of 10)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from modmesh.contracts.decision.v1 import decision_pb2

from ..routes.common import RPC_TIMEOUT_SECONDS
from . import present
from .web import Reader, Services, next_page, render

router = APIRouter()
PAGE_SIZE = 50
SourceName = Literal["", "recorded", "live", "backfill"]
Filter = Annotated[str, Query(max_length=200)]


@router.get("/queue")
async def queue_page(
    request: Request,
    session: Reader,
    services: Services,
    queue: Annotated[Literal["general", "protected"], Query()] = "general",
    category: Filter = "",
    list_id: Filter = "",
    language: Filter = "",
    source: Annotated[SourceName, Query()] = "",
    page_token: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    reply = await services.decision.ListQueue(
        decision_pb2.ListQueueRequest(
            reviewer_id=session.principal.subject,
            queue=decision_pb2.Queue.Value(f"QUEUE_{queue.upper()}"),
            limit=PAGE_SIZE,
            page_token=page_token,
            category=category,
            list_id=list_id,
            language=language,
            source=decision_pb2.CaseSource.Value(f"CASE_SOURCE_{source.upper()}")
            if source
            else decision_pb2.CASE_SOURCE_UNSPECIFIED,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    now = datetime.now(UTC)
    rows = [
        {
            "case": case,
            "due": present.moment(case.due_at),
            "overdue": (due := present.moment(case.due_at)) is not None and due < now,
            "terms": sorted({hit.term for hit in case.term_hits}),
        }
        for case in reply.cases
    ]
    filters = {
        "queue": queue,
        "category": category,
        "list_id": list_id,
        "language": language,
        "source": source,
    }
    return render(
        request,
        session,
        "queue.html",
        rows=rows,
        total=reply.total,
        filters=filters,
        first_page=not page_token,
        next_page=next_page(request, reply.next_page_token),
    )
