"""The blob sweeper: decision holds the only lasting references to media (its cases'
media and the clips its live flags keep), so it removes the blobs none refers to once
their grace period is over: uploads whose Submit never came, media of refused requests
the gateway could not remove."""

from __future__ import annotations

import asyncio
from typing import Protocol

import structlog
from sqlalchemy import select, union

from modmesh.decision.store import StoreBase
from modmesh.decision.tables import CaseRow, LiveFlagRow
from modmesh.runtime.blobs import BlobStore

log = structlog.get_logger()


class MediaReferences(Protocol):
    """What the blob sweeper asks: which blobs cases or live flags still refer to."""

    def referenced_media(self, sha256s: list[str]) -> set[str]: ...


class SqlMediaReferences(StoreBase):
    def referenced_media(self, sha256s: list[str]) -> set[str]:
        """The sha256s, of those given, that some case's media or live flag's clip has."""
        with self._sessions() as session:
            found = session.scalars(
                union(
                    select(CaseRow.media_sha256).where(CaseRow.media_sha256.in_(sha256s)),
                    select(LiveFlagRow.clip_sha256).where(LiveFlagRow.clip_sha256.in_(sha256s)),
                )
            )
            return set(found)


async def sweep_blobs(store: MediaReferences, blobs: BlobStore, grace_seconds: float) -> int:
    """One round: removes unreferenced blobs older than `grace_seconds`; returns how many."""
    removed = await asyncio.to_thread(blobs.sweep, store.referenced_media, grace_seconds)
    if removed:
        log.info("blobs swept", removed=removed)
    return removed
