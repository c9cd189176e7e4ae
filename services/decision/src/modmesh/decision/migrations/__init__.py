"""The decision schema's history as Alembic migrations, applied at every start.

`upgrade` brings any database, SQLite or PostgreSQL, to the newest schema: a fresh one is
built from the first revision, and one the spine made before migrations existed (tables,
but no version stamp) is stamped at the spine's revision and then upgraded. A new
revision goes in versions/ (`alembic revision` with this folder as script_location).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

#: The revision whose schema the spine created without Alembic.
SPINE_REVISION = "0001"


def config() -> Config:
    settings = Config()
    settings.set_main_option("script_location", str(Path(__file__).parent))
    return settings


def upgrade(engine: Engine, target: str = "head") -> None:
    """Applies every migration up to `target` that the database has not had yet, in one
    transaction."""
    settings = config()
    with engine.begin() as connection:
        settings.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "cases" in tables and "alembic_version" not in tables:
            command.stamp(settings, SPINE_REVISION)
        command.upgrade(settings, target)
