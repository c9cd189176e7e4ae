"""The scoring tables as the store reads and writes them; the migrations build them, and a
test checks that the two agree.

Example sets are stored as termmatch stores term lists: a version is a row, and each
example row records the version it appeared in and the version that removed it, so a set
at version v is its rows with since <= v < until, and every version a score names can be
read back. Room is left for what comes next: a version may later name the model it is
promoted for and a stage (shadow or promoted) in columns of its own row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from modmesh.runtime.audit import audit_table


class _Base(DeclarativeBase):
    pass


TABLES = _Base.metadata
AUDIT_TABLE = audit_table("scoring", TABLES)


class SetVersionRow(_Base):
    __tablename__ = "scoring_set_versions"

    set_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    #: {category: threshold}.
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Repeated from version 1 so that one row describes the version completely.
    set_created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Who made the edit (the actor of its audit entry).
    actor: Mapped[str] = mapped_column(String(255))


class ExampleRow(_Base):
    __tablename__ = "scoring_examples"
    __table_args__ = (Index("scoring_examples_current", "set_id", "until_version"),)

    set_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    example_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    until_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Orders a set's examples as they were added.
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text)
    #: A Label value.
    label: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(Text)
