"""protobuf Timestamps and timezone-aware datetimes, converted one way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from modmesh.runtime.errors import InvalidArgument

#: What a Timestamp may hold (its own definition): 0001-01-01 to 9999-12-31 in UTC.
MIN_SECONDS = -62_135_596_800
MAX_SECONDS = 253_402_300_799
MAX_NANOS = 999_999_999


def to_timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def to_datetime(stamp: Timestamp, field: str = "") -> datetime:
    """The moment as an aware datetime in UTC. A stamp outside what a Timestamp may hold
    (a caller's, say) is INVALID_ARGUMENT naming `field`."""
    if not (MIN_SECONDS <= stamp.seconds <= MAX_SECONDS and 0 <= stamp.nanos <= MAX_NANOS):
        raise InvalidArgument(
            f"{field or 'time'} is not a time: seconds must lie between the years 0001 and "
            f"9999 and nanos between 0 and {MAX_NANOS:,} (got {stamp.seconds} s, "
            f"{stamp.nanos} ns)",
            field=field or None,
        )
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment
