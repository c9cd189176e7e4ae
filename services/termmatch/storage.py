"""Persistence of term lists as immutable versions.

Each edit inserts one row holding the complete list at its new version and nothing is
ever updated, so the list a hit names (list id + version) can be read back later
exactly as it was applied. The (list_id, version) primary key also makes two writers
that race on the same list collide instead of silently losing an edit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from modmesh.common.evidence import Severity
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition
from modmesh.termmatch.model import Term, TermList


class ListStore(Protocol):
    def latest(self) -> list[TermList]:
        """Every list at its newest version, ordered by list id."""
        ...

    def get(self, list_id: str, version: int) -> TermList | None: ...

    def append(self, term_list: TermList) -> None:
        """Stores a new version; refuses one that already exists."""
        ...

    def close(self) -> None: ...


class _Base(DeclarativeBase):
    pass


class _ListVersion(_Base):
    __tablename__ = "term_list_versions"

    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Repeated from version 1 so that one row describes the list completely.
    list_created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SqlListStore:
    def __init__(self, url: str) -> None:
        self._engine = open_engine(url)
        _Base.metadata.create_all(self._engine)

    def latest(self) -> list[TermList]:
        newest = (
            select(_ListVersion.list_id, func.max(_ListVersion.version).label("version"))
            .group_by(_ListVersion.list_id)
            .subquery()
        )
        query = (
            select(_ListVersion)
            .join(
                newest,
                (_ListVersion.list_id == newest.c.list_id)
                & (_ListVersion.version == newest.c.version),
            )
            .order_by(_ListVersion.list_id)
        )
        with Session(self._engine) as session:
            return [_to_domain(row) for row in session.scalars(query)]

    def get(self, list_id: str, version: int) -> TermList | None:
        with Session(self._engine) as session:
            row = session.get(_ListVersion, (list_id, version))
            return None if row is None else _to_domain(row)

    def append(self, term_list: TermList) -> None:
        row = _ListVersion(
            list_id=term_list.list_id,
            version=term_list.version,
            name=term_list.name,
            description=term_list.description,
            terms=[_term_to_json(term) for term in term_list.terms],
            list_created_at=term_list.created_at,
            created_at=term_list.updated_at,
        )
        try:
            with Session(self._engine) as session, session.begin():
                session.add(row)
        except IntegrityError:
            if term_list.version == 1:
                raise AlreadyExists(
                    f"term list {term_list.list_id!r} already exists", field="list_id"
                ) from None
            raise FailedPrecondition(
                f"term list {term_list.list_id!r} was edited concurrently "
                f"(version {term_list.version} exists already); retry the edit",
                field="list_id",
            ) from None

    def close(self) -> None:
        self._engine.dispose()


def _term_to_json(term: Term) -> dict[str, Any]:
    # Severity by name: stored lists stay readable if the enum is ever renumbered.
    return {
        "term_id": term.term_id,
        "text": term.text,
        "severity": term.severity.name,
        "category": term.category,
    }


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _to_domain(row: _ListVersion) -> TermList:
    return TermList(
        list_id=row.list_id,
        name=row.name,
        description=row.description,
        version=row.version,
        terms=tuple(
            Term(t["term_id"], t["text"], Severity[t["severity"]], t["category"]) for t in row.terms
        ),
        created_at=_utc(row.list_created_at),
        updated_at=_utc(row.created_at),
    )
