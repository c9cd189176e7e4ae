"""The termmatch schema is built by its migrations on both databases, matches the store's
models, and a database the release before migrations made is adopted with its lists."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from modmesh.runtime.database import open_engine
from modmesh.runtime.migrations import migrate
from modmesh.termmatch.domain import Flags
from modmesh.termmatch.migrations import SCHEMA
from modmesh.termmatch.store import SqlListStore
from modmesh.termmatch.tables import TABLES
from tests.migrations import current_revision, head_revision, schema_differences
from tests.support import AUDIT_KEY
from tests.termmatch.test_storage import NOW, first_version


def test_a_fresh_database_is_migrated_to_the_newest_revision(database_url: str) -> None:
    SqlListStore(database_url, audit_key=AUDIT_KEY).close()

    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)


def test_the_models_match_what_the_migrations_build(database_url: str) -> None:
    SqlListStore(database_url, audit_key=AUDIT_KEY).close()

    assert schema_differences(database_url, SCHEMA, TABLES) == []


def test_a_database_made_before_migrations_is_adopted_with_its_lists(database_url: str) -> None:
    make_database_as_the_release_before_migrations(database_url)

    adopted = SqlListStore(database_url, audit_key=AUDIT_KEY)

    assert adopted.latest() == [first_version()]
    adopted.close()
    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)
    assert schema_differences(database_url, SCHEMA, TABLES) == []


def make_database_as_the_release_before_migrations(url: str) -> None:
    """What that release's SqlListStore left: the tables revision 0001 builds (it builds
    exactly those), no version table; and the list `first_version()` as it stored it."""
    engine = open_engine(url)
    migrate(engine, SCHEMA, SCHEMA.baseline)
    versions = sa.table(
        "termmatch_list_versions",
        *(sa.column(name) for name in ("list_id", "version", "list_created_at", "created_at")),
        sa.column("settings", sa.JSON),
    )
    terms = sa.table("termmatch_terms", *(sa.column(name) for name in TERM_ROW))
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {SCHEMA.version_table}"))
        connection.execute(versions.insert(), VERSION_ROW)
        connection.execute(terms.insert(), TERM_ROW)
    engine.dispose()


#: Version 1 of `first_version()` as the releases before revision 0003 stored it.
VERSION_ROW = {
    "list_id": "scams",
    "version": 1,
    "settings": {
        "name": "Scams",
        "description": "for tests",
        "flags": dataclasses.asdict(Flags()),
        "exceptions": [],
        "active_from": None,
        "active_until": None,
    },
    "list_created_at": NOW,
    "created_at": NOW,
}


#: The term of `first_version()` as the releases before revision 0003 stored it.
TERM_ROW = {
    "list_id": "scams",
    "term_id": "gift-card",
    "since_version": 1,
    "until_version": None,
    "position": 1,
    "text": "gift card",
    "kind": "WORD",
    "severity": "HIGH",
    "category": "scam",
    "locale": "",
    "note": "",
    "active_from": None,
    "active_until": None,
}
