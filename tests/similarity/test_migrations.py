"""The similarity schema is built by its migrations on both databases, matches the
store's models, a database the release before migrations made is adopted with its banks,
items and removal log, one at revision 0002 gains the stills of known items, one at 0003
has its PDQ items marked stale, and one at 0004 gains signal sources and negative banks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa

from modmesh.runtime.database import open_engine
from modmesh.runtime.migrations import migrate
from modmesh.similarity.domain import Bank, Mark, Source, Still, StoredItem
from modmesh.similarity.hashing import HASHER, LEGACY_HASHER, HashRun
from modmesh.similarity.migrations import SCHEMA
from modmesh.similarity.store import SqlSimilarityStore
from modmesh.similarity.tables import TABLES
from tests.migrations import current_revision, head_revision, schema_differences
from tests.support import AUDIT_KEY

BANK = Bank("scams", max_distance=31, min_match_percent=50.0, description="known scams")
RUN = HashRun(bytes(range(32)), 0.0, 1.5, 90)
KEPT = StoredItem("scams", "kept", "a known scam", (RUN,))
#: KEPT once revision 0004 has marked it hashed by modmesh's PDQ before it matched the
#: reference.
KEPT_STALE = replace(KEPT, hasher=LEGACY_HASHER)


def test_a_fresh_database_is_migrated_to_the_newest_revision(database_url: str) -> None:
    SqlSimilarityStore(database_url, audit_key=AUDIT_KEY).close()

    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)


def test_the_models_match_what_the_migrations_build(database_url: str) -> None:
    SqlSimilarityStore(database_url, audit_key=AUDIT_KEY).close()

    assert schema_differences(database_url, SCHEMA, TABLES) == []


def test_a_database_made_before_migrations_is_adopted_with_its_items(database_url: str) -> None:
    mark, removed_seq = make_database_as_the_release_before_migrations(database_url)

    adopted = SqlSimilarityStore(database_url, audit_key=AUDIT_KEY)

    assert adopted.bank("scams") == BANK
    assert list(adopted.items("scams")) == [KEPT_STALE]
    assert adopted.mark("scams") == mark
    # Sequence numbers go on from the old ones, never reusing a removed item's.
    new_seq = adopted.add_item(StoredItem("scams", "new", "", (RUN,)), actor="admin-1")
    assert new_seq > removed_seq
    adopted.close()
    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)
    assert schema_differences(database_url, SCHEMA, TABLES) == []


def test_revision_0003_keeps_the_items_stored_before_which_have_no_stills(
    database_url: str,
) -> None:
    make_database_as_the_release_before_migrations(database_url)
    migrate(database_url, SCHEMA, "0002")
    assert current_revision(database_url, SCHEMA) == "0002"

    upgraded = SqlSimilarityStore(database_url, audit_key=AUDIT_KEY)

    assert list(upgraded.items("scams")) == [KEPT_STALE]
    # Its media was never kept: there is nothing to take stills from.
    assert upgraded.nearest_still("scams", "kept", 0.0) is None
    still = Still(0.0, b"\xff\xd8 a still \xff\xd9")
    upgraded.add_item(StoredItem("scams", "new", "", (RUN,), stills=(still,)), actor="admin-1")
    assert upgraded.nearest_still("scams", "new", 0.0) == still
    upgraded.close()
    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)
    assert schema_differences(database_url, SCHEMA, TABLES) == []


def test_revision_0004_marks_the_items_hashed_before_as_stale_and_new_ones_not(
    database_url: str,
) -> None:
    make_database_as_the_release_before_migrations(database_url)
    migrate(database_url, SCHEMA, "0003")

    upgraded = SqlSimilarityStore(database_url, audit_key=AUDIT_KEY)
    fresh = replace(KEPT, item_id="fresh", hasher=HASHER)
    upgraded.add_item(fresh, actor="admin-1")
    upgraded.add_item(replace(KEPT, item_id="imported"), actor="admin-1")

    assert upgraded.banks() == [(BANK, 3, 1)]
    assert [item.hasher for item in upgraded.items("scams")] == [LEGACY_HASHER, HASHER, "given"]
    summaries = upgraded.summaries(upgraded.item_seqs("scams").tolist()).values()
    assert {(s.item_id, s.stale) for s in summaries} == {
        ("kept", True), ("fresh", False), ("imported", False),
    }  # fmt: skip
    upgraded.close()
    assert schema_differences(database_url, SCHEMA, TABLES) == []


def test_revision_0005_keeps_items_without_a_source_and_banks_positive(
    database_url: str,
) -> None:
    make_database_as_the_release_before_migrations(database_url)
    migrate(database_url, SCHEMA, "0004")

    upgraded = SqlSimilarityStore(database_url, audit_key=AUDIT_KEY)

    assert upgraded.bank("scams") == BANK
    assert BANK.negative is False
    [kept] = upgraded.items("scams")
    assert kept == KEPT_STALE
    assert kept.source is None
    fetched = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
    source = Source("fb_threatexchange", "partners", "123456", fetched)
    upgraded.add_item(StoredItem("scams", "shared", "", (RUN,), source=source), actor="admin-1")
    assert [item.source for item in upgraded.items("scams")] == [None, source]
    upgraded.create_bank(Bank("known-good", 31, 50.0, negative=True), actor="admin-1")
    assert upgraded.bank("known-good") == Bank("known-good", 31, 50.0, negative=True)
    upgraded.close()
    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)
    assert schema_differences(database_url, SCHEMA, TABLES) == []


#: The columns revision 0005 adds, absent from a database made before it.
REVISION_0005_COLUMNS = (
    ("similarity_banks", "negative"),
    ("similarity_items", "source_exchange"),
    ("similarity_items", "source_collaboration"),
    ("similarity_items", "source_external_id"),
    ("similarity_items", "source_fetched_at"),
)


def make_database_as_the_release_before_migrations(url: str) -> tuple[Mark, int]:
    """What that release's store left, made by create_all with no version table: a bank
    with the item KEPT, and a later item that was removed. Returns the bank's mark and
    the removed item's seq."""
    engine = open_engine(url)
    # That release had no audit log of its own, nor stills: revisions 0002 and 0003 add them.
    later = {"similarity_audit_log", "similarity_stills"}
    TABLES.create_all(engine, [t for t in TABLES.sorted_tables if t.name not in later])
    with engine.begin() as connection:
        # Nor sources or negative banks: revision 0005 adds their columns.
        for table, column in REVISION_0005_COLUMNS:
            connection.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    banks, items, runs, removals = (
        TABLES.tables[f"similarity_{name}"] for name in ("banks", "items", "hashes", "removals")
    )
    with engine.begin() as connection:
        connection.execute(
            banks.insert().values(
                name=BANK.name,
                max_distance=BANK.max_distance,
                min_match_percent=BANK.min_match_percent,
                description=BANK.description,
            )
        )
        kept, removed = (
            connection.execute(
                items.insert()
                .values(bank="scams", item_id=item_id, label=label, kind="pdq")
                .returning(items.c.seq)
            ).scalar_one()
            for item_id, label in (("kept", KEPT.label), ("removed", ""))
        )
        connection.execute(
            runs.insert().values(
                item_seq=kept,
                position=0,
                start_seconds=RUN.start_seconds,
                end_seconds=RUN.end_seconds,
                quality=RUN.quality,
                pdq=RUN.pdq,
            )
        )
        connection.execute(items.delete().where(items.c.seq == removed))
        # Nor what hashed an item: revision 0004 adds it.
        connection.execute(sa.text("ALTER TABLE similarity_items DROP COLUMN hasher"))
        removal = connection.execute(
            removals.insert().values(bank="scams", item_seq=removed).returning(removals.c.id)
        ).scalar_one()
    engine.dispose()
    return Mark(item_seq=kept, removal_id=removal), removed
