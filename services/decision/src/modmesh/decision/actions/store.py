"""The outbox: actions (and reversals) waiting to be carried out by the adapter."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, select

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import (
    DeliveryStatus,
)
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import (
    DeliveryRow,
)
from modmesh.runtime.errors import NotFound
from modmesh.runtime.leases import Lease


@dataclass(frozen=True)
class Delivery:
    """One action (or its reversal) to carry out through the adapter."""

    delivery_id: str
    action_id: str
    case_id: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int


class OutboxStore(Protocol):
    """What the dispatcher reads and writes. Blocking; call it off the event loop."""

    def claim_deliveries(self, holder: str, limit: int) -> list[Delivery]: ...

    def record_delivery(
        self,
        delivery_id: str,
        error: str | None,
        retry_at: datetime | None = None,
        via: str = "",
        holder: str | None = None,
    ) -> DeliveryStatus: ...


#: How a delivery is leased to the replica sending it (the lease's length is a setting).
DELIVERY_LEASE = Lease(DeliveryRow.lease_holder, DeliveryRow.lease_expires_at, seconds=30.0)


class SqlOutbox(StoreBase):
    #: The lease length compose sets from the settings (shared with the other leases).
    work_lease_seconds = DELIVERY_LEASE.seconds

    @property
    def _delivery_lease(self) -> Lease:
        return replace(DELIVERY_LEASE, seconds=self.work_lease_seconds)

    def due_deliveries(self, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first (leased or not)."""
        with self._sessions() as session:
            return [_delivery(r) for r in session.scalars(self._due().limit(limit))]

    def claim_deliveries(self, holder: str, limit: int) -> list[Delivery]:
        """Leases up to `limit` due deliveries that no other replica is sending to
        `holder`, oldest first; `record_delivery` with the same holder ends the lease.
        A replica that dies while sending loses them at the lease's expiry."""
        with self._write() as session:
            rows = self._delivery_lease.claim(session, self._due(), holder, limit)
            return [_delivery(r) for r in rows]

    def _due(self) -> Select[DeliveryRow]:
        return (
            select(DeliveryRow)
            .where(
                DeliveryRow.status == DeliveryStatus.PENDING.value,
                DeliveryRow.next_attempt_at <= self._now(),
            )
            .order_by(DeliveryRow.next_attempt_at.asc(), DeliveryRow.id.asc())
        )

    def record_delivery(
        self,
        delivery_id: str,
        error: str | None,
        retry_at: datetime | None = None,
        via: str = "",
        holder: str | None = None,
    ) -> DeliveryStatus:
        """Records one attempt: delivered (no error), to be retried at `retry_at`, or,
        without a retry time, dead-lettered for an operator to look at. Given the
        `holder` that claimed it, records nothing if the lease has passed to another
        replica (which sends it again under the same idempotency key and records that)."""
        with self._write() as session:
            row = session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None:
                raise NotFound(f"delivery {delivery_id!r} not found")
            if row.status != DeliveryStatus.PENDING.value:
                # Another dispatcher got there first; recording it twice would lie.
                return DeliveryStatus(row.status)
            if holder is not None:
                if row.lease_holder != holder:
                    return DeliveryStatus(row.status)
                self._delivery_lease.release(session, row, holder)
            row.attempts += 1
            row.updated_at = self._now()
            details: dict[str, Any] = {
                "delivery_id": row.id,
                "action_id": row.action_id,
                "kind": row.kind,
                "attempts": row.attempts,
                "via": via,
            }
            if error is None:
                row.status = DeliveryStatus.DELIVERED.value
                event = "action.delivered"
            elif retry_at is not None:
                row.last_error = error
                row.next_attempt_at = as_utc(retry_at)
                event = "action.delivery_failed"
                details |= {"error": error, "retry_at": row.next_attempt_at.isoformat()}
            else:
                row.last_error = error
                row.status = DeliveryStatus.DEAD.value
                event = "action.dead_lettered"
                details |= {"error": error}
            self._audit(session, event, row.case_id, details)
            return DeliveryStatus(row.status)


def _delivery(r: DeliveryRow) -> Delivery:
    return Delivery(r.id, r.action_id, r.case_id, r.kind, r.payload, r.idempotency_key, r.attempts)
