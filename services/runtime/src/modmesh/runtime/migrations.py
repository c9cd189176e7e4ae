"""Bringing a service's tables to its newest schema with Alembic, once per start.

Every service that owns tables keeps its history in a `migrations/` folder (env.py calls
`run_in_alembic_env`, versions/ holds the revisions) and describes it with a `Schema`.
`migrate` applies what the database has not had yet, under a lock, because replicas start
together: on PostgreSQL an advisory lock keyed by the service, on SQLite an exclusive lock
on a file beside the database. The second replica waits, then finds nothing left to do.

Services may share one PostgreSQL database: each records its revision in its own version
table. A database made before the service had migrations (its tables, no version table) is
adopted: stamped at the baseline revision, whose schema that release created, then upgraded.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, Engine, func, inspect, select

from modmesh.runtime.database import open_engine


@dataclass(frozen=True)
class Schema:
    """One service's migrations and how its databases record them."""

    #: Keys the lock: two replicas of one service take turns, other services do not wait.
    service: str
    #: The folder with env.py and versions/ (Alembic's script_location).
    scripts: Path
    #: Where the applied revision is recorded; one per service sharing a database.
    version_table: str
    #: The revision whose schema the release before migrations created by itself...
    baseline: str
    #: ...recognised by this table, present without the version table.
    baseline_table: str


def migrate(database: Engine | str, schema: Schema, target: str = "head") -> None:
    """Applies, in one transaction, every migration up to `target` that the database (an
    engine, or a URL for `open_engine`) has not had yet."""
    engine = open_engine(database) if isinstance(database, str) else database
    try:
        with engine.connect() as connection, _migration_lock(connection, schema.service):
            settings = _config(schema, connection)
            with connection.begin():
                tables = set(inspect(connection).get_table_names())
                if schema.baseline_table in tables and schema.version_table not in tables:
                    command.stamp(settings, schema.baseline)
                command.upgrade(settings, target)
    finally:
        if isinstance(database, str):
            engine.dispose()


def run_in_alembic_env() -> None:
    """The body of every service's env.py: runs the migrations on the connection and into
    the version table that `migrate` hands over."""
    settings = context.config
    context.configure(
        connection=settings.attributes["connection"],
        version_table=settings.attributes["version_table"],
        # SQLite alters tables by copying them; batch mode does that for us.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _config(schema: Schema, connection: Connection) -> Config:
    settings = Config()
    settings.set_main_option("script_location", str(schema.scripts))
    settings.attributes["connection"] = connection
    settings.attributes["version_table"] = schema.version_table
    return settings


@contextmanager
def _migration_lock(connection: Connection, service: str) -> Iterator[None]:
    backend = connection.dialect.name
    if backend == "postgresql":
        with _advisory_lock(connection, service):
            yield
    elif backend == "sqlite":
        database = connection.engine.url.database
        if not database or database == ":memory:":
            # Only this engine sees an in-memory database: nobody to race with.
            yield
        else:
            with _file_lock(Path(f"{database}.migrations.lock")):
                yield
    else:
        raise NotImplementedError(f"modmesh migrates SQLite and PostgreSQL, not {backend}")


@contextmanager
def _advisory_lock(connection: Connection, service: str) -> Iterator[None]:
    """A session-level lock, so it outlasts the migration's transaction (a transaction-level
    one would be released by the first commit)."""
    digest = hashlib.sha256(f"modmesh.migrations.{service}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)  # PostgreSQL's bigint
    connection.execute(select(func.pg_advisory_lock(key)))
    connection.commit()
    try:
        yield
    finally:
        connection.execute(select(func.pg_advisory_unlock(key)))
        connection.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """flock rather than SQLite's own write lock: that one gives up after the driver's busy
    timeout (5 s), shorter than a migration that rebuilds a large table."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
