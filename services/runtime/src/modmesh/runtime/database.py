"""Opening the SQL database a service owns: an SQLite file by default, PostgreSQL by DSN.

Written once so that every store gets the same behaviour: the SQLite file's folder is
created, SQLite enforces foreign keys, and pooled PostgreSQL connections are checked
before use (a database restart must not fail the next request).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


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
    return create_engine(url, pool_pre_ping=True)


def _enable_sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
