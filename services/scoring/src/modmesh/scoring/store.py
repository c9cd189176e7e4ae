"""Persistence of example sets as immutable versions, each edit with its audit entry.

Every edit is one transaction: the version row, the rows it ends and begins (tables.py),
and an entry of scoring's keyed audit chain naming the actor and what changed. The version
row's primary key makes two writers that race on one set collide instead of losing an edit.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modmesh.runtime import audit
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.database import open_engine
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition
from modmesh.runtime.migrations import migrate
from modmesh.scoring.domain import Example, ExampleSet, Label
from modmesh.scoring.migrations import SCHEMA
from modmesh.scoring.tables import AUDIT_TABLE, ExampleRow, SetVersionRow


@dataclass(frozen=True)
class SetChange:
    """One edit: the set at its new version, the examples it adds and the ids it ends."""

    example_set: ExampleSet
    added: tuple[Example, ...] = ()
    removed: Collection[str] = ()


class ExampleStore(Protocol):
    def heads(self) -> dict[str, int]:
        """Every set's newest version: cheap enough to poll several times a second."""
        ...

    def get(self, set_id: str, version: int | None = None) -> ExampleSet | None:
        """The set at `version` (default: its newest); None when it is not stored."""
        ...

    def append(self, change: SetChange, event: str, actor: str) -> None:
        """Stores a new version and its audit entry atomically; refuses a version that
        already exists."""
        ...

    def close(self) -> None: ...


class SqlExampleStore:
    def __init__(self, url: str, *, audit_key: AuditKey) -> None:
        self._engine = open_engine(url)
        migrate(self._engine, SCHEMA)
        self._audit_key = audit_key

    def heads(self) -> dict[str, int]:
        query = select(SetVersionRow.set_id, func.max(SetVersionRow.version)).group_by(
            SetVersionRow.set_id
        )
        with self._engine.connect() as connection:
            return {set_id: version for set_id, version in connection.execute(query)}

    def get(self, set_id: str, version: int | None = None) -> ExampleSet | None:
        with Session(self._engine) as session:
            if version is None:
                version = session.scalar(
                    select(func.max(SetVersionRow.version)).where(SetVersionRow.set_id == set_id)
                )
            row = session.get(SetVersionRow, (set_id, version)) if version else None
            if row is None:
                return None
            examples = session.execute(
                select(
                    ExampleRow.example_id,
                    ExampleRow.text,
                    ExampleRow.category,
                    ExampleRow.label,
                    ExampleRow.note,
                )
                .where(
                    ExampleRow.set_id == set_id,
                    ExampleRow.since_version <= row.version,
                    or_(
                        ExampleRow.until_version.is_(None),
                        ExampleRow.until_version > row.version,
                    ),
                )
                .order_by(ExampleRow.position)
            )
            return ExampleSet(
                set_id=set_id,
                version=row.version,
                name=row.name,
                description=row.description,
                examples=tuple(
                    Example(example_id, text, category, Label(label), note)
                    for example_id, text, category, label, note in examples
                ),
                thresholds={key: float(value) for key, value in row.thresholds.items()},
                created_at=_utc(row.set_created_at),
                updated_at=_utc(row.created_at),
            )

    def append(self, change: SetChange, event: str, actor: str) -> None:
        edited = change.example_set
        try:
            with Session(self._engine) as session, session.begin():
                # The version row goes first: a concurrent writer of the same version
                # fails here, before it has touched any example.
                session.add(
                    SetVersionRow(
                        set_id=edited.set_id,
                        version=edited.version,
                        name=edited.name,
                        description=edited.description,
                        thresholds=dict(edited.thresholds),
                        set_created_at=edited.created_at,
                        created_at=edited.updated_at,
                        actor=actor,
                    )
                )
                session.flush()
                if change.removed:
                    session.execute(
                        update(ExampleRow)
                        .values(until_version=edited.version)
                        .where(
                            ExampleRow.set_id == edited.set_id,
                            ExampleRow.until_version.is_(None),
                            ExampleRow.example_id.in_(list(change.removed)),
                        )
                    )
                first = (
                    session.scalar(
                        select(func.max(ExampleRow.position)).where(
                            ExampleRow.set_id == edited.set_id
                        )
                    )
                    or 0
                ) + 1
                if change.added:
                    session.execute(
                        insert(ExampleRow),
                        [
                            {
                                "set_id": edited.set_id,
                                "example_id": example.example_id,
                                "since_version": edited.version,
                                "until_version": None,
                                "position": first + offset,
                                "text": example.text,
                                "category": example.category,
                                "label": int(example.label),
                                "note": example.note,
                            }
                            for offset, example in enumerate(change.added)
                        ],
                    )
                audit.append(
                    session,
                    AUDIT_TABLE,
                    self._audit_key,
                    datetime.now(UTC),
                    actor,
                    event,
                    f"example-sets/{edited.set_id}",
                    {
                        "version": edited.version,
                        "added": [example.example_id for example in change.added],
                        "removed": sorted(change.removed),
                        "thresholds": dict(edited.thresholds),
                    },
                )
        except IntegrityError:
            if edited.version == 1:
                raise AlreadyExists(f"example set {edited.set_id!r} already exists") from None
            raise FailedPrecondition(
                f"example set {edited.set_id!r} changed while this edit was made; retry it"
            ) from None

    def close(self) -> None:
        self._engine.dispose()


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
