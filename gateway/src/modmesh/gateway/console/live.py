"""The live wall: streams moderated now and just ended, their flags as they arrive
(server-sent events, polled from decision's ListLiveStreams by cursor), each flag's
evidence clip, and ending a stream where the role allows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from modmesh.contracts.decision.v1 import decision_pb2

from ..routes.common import RPC_TIMEOUT_SECONDS
from . import present
from .web import CsrfToken, Moderator, Reader, Services, render

router = APIRouter()
#: How often the event stream asks decision for new flags: a flag is on the wall within
#: about this long after it is stored.
POLL_SECONDS = 0.5
#: Flags the page shows when it opens (the newest).
FLAGS_SHOWN = 50


def flag_view(flag: decision_pb2.LiveWallFlag) -> dict[str, Any]:
    """A flag as the wall shows it; the page's script builds it from this JSON (as text,
    never as markup)."""
    hit = flag.flag.hit
    sequence = flag.flag.sequence
    case_id = flag.flag.case_id
    return {
        "flag_id": flag.flag_id,
        "stream_id": flag.stream_id,
        "term": hit.term,
        "heard": hit.matched_text or hit.term,
        "list": f"{hit.list_id} v{hit.list_version}",
        "at": present.clock(hit.time_range.start_seconds),
        "flagged_at": present.iso(flag.flagged_at),
        "case_id": case_id,
        "clip": f"/console/cases/{case_id}/clips/{sequence}" if case_id else "",
    }


def stream_view(stream: decision_pb2.LiveStream) -> dict[str, Any]:
    return {
        "stream_id": stream.stream_id,
        "account_id": stream.account_id,
        "moderated": present.clock(stream.moderated_seconds),
        "flags": stream.flag_count,
        "case_id": stream.case_id,
        "on_air": stream.connected and not stream.HasField("ended_at"),
        "ended": stream.HasField("ended_at"),
    }


async def _wall(services: Services, after: int) -> decision_pb2.ListLiveStreamsResponse:
    reply: decision_pb2.ListLiveStreamsResponse = await services.decision.ListLiveStreams(
        decision_pb2.ListLiveStreamsRequest(after_flag_id=after), timeout=RPC_TIMEOUT_SECONDS
    )
    return reply


@router.get("/live")
async def live_page(request: Request, session: Reader, services: Services) -> Response:
    wall = await _wall(services, 0)
    flags = [flag_view(f) for f in wall.flags][-FLAGS_SHOWN:]
    return render(
        request,
        session,
        "live.html",
        streams=[stream_view(s) for s in wall.streams],
        flags=list(reversed(flags)),
        cursor=wall.next_after_flag_id,
    )


@router.get("/live/events")
async def live_events(
    request: Request,
    session: Reader,
    services: Services,
    after: Annotated[int, Query(ge=0)] = 0,
) -> StreamingResponse:
    """Server-sent events: `flag` for each new flag, `streams` when the streams change."""

    async def events() -> AsyncIterator[str]:
        cursor, shown = after, None
        while not await request.is_disconnected():
            wall = await _wall(services, cursor)
            for flag in wall.flags:
                yield f"event: flag\ndata: {json.dumps(flag_view(flag))}\n\n"
            cursor = max(cursor, wall.next_after_flag_id)
            streams = [stream_view(s) for s in wall.streams]
            if streams != shown:
                yield f"event: streams\ndata: {json.dumps(streams)}\n\n"
                shown = streams
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@router.post("/live/{case_id}/end")
async def end_stream(
    case_id: str,
    session: Moderator,
    services: Services,
    csrf: CsrfToken,
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    """Ends the stream whose case this is: the moderator claims the case and records
    END_STREAM, which decision carries to the broadcaster's call and the platform."""
    session.check_csrf(csrf)
    reviewer = session.principal.subject
    await services.decision.ClaimCase(
        decision_pb2.ClaimCaseRequest(case_id=case_id, reviewer_id=reviewer),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    await services.decision.RecordAction(
        decision_pb2.RecordActionRequest(
            case_id=case_id,
            type=decision_pb2.ACTION_TYPE_END_STREAM,
            actor=reviewer,
            reason=reason,
        ),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return RedirectResponse("/console/live", status_code=303)
