"""Opening the SQL database a service owns: an SQLite file by default, PostgreSQL by DSN.

Written once so that every store gets the same behaviour: the SQLite file's folder is
created, SQLite enforces foreign keys, and pooled PostgreSQL connections are checked
before use (a database restart must not fail the next request).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url

#: How long a PostgreSQL connection attempt may take before the database counts as down
#: (libpq would otherwise wait for the operating system's TCP timeout).
CONNECT_TIMEOUT_SECONDS = 5

#: The errors that mean the database cannot be reached or is busy, not that the request
#: was wrong: a service answers them with UNAVAILABLE, which callers retry.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
)


def open_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL such as ``sqlite:///path.db`` or
    ``postgresql+psycopg://user@host:5432/db``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    )


def reachability_check(url: str) -> Callable[[], Awaitable[None]]:
    """A readiness check for the database at `url`: one query on a connection of its
    own (so that a pool full of busy store connections does not read as an outage);
    raises when the database cannot answer."""
    engine = open_engine(url)

    def ping() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def check() -> None:
        await asyncio.to_thread(ping)

    return check


def _enable_sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
