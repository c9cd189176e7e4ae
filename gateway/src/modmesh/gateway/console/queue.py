"""The review queue: open cases the reviewer may take, most urgent and oldest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from modmesh.contracts.decision.v1 import decision_pb2

from ..routes.common import RPC_TIMEOUT_SECONDS
from . import present
from .web import Reader, Services, render

router = APIRouter()
PAGE_SIZE = 50


@router.get("/queue")
async def queue_page(
    request: Request,
    session: Reader,
    services: Services,
    queue: Annotated[Literal["general", "protected"], Query()] = "general",
) -> Response:
    reply = await services.decision.ListQueue(
        decision_pb2.ListQueueRequest(
            reviewer_id=session.principal.subject,
            queue=decision_pb2.Queue.Value(f"QUEUE_{queue.upper()}"),
            limit=PAGE_SIZE,
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
    return render(request, session, "queue.html", rows=rows, queue=queue, now=now)
