"""The outbox: actions (and reversals) waiting to be carried out by the adapter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import (
    DeliveryStatus,
)
from modmesh.decision.store import StoreBase
from modmesh.decision.tables import (
    DeliveryRow,
)
from modmesh.runtime.errors import NotFound


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

    def due_deliveries(self, limit: int) -> list[Delivery]: ...

    def record_delivery(
        self,
        delivery_id: str,
        error: str | None,
        retry_at: datetime | None = None,
        via: str = "",
    ) -> DeliveryStatus: ...


class SqlOutbox(StoreBase):
    def due_deliveries(self, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due, oldest first."""
        query = (
            select(DeliveryRow)
            .where(
                DeliveryRow.status == DeliveryStatus.PENDING.value,
                DeliveryRow.next_attempt_at <= self._now(),
            )
            .order_by(DeliveryRow.next_attempt_at.asc(), DeliveryRow.id.asc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [
                Delivery(
                    r.id, r.action_id, r.case_id, r.kind, r.payload, r.idempotency_key, r.attempts
                )
                for r in session.scalars(query)
            ]

    def record_delivery(
        self,
        delivery_id: str,
        error: str | None,
        retry_at: datetime | None = None,
        via: str = "",
    ) -> DeliveryStatus:
        """Records one attempt: delivered (no error), to be retried at `retry_at`, or,
        without a retry time, dead-lettered for an operator to look at."""
        with self._write() as session:
            row = session.get(DeliveryRow, delivery_id, with_for_update=True)
            if row is None:
                raise NotFound(f"delivery {delivery_id!r} not found")
            if row.status != DeliveryStatus.PENDING.value:
                # Another dispatcher got there first; recording it twice would lie.
                return DeliveryStatus(row.status)
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
