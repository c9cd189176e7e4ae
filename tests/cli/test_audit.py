"""`modmesh audit verify` proves the audit log untampered, or names the first entry that
was changed or removed, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import ActionType, Reviewer
from modmesh.runtime.database import open_engine
from tests.decision.examples import opened_case

MODMESH = [sys.executable, "-m", "modmesh.cli.main"]


def verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - runs our own modmesh CLI
        [*MODMESH, "audit", "verify", "--database-url", database_url],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )


def history(database_url: str) -> list[int]:
    """Some audited history: two cases opened, one decided. Returns the entry ids."""
    for n in (1, 2):
        opened_case(database_url, n)
    store = CaseStore(database_url)
    case_id = store.list_cases(None, 1)[0].case_id
    store.put_reviewer(Reviewer("rev-1"), "admin-1", "onboarding")
    store.claim(case_id, "rev-1", 60)
    store.record_action(case_id, ActionType.NO_VIOLATION, "rev-1", "satire")
    ids = [entry.id for entry in store.audit_log()]
    store.close()
    return ids


def execute(database_url: str, statement: str, **params: object) -> None:
    engine = open_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(statement), params)
    engine.dispose()


def test_an_untouched_log_verifies_and_prints_its_head(database_url: str) -> None:
    ids = history(database_url)

    result = verify(database_url)

    assert result.returncode == 0, result.stderr
    assert f"audit log intact: {len(ids)} entries, head hash " in result.stdout


def test_a_changed_entry_is_named(database_url: str) -> None:
    ids = history(database_url)
    execute(
        database_url,
        "UPDATE audit_log SET actor = 'someone-else' WHERE id = :id",
        id=ids[3],
    )

    result = verify(database_url)

    assert result.returncode == 1
    assert f"BROKEN at entry {ids[3]}: its content does not match its hash" in result.stderr
    assert "The 3 entries before it are intact" in result.stderr


def test_a_removed_entry_breaks_the_chain_at_the_next_one(database_url: str) -> None:
    ids = history(database_url)
    execute(database_url, "DELETE FROM audit_log WHERE id = :id", id=ids[2])

    result = verify(database_url)

    assert result.returncode == 1
    assert f"BROKEN at entry {ids[3]}: its prev_hash is not the hash" in result.stderr


def test_a_missing_database_is_named(tmp_path: Path) -> None:
    result = verify(f"sqlite:///{tmp_path / 'none.db'}")

    assert result.returncode == 1
    assert "no decision database" in result.stderr
    assert "Traceback" not in result.stderr
