"""What every service's migration tests ask of a database: whether its tables are the
ones its store's models describe, and which revision it records."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData

from modmesh.runtime.database import open_engine
from modmesh.runtime.migrations import Schema


def head_revision(schema: Schema) -> str:
    head = ScriptDirectory(str(schema.scripts)).get_current_head()
    if head is None:
        raise LookupError(f"{schema.scripts} holds no revision")
    return head


def current_revision(url: str, schema: Schema) -> str | None:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return _context(connection, schema).get_current_revision()
    finally:
        engine.dispose()


def schema_differences(url: str, schema: Schema, models: MetaData) -> list[Any]:
    """How the database's tables differ from the models; empty when they agree."""
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(_context(connection, schema), models))
    finally:
        engine.dispose()


def _context(connection: Connection, schema: Schema) -> MigrationContext:
    # The version table is the migrations' bookkeeping: not a difference from the models.
    return MigrationContext.configure(connection, opts={"version_table": schema.version_table})
