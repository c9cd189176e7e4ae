"""The termmatch tables as the store reads and writes them, and how a row becomes a term
or a list's settings: shared by the store (writes, whole versions) and the history
(searching, versions, what changed). The migrations build these tables, and a test
checks that the two agree.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from modmesh.contracts.evidence import Severity
from modmesh.runtime.audit import audit_table
from modmesh.termmatch.domain import ALWAYS, Flags, ListSettings, Term, TermKind, Window


class _Base(DeclarativeBase):
    pass


TABLES = _Base.metadata


class VersionRow(_Base):
    __tablename__ = "termmatch_list_versions"

    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Repeated from version 1 so that one row describes the version completely.
    list_created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # What the list's history shows of the version, kept here so that a page of versions
    # is one indexed read (see derived). NULL where a release before revision 0003 wrote
    # the version, until it is filled in.
    #: Who made the edit (the actor of its audit entry).
    actor: Mapped[str | None] = mapped_column(String(255))
    #: A ListEdit name.
    edit: Mapped[str | None] = mapped_column(String(32))
    terms_added: Mapped[int | None] = mapped_column(Integer)
    terms_removed: Mapped[int | None] = mapped_column(Integer)
    terms_changed: Mapped[int | None] = mapped_column(Integer)
    term_count: Mapped[int | None] = mapped_column(Integer)


class TermRow(_Base):
    __tablename__ = "termmatch_terms"
    __table_args__ = (
        # What an edit ended, in term id order: a replica reading an edit of a long list,
        # and a diff of one edit.
        Index("termmatch_terms_current", "list_id", "until_version", "term_id"),
        # What an edit began, likewise.
        Index("termmatch_terms_since", "list_id", "since_version", "term_id"),
        # A list's current terms in term id order, with what a search filters on, so
        # that a search walks this index alone and stops at a full page. Partial, not
        # (list_id, until_version, term_id): PostgreSQL reads no order from an index
        # after an IS NULL column, and would sort every current row of the list.
        Index(
            "termmatch_terms_search",
            "list_id",
            "term_id",
            "since_version",
            "search_key",
            sqlite_where=text("until_version IS NULL"),
            postgresql_where=text("until_version IS NULL"),
        ),
    )

    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    term_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    since_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    until_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Orders a list's terms: where the term first appeared, kept across updates.
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(35))
    note: Mapped[str] = mapped_column(Text)
    active_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    active_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: The folded text and id that searches look in (see folding); NULL, and found by no
    #: search, where a release before revision 0003 wrote the row, until it is filled in.
    search_key: Mapped[str | None] = mapped_column(Text)


#: Termmatch's keyed audit chain of list edits (see modmesh.runtime.audit).
AUDIT_TABLE = audit_table("termmatch", TABLES)

#: The columns `term_from_row` takes, in its order; selected as columns, not ORM objects,
#: because a list may have a million terms.
TERM_COLUMNS = (
    TermRow.term_id,
    TermRow.text,
    TermRow.severity,
    TermRow.category,
    TermRow.kind,
    TermRow.locale,
    TermRow.note,
    TermRow.active_from,
    TermRow.active_until,
)


def term_from_row(
    term_id: str,
    text: str,
    severity: str,
    category: str,
    kind: str,
    locale: str,
    note: str,
    active_from: datetime | None,
    active_until: datetime | None,
) -> Term:
    return Term(
        term_id=term_id,
        text=text,
        severity=Severity[severity],
        category=category,
        kind=TermKind[kind],
        locale=locale,
        note=note,
        window=_window(active_from, active_until) if active_from or active_until else ALWAYS,
    )


def settings_to_json(settings: ListSettings) -> dict[str, Any]:
    return {
        "name": settings.name,
        "description": settings.description,
        "flags": dataclasses.asdict(settings.flags),
        "exceptions": list(settings.exceptions),
        "active_from": _iso(settings.window.active_from),
        "active_until": _iso(settings.window.active_until),
    }


def settings_from_json(data: dict[str, Any]) -> ListSettings:
    return ListSettings(
        name=data["name"],
        description=data["description"],
        flags=Flags(**data["flags"]),
        exceptions=tuple(data["exceptions"]),
        window=_window(
            *(
                None if data[key] is None else datetime.fromisoformat(data[key])
                for key in ("active_from", "active_until")
            )
        ),
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _window(active_from: datetime | None, active_until: datetime | None) -> Window:
    return Window(
        None if active_from is None else utc(active_from),
        None if active_until is None else utc(active_until),
    )


def utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
