"""A fresh PostgreSQL database for one run, dropped afterwards: every replica of every
service keeps its tables there, as they share one server in a cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

#: The server's maintenance URL (trust auth); the run's database sits beside `test`.
SERVER_URL = os.environ.get(
    "MODMESH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def fresh_database(name: str, server_url: str = SERVER_URL) -> Iterator[str]:
    """Creates database `name` (dropping a leftover of the same name), yields its URL and
    drops it, with every connection still open to it, on the way out."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        raise SystemExit(
            f"PostgreSQL is not reachable at {server_url} ({error.orig}); start it or "
            "point MODMESH_TEST_POSTGRES_URL at a server with trust auth"
        ) from None
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
