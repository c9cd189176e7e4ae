"""A backfill run's slices: the cases whose id starts with one hex digit, each leased to
one scan at a time (modmesh.runtime.leases) and scanned from its own cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from modmesh.decision.audit import as_utc
from modmesh.decision.tables import BackfillSliceRow
from modmesh.runtime.leases import Lease


@dataclass(frozen=True)
class BackfillSlice:
    """One slice of a run, leased to the caller: the cases whose id starts with `prefix`,
    scanned after `cursor`."""

    run_id: str
    prefix: str
    cursor: tuple[datetime, str] | None


@dataclass(frozen=True)
class BackfillTally:
    """A run's counts across all its slices, after one item was recorded."""

    scanned: int
    matched: int
    created: int
    #: Whether this item opened a case.
    case_created: bool


#: Case ids are hex (uuid4): one slice per first digit.
SLICE_PREFIXES = "0123456789abcdef"
#: How a slice is leased to the scan that works on it (the lease's length is a setting).
SLICE_LEASE = Lease(BackfillSliceRow.lease_holder, BackfillSliceRow.lease_expires_at, seconds=30.0)


def slice_of(row: BackfillSliceRow) -> BackfillSlice:
    cursor = (
        None
        if row.cursor_created_at is None or row.cursor_case_id is None
        else (as_utc(row.cursor_created_at), row.cursor_case_id)
    )
    return BackfillSlice(row.run_id, row.prefix, cursor)
