"""The decision schema is built by its migrations, on both databases, and the store's
models never drift from them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import text

from modmesh.contracts.evidence import TimeRange, UntranscribedSpeech
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import Evidence
from modmesh.decision.migrations import SCHEMA
from modmesh.decision.stored import evidence_json
from modmesh.decision.tables import Base
from modmesh.runtime.database import open_engine
from modmesh.runtime.migrations import migrate
from tests.decision.examples import CAPTURED, media, source, term_hit, transcript
from tests.migrations import current_revision, head_revision, schema_differences
from tests.support import AUDIT_KEY


def test_a_fresh_database_is_migrated_to_the_newest_revision(database_url: str) -> None:
    CaseStore(database_url, audit_key=AUDIT_KEY).close()

    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)


def test_the_models_match_what_the_migrations_build(database_url: str) -> None:
    CaseStore(database_url, audit_key=AUDIT_KEY).close()

    assert schema_differences(database_url, SCHEMA, Base.metadata) == []


def test_opening_the_store_again_keeps_the_data(database_url: str) -> None:
    store = CaseStore(database_url, audit_key=AUDIT_KEY)
    case, _ = store.submit(media(), source())
    store.close()

    again = CaseStore(database_url, audit_key=AUDIT_KEY)
    assert again.get(case.case_id) == case
    again.close()


def test_a_database_the_spine_made_without_migrations_is_adopted(database_url: str) -> None:
    engine = open_engine(database_url)
    migrate(engine, SCHEMA, SCHEMA.baseline)
    with engine.begin() as connection:
        # What the spine left behind: its tables and a case, but no version stamp.
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(
            text(
                "INSERT INTO cases (id, status, media_sha256, media_uri, media_size, media_mime,"
                " account_id, content_id, capture_time, statement, error, created_at,"
                " updated_at) VALUES ('spine-case', 'OPEN', :sha, 'file:///x', 1, 'video/mp4',"
                " 'a', 'c', :now, '', '', :now, :now)"
            ),
            {"sha": "0" * 64, "now": CAPTURED},
        )
    engine.dispose()

    adopted = CaseStore(database_url, audit_key=AUDIT_KEY)

    assert adopted.get("spine-case").status.value == "OPEN"
    adopted.close()
    assert current_revision(database_url, SCHEMA) == head_revision(SCHEMA)


def test_revision_0013_fills_in_what_the_console_lists_by_for_data_already_there(
    database_url: str,
) -> None:
    engine = open_engine(database_url)
    migrate(engine, SCHEMA, "0011")
    evidence = evidence_json(
        Evidence(
            transcript=replace(
                transcript(language="en"),
                untranscribed=(UntranscribedSpeech("fr", 0.9, TimeRange(1.0, 2.0)),),
            ),
            term_hits=(term_hit(category="scam"),),
        )
    )
    later = CAPTURED + timedelta(seconds=1)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cases (id, status, media_sha256, media_uri, media_size, media_mime,"
                " account_id, content_id, capture_time, evidence, statement, error, created_at,"
                " updated_at, tenant) VALUES ('live-case', 'OPEN', '', 'live:s', 0, '', 'a',"
                " 's', :now, :evidence, '', '', :now, :now, 'platform-a')"
            ),
            {"now": CAPTURED, "evidence": json.dumps(evidence)},
        )
        for stream_id, case_id in (("s", "live-case"), ("t", None)):
            connection.execute(
                text(
                    "INSERT INTO live_streams (stream_id, account_id, start_time,"
                    " moderated_seconds, last_flag_sequence, case_id, created_at, updated_at)"
                    " VALUES (:stream_id, 'a', :now, 0, 1, :case_id, :now, :now)"
                ),
                {"stream_id": stream_id, "case_id": case_id, "now": CAPTURED},
            )
        # Stored in this order: t's flag, then s's.
        for stream_id, stored in (("t", CAPTURED), ("s", later)):
            connection.execute(
                text(
                    "INSERT INTO live_flags (stream_id, sequence, list_id, list_version, term_id,"
                    " start_seconds, end_seconds, hit, context, created_at) VALUES (:stream_id,"
                    " 1, 'l', 1, 't', 0, 1, '{}', '[]', :stored)"
                ),
                {"stream_id": stream_id, "stored": stored},
            )
    engine.dispose()

    store = CaseStore(database_url, audit_key=AUDIT_KEY)
    try:
        with store._engine.connect() as connection:
            facets = connection.execute(
                text("SELECT kind, value FROM case_facets WHERE case_id = 'live-case'")
            ).all()
            flags = connection.execute(
                text("SELECT stream_id, flag_id FROM live_flags ORDER BY flag_id")
            ).all()
            tenants = connection.execute(
                text("SELECT stream_id, tenant FROM live_streams ORDER BY stream_id")
            ).all()
    finally:
        store.close()

    assert sorted(map(tuple, facets)) == [
        ("category", "scam"),
        ("language", "en"),
        ("language", "fr"),
        ("list", "sample-scams"),
    ]
    assert list(map(tuple, flags)) == [("t", 1), ("s", 2)]
    assert list(map(tuple, tenants)) == [("s", "platform-a"), ("t", "")]
