"""Known items' frames beside a case's matches: similarity keeps small stills of each item
added from video (GetItemFrame), which the case page shows next to this media's frame at
each matched range. Items added as hashes only (shared by another platform, imported)
have none, and the page says so instead.
"""

from __future__ import annotations

import asyncio
import enum
from typing import Annotated
from urllib.parse import quote

import grpc
import structlog
from fastapi import APIRouter, Depends
from starlette.responses import Response

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.similarity.v1 import similarity_pb2
from modmesh.runtime.roles import Role

from ..routes.common import RPC_TIMEOUT_SECONDS
from .session import Session
from .web import Services, signed_in

log = structlog.get_logger()
router = APIRouter()
#: Who sees known items' frames: reviewers and auditors, not appellants (a known item is
#: someone else's media, often the worst of it).
VIEWERS = frozenset({Role.MODERATOR, Role.AUDITOR})
Viewer = Annotated[Session, Depends(signed_in(*VIEWERS))]


class ItemFrames(enum.StrEnum):
    """Whether a match's known item has frames to show, as the case page tells it."""

    KEPT = "kept"
    #: Added as hashes (or from audio), so similarity never had its frames; or removed
    #: from the bank since the case was opened.
    NONE = "none"
    #: Similarity did not answer: the frames may be there, the page cannot say.
    UNKNOWN = "unknown"


def frame_url(match: evidence_pb2.SimilarityMatch, seconds: float) -> str:
    """The console's address of the item's frame nearest `seconds` of it. Bank and item
    ids are quoted whole: an item id chosen by an operator may hold '/' or '?'."""
    bank, item = quote(match.bank, safe=""), quote(match.item_id, safe="")
    return f"/console/items/{bank}/{item}/frames/{seconds:.3f}.jpg"


async def item_frames(
    services: Services, matches: list[evidence_pb2.SimilarityMatch]
) -> list[ItemFrames]:
    """For each match, whether its known item has frames: similarity is asked once per
    match, all at once, for the frame where the match begins in the item."""
    return list(await asyncio.gather(*(_item_frames(services, match) for match in matches)))


async def _item_frames(services: Services, match: evidence_pb2.SimilarityMatch) -> ItemFrames:
    if match.signal == "audio":  # an item matched by its sound was kept as a fingerprint
        return ItemFrames.NONE
    start = match.item_ranges[0].start_seconds if match.item_ranges else 0.0
    try:
        await services.similarity.GetItemFrame(
            similarity_pb2.GetItemFrameRequest(
                bank=match.bank, item_id=match.item_id, seconds=start
            ),
            timeout=RPC_TIMEOUT_SECONDS,
        )
    except grpc.aio.AioRpcError as error:
        # The case is shown whatever similarity says: its frames are an aid, not the case.
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return ItemFrames.NONE
        log.warning("known item's frames unknown", bank=match.bank, code=error.code().name)
        return ItemFrames.UNKNOWN
    return ItemFrames.KEPT


@router.get("/items/{bank}/{item_id:path}/frames/{seconds:float}.jpg")
async def item_frame(
    bank: str, item_id: str, seconds: float, session: Viewer, services: Services
) -> Response:
    """A known item's still nearest `seconds` of it: a JPEG similarity made itself, at most
    160 pixels a side, served as nothing but an image and kept by no cache."""
    reply = await services.similarity.GetItemFrame(
        similarity_pb2.GetItemFrameRequest(bank=bank, item_id=item_id, seconds=seconds),
        timeout=RPC_TIMEOUT_SECONDS,
    )
    return Response(
        reply.jpeg,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
