"""The blob sweeper: decision holds the only lasting references to media (its cases),
so it removes the blobs none refers to once their grace period is over: uploads whose
Submit never came, media of refused requests the gateway could not remove."""

from __future__ import annotations

import asyncio

import structlog

from modmesh.decision.intake.store import MediaReferences
from modmesh.runtime.blobs import BlobStore

log = structlog.get_logger()


async def sweep_blobs(store: MediaReferences, blobs: BlobStore, grace_seconds: float) -> int:
    """One round: removes unreferenced blobs older than `grace_seconds`; returns how many."""
    removed = await asyncio.to_thread(blobs.sweep, store.referenced_media, grace_seconds)
    if removed:
        log.info("blobs swept", removed=removed)
    return removed
