"""Decision's audit log: the keyed chain of `modmesh.runtime.audit` over its audit_log
table. Every mutation of a case, action, appeal, reviewer, account or rule set appends to
it in its own transaction (see `modmesh.decision.store`)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine

from modmesh.decision.tables import AUDIT_TABLE
from modmesh.runtime import audit
from modmesh.runtime.audit import AuditEntry, as_utc

__all__ = ["AUDIT_LOG_NAME", "AUDIT_TABLE", "as_utc", "read_entries"]

#: What checkpoints of this log call it.
AUDIT_LOG_NAME = "decision"


def read_entries(engine: Engine, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every entry of decision's log in chain order; reads only, never migrates."""
    return audit.read_entries(engine, AUDIT_TABLE, batch)
