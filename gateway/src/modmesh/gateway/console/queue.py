"""The review queue: open cases the reviewer may take, most urgent and oldest first,
filtered and paged on the server (a queue of 10,000 cases pages as fast as one of 10)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ..routes.common import RPC_TIMEOUT_SECONDS
from ..routes.review import queue_request
from ..schemas import QueueName, SourceName
from . import present
from .web import Reader, Services, next_page, render

router = APIRouter()
PAGE_SIZE = 50
#: The form's "any" is the empty value.
SourceChoice = Literal["", SourceName]
Filter = Annotated[str, Query(max_length=200)]


@router.get("/queue")
async def queue_page(
    request: Request,
    session: Reader,
    services: Services,
    queue: Annotated[QueueName, Query()] = "general",
    category: Filter = "",
    list_id: Filter = "",
    language: Filter = "",
    source: Annotated[SourceChoice, Query()] = "",
    page_token: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    asked = queue_request(
        session.principal.subject,
        queue,
        PAGE_SIZE,
        page_token,
        category,
        list_id,
        language,
        source or None,
    )
    reply = await services.decision.ListQueue(asked, timeout=RPC_TIMEOUT_SECONDS)
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
