"""Evidence a person can play: a case's media (or a live flag's clip) from the blob store.

Whoever may read the case may play its media; the caller's credential is checked on
every request (the API's header, or the console's session cookie), so no token ever
rides in a URL that lands in logs. Players seek with HTTP Range requests, which
Starlette's FileResponse answers (206, Content-Range; 416 for a range past the end).

The bytes are a user's upload: they are served only as audio or video (the type the
uploader declared, when it is one), else as an attachment of no particular type, never
sniffed into a page (nosniff, and a sandboxing Content-Security-Policy of their own).
"""

from __future__ import annotations

from starlette.responses import FileResponse

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.runtime.blobs import BlobStore
from modmesh.runtime.errors import NotFound

#: What a player may be sent as what it is; anything else is an opaque download.
PLAYABLE = ("audio/", "video/")
OPAQUE = "application/octet-stream"


def media_response(media: evidence_pb2.MediaRef, store: BlobStore) -> FileResponse:
    """The stored bytes of a reference the mesh recorded (never one from the wire)."""
    path = store.stored(media.sha256)
    if path is None:
        # Swept, or on a volume this gateway does not mount; what exists is not said.
        raise NotFound("the media of this case is no longer stored", field="media")
    playable = media.mime_type.startswith(PLAYABLE)
    response = FileResponse(
        path,
        media_type=media.mime_type if playable else OPAQUE,
        content_disposition_type="inline" if playable else "attachment",
        filename=None if playable else media.sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    # Evidence is personal data: no shared cache keeps it.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def live_clip(case: decision_pb2.Case, flag_sequence: int) -> evidence_pb2.MediaRef:
    """The evidence clip a live stream's flag kept, as its case lists it."""
    for clip in case.live_clips:
        if clip.flag_sequence == flag_sequence:
            media: evidence_pb2.MediaRef = clip.media
            return media
    raise NotFound(f"the case has no clip of flag {flag_sequence}", field="flag_sequence")
