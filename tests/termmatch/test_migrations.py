"""The termmatch schema is built by its migrations on both databases, matches the store's
models, a database the release before migrations made is adopted with its lists, and
what an older revision stored is filled in by the revisions after it."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from modmesh.runtime import audit
from modmesh.runtime.database import open_engine
from modmesh.runtime.migrations import migrate
from modmesh.termmatch.browse import ListBrowser
from modmesh.termmatch.domain import Flags, ListEdit
from modmesh.termmatch.migrations import SCHEMA
from modmesh.termmatch.store import SqlListStore
from modmesh.termmatch.tables import AUDIT_TABLE, TABLES
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


def test_revision_0003_fills_in_search_keys_and_each_version_s_history(
    database_url: str,
) -> None:
    """Versions stored before revision 0003 get their actor and kind of edit from the
    list's audit entries, and their counts from the rows; their terms become searchable."""
    make_database_at_revision_0002(database_url)

    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    browser = ListBrowser(store.history())

    versions = browser.list_versions("scams").versions
    assert [
        (v.version, v.actor, v.edit, v.terms_added, v.terms_removed, v.terms_changed, v.term_count)
        for v in versions
    ] == [
        (3, "ben", ListEdit.TERMS_REMOVED, 0, 1, 0, 1),
        (2, "cleo", ListEdit.TERMS_UPDATED, 0, 0, 1, 2),
        (1, "ana", ListEdit.CREATED, 2, 0, 0, 2),
    ]
    # A list older than the audit log: created, by nobody on record.
    (older,) = browser.list_versions("older").versions
    assert (older.actor, older.edit, older.terms_added, older.term_count) == (
        "",
        ListEdit.CREATED,
        1,
        1,
    )
    assert [t.text for t in browser.search_terms("scams", "GIFT", version=1).terms] == ["gift card"]
    assert [t.text for t in browser.search_terms("scams", "gift").terms] == ["gift cards"]
    assert [t.term_id for t in browser.search_terms("older", "ACT").terms] == ["act-now"]
    assert [c.term_id for c in browser.compare_versions("scams", 1).changes] == [
        "act-now",
        "gift-card",
    ]
    store.close()


def make_database_at_revision_0002(url: str) -> None:
    """The list "scams" created by ana (gift-card, act-now), gift-card's text changed by
    cleo, act-now removed by ben, each with its audit entry; and "older", created before
    the audit log existed."""
    engine = open_engine(url)
    migrate(engine, SCHEMA, "0002")
    versions = sa.table(
        "termmatch_list_versions",
        *(sa.column(name) for name in ("list_id", "version", "list_created_at", "created_at")),
        sa.column("settings", sa.JSON),
    )
    terms = sa.table("termmatch_terms", *(sa.column(name) for name in TERM_ROW))
    gift, act = TERM_ROW, {**TERM_ROW, "term_id": "act-now", "text": "act now", "position": 2}
    with engine.begin() as connection:
        for list_id, version in (("scams", 1), ("scams", 2), ("scams", 3), ("older", 1)):
            connection.execute(
                versions.insert(),
                {**VERSION_ROW, "list_id": list_id, "version": version},
            )
        connection.execute(
            terms.insert(),
            [
                {**gift, "until_version": 2},
                {**gift, "since_version": 2, "text": "gift cards"},
                {**act, "until_version": 3},
                {**act, "list_id": "older"},
            ],
        )
        for actor, action, version in (
            ("ana", "list.created", 1),
            ("cleo", "terms.updated", 2),
            ("ben", "terms.removed", 3),
        ):
            audit.append(
                connection,
                AUDIT_TABLE,
                AUDIT_KEY,
                NOW,
                actor,
                action,
                "lists/scams",
                {"version": version, "remove_all": False},
            )
    engine.dispose()


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
