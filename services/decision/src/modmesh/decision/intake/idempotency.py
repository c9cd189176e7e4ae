"""Idempotent intake: a Submit that carries an idempotency key (the gateway passes its
`Idempotency-Key` header) is answered once, however often the client retries it, on
whichever replica.

The key remembers a fingerprint of the request it first came with (media, account,
content id, capture time) and the case that request opened. The same key with the same
request gets that first answer again; with another request it is refused with
ALREADY_EXISTS naming the key. Keys are kept `idempotency_key_hours` (a day by default)
and pruned after; an expired key counts as new.

Requests that race with one key take turns on its row: the first reserves it, the others
find it reserved with the same fingerprint and submit too, which finds the first one's
case (a case is unique per media and source), so one key never opens two cases.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import Case, Source
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import IdempotencyKeyRow
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import AlreadyExists, InvalidArgument

MAX_KEY_LENGTH = 255
#: Expired keys are deleted at most this often per process (as new keys are stored).
PRUNE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class FirstAnswer:
    """What the key's first request was answered: its case and whether that was a
    duplicate submission already."""

    case_id: str
    duplicate: bool


def fingerprint(
    media: Blob, account_id: str, content_id: str, capture_time: str, tenant: str = ""
) -> str:
    """The request as a key remembers it: what Submit stores, as the client sent it
    (an empty capture time stays empty, not the time it was received), and who sent it
    (another tenant's request under the same key is another request: a 409, never the
    first tenant's case)."""
    request = [media.sha256, account_id, content_id, capture_time, tenant]
    return hashlib.sha256(json.dumps(request).encode()).hexdigest()


def check_key(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument(
            f"idempotency_key is {len(key)} characters; at most {MAX_KEY_LENGTH}",
            field="idempotency_key",
        )


class IdempotencyStore(Protocol):
    """What idempotent intake reads and writes. Blocking; call it off the event loop."""

    def reserve_key(self, key: str, fingerprint: str) -> FirstAnswer | None: ...

    def remember_answer(
        self, key: str, fingerprint: str, case_id: str, duplicate: bool, opened_at: datetime
    ) -> FirstAnswer: ...

    def submit(self, media: Blob, source: Source, tenant: str = "") -> tuple[Case, bool]: ...

    def get(self, case_id: str) -> Case: ...


def submit_once(
    store: IdempotencyStore,
    key: str,
    request: str,
    media: Blob,
    source: Source,
    tenant: str = "",
) -> tuple[Case, bool, bool]:
    """Submits under an idempotency key. Returns the case, whether it was created by this
    call (its analysis is to be started) and the `duplicate` to answer (the first
    answer's, on a retry). Blocking."""
    first = store.reserve_key(key, request)
    if first is not None:
        return store.get(first.case_id), False, first.duplicate
    try:
        case, created = store.submit(media, source, tenant)
    except IntegrityError:
        # Another replica stored this very submission a moment ago; now it is found.
        case, created = store.submit(media, source, tenant)
    answer = store.remember_answer(key, request, case.case_id, not created, case.created_at)
    return case, created, answer.duplicate


class SqlIdempotency(StoreBase):
    #: Set by compose from the settings.
    idempotency_key_hours = 24.0
    _keys_pruned_at: datetime | None = None

    def reserve_key(self, key: str, fingerprint: str) -> FirstAnswer | None:
        """Stores a new key for this request and returns None (the caller submits), or
        returns the first answer to a retry of the same request (None while the first is
        still in flight); refuses a key first used with another request."""
        try:
            return self._reserve_key(key, fingerprint)
        except IntegrityError:
            # Two requests stored the new key at once; the loser now reads the winner's.
            return self._reserve_key(key, fingerprint)

    def _reserve_key(self, key: str, fingerprint: str) -> FirstAnswer | None:
        with self._write() as session:
            now = self._now()
            row = session.get(IdempotencyKeyRow, key, with_for_update=True)
            if row is not None and as_utc(row.created_at) <= now - self._key_lifetime:
                session.delete(row)
                session.flush()
                row = None
            if row is None:
                session.add(IdempotencyKeyRow(key=key, fingerprint=fingerprint, created_at=now))
                self._prune_keys(session, now)
                return None
            if row.fingerprint != fingerprint:
                raise AlreadyExists(
                    f"idempotency key {key!r} was used at {as_utc(row.created_at).isoformat()} "
                    "for another request (other media or source); a new request needs a new key",
                    field="idempotency_key",
                )
            if row.case_id is None:
                return None
            return FirstAnswer(row.case_id, bool(row.duplicate))

    def remember_answer(
        self, key: str, fingerprint: str, case_id: str, duplicate: bool, opened_at: datetime
    ) -> FirstAnswer:
        """Records the first answer under the key, or returns the one recorded before."""
        with self._write() as session:
            row = session.get(IdempotencyKeyRow, key, with_for_update=True)
            if row is None:  # pruned between reserve and now: keep the answer anyway
                row = IdempotencyKeyRow(key=key, fingerprint=fingerprint, created_at=self._now())
                session.add(row)
            if duplicate and as_utc(opened_at) >= as_utc(row.created_at):
                # Opened under this key by a request that did not get to answer (its
                # reply was lost and the client, or the channel, retried): not a duplicate.
                duplicate = False
            # The request that opened the case gave the first answer, even if a racing
            # one (which found the case it was opening) got here before it.
            if row.case_id is None or not duplicate:
                row.case_id, row.duplicate = case_id, duplicate
            return FirstAnswer(row.case_id, bool(row.duplicate))

    @property
    def _key_lifetime(self) -> timedelta:
        return timedelta(hours=self.idempotency_key_hours)

    def _prune_keys(self, session: Session, now: datetime) -> None:
        if self._keys_pruned_at is not None and now - self._keys_pruned_at < PRUNE_EVERY:
            return
        self._keys_pruned_at = now
        session.execute(
            delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < now - self._key_lifetime)
        )
