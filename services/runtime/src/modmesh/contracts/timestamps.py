"""protobuf Timestamps and timezone-aware datetimes, converted one way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp


def to_timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def to_datetime(stamp: Timestamp) -> datetime:
    """The moment as an aware datetime in UTC."""
    moment: datetime = stamp.ToDatetime(tzinfo=UTC)
    return moment
