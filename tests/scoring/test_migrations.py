"""The scoring schema is built by its migrations on both databases and matches the
store's models."""

from __future__ import annotations

from modmesh.scoring.migrations import SCHEMA
from modmesh.scoring.store import SqlExampleStore
from modmesh.scoring.tables import TABLES
from tests.migrations import current_revision, head_revision, schema_differences
from tests.support import AUDIT_KEY


def test_a_fresh_database_is_migrated_to_the_newest_revision_matching_the_models(
    database_url: str,
) -> None:
    SqlExampleStore(database_url, audit_key=AUDIT_KEY).close()

    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)
    assert schema_differences(database_url, SCHEMA, TABLES) == []
