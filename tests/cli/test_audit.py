"""`modmesh audit verify` proves the audit log untampered and the state tables in
agreement with it, or names the first entry or row that is not; with a signed checkpoint
(`modmesh audit checkpoint`) it also sees a cut tail and a rewritten chain. Both databases.

The attacker here can write the database but holds neither the audit key nor the signing
key: rehashing a changed chain with plain SHA-256 or another key does not make it verify.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from modmesh.contracts.evidence import Severity
from modmesh.decision.audit import AUDIT_TABLE, read_entries
from modmesh.decision.compose import SqlStore as CaseStore
from modmesh.decision.domain import ActionType, Reviewer
from modmesh.decision.migrations import SCHEMA
from modmesh.runtime.audit import AuditKey, entry_hash, plain_hash
from modmesh.runtime.database import open_engine
from modmesh.runtime.migrations import migrate
from modmesh.termmatch.core import TermMatch
from modmesh.termmatch.domain import ListSettings, TermDraft
from modmesh.termmatch.store import SqlListStore
from tests.decision.examples import opened_case
from tests.support import (
    AUDIT_KEY,
    AUDIT_KEY_SETTING,
    AUDIT_SIGNING_KEY_SETTING,
    MODMESH,
    run_modmesh,
)

Hasher = Callable[[str, datetime, str, str, str, dict[str, Any]], str]


def modmesh(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command, *rest = args
    keys = {
        "MODMESH_AUDIT_KEY": AUDIT_KEY_SETTING,
        "MODMESH_AUDIT_SIGNING_KEY": AUDIT_SIGNING_KEY_SETTING,
    }
    return run_modmesh("audit", command, "--database-url", database_url, *rest, env=keys)


def verify(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return modmesh(database_url, "verify", *args)


def checkpoint(database_url: str, path: Path) -> Path:
    result = modmesh(database_url, "checkpoint")
    assert result.returncode == 0, result.stderr
    path.write_text(result.stdout)
    return path


def history(database_url: str) -> list[int]:
    """Some audited history: two cases opened, one decided. Returns the entry ids."""
    for n in (1, 2):
        opened_case(database_url, n)
    store = CaseStore(database_url, audit_key=AUDIT_KEY)
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


def rewrite(database_url: str, entry_id: int, actor: str, rehash: Hasher) -> None:
    """Changes an entry's actor and recomputes every hash from it on, as an attacker
    with write access to the database would."""
    engine = open_engine(database_url)
    entries = list(read_entries(engine))
    update = text("UPDATE audit_log SET actor = :a, prev_hash = :p, hash = :h WHERE id = :i")
    with engine.begin() as connection:
        prev = ""
        for entry in entries:
            if entry.id < entry_id:
                prev = entry.hash
                continue
            who = actor if entry.id == entry_id else entry.actor
            new = rehash(prev, entry.at, who, entry.action, entry.subject, entry.details)
            connection.execute(update, {"a": who, "p": prev, "h": new, "i": entry.id})
            prev = new
    engine.dispose()


def keyed_with(key: AuditKey) -> Hasher:
    return lambda *fields: entry_hash(key, *fields)


def test_an_untouched_log_verifies_and_prints_its_head(database_url: str) -> None:
    ids = history(database_url)

    result = verify(database_url)

    assert result.returncode == 0, result.stderr
    assert f"audit log intact: {len(ids)} entries, head {ids[-1]} hash " in result.stdout


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


def test_a_chain_rewritten_with_recomputed_plain_hashes_is_caught(database_url: str) -> None:
    ids = history(database_url)
    rewrite(database_url, ids[3], "someone-else", plain_hash)

    result = verify(database_url)

    assert result.returncode == 1
    assert f"BROKEN at entry {ids[3]}: its hash is not keyed" in result.stderr


def test_a_chain_rewritten_under_another_key_is_caught(database_url: str) -> None:
    ids = history(database_url)
    guessed = AuditKey.from_setting("a-key-the-attacker-made-up-0123456789", "guess")
    rewrite(database_url, ids[3], "someone-else", keyed_with(guessed))

    result = verify(database_url)

    assert result.returncode == 1
    assert f"BROKEN at entry {ids[3]}: its content does not match its hash" in result.stderr


def test_a_log_holds_the_checkpoint_taken_of_it(database_url: str, tmp_path: Path) -> None:
    ids = history(database_url)
    saved = checkpoint(database_url, tmp_path / "head.json")
    opened_case(database_url, 3)  # the log grows after the checkpoint: still holds

    result = verify(database_url, "--checkpoint", str(saved))

    assert result.returncode == 0, result.stderr
    assert "holds the checkpoint of " in result.stdout
    assert f"(entry {ids[-1]})" in result.stdout


def test_a_cut_tail_fails_against_the_checkpoint(database_url: str, tmp_path: Path) -> None:
    history(database_url)
    case_id = opened_case(database_url, 3)
    saved = checkpoint(database_url, tmp_path / "head.json")
    head = json.loads(saved.read_text())["head_id"]
    # The last case and its entries go: the rest still chains and agrees with the tables.
    execute(database_url, "DELETE FROM audit_log WHERE subject = :id", id=case_id)
    execute(database_url, "DELETE FROM cases WHERE id = :id", id=case_id)
    assert verify(database_url).returncode == 0, "without the checkpoint the cut is invisible"

    result = verify(database_url, "--checkpoint", str(saved))

    assert result.returncode == 1
    assert f"the log has no entry {head}, the checkpoint's head" in result.stderr
    assert "its tail was cut" in result.stderr


def test_a_chain_rehashed_with_the_key_fails_against_the_checkpoint(
    database_url: str, tmp_path: Path
) -> None:
    """Even someone who holds the audit key cannot rewrite what a checkpoint covers."""
    ids = history(database_url)
    saved = checkpoint(database_url, tmp_path / "head.json")
    rewrite(database_url, ids[3], "someone-else", keyed_with(AUDIT_KEY))
    assert verify(database_url).returncode == 0

    result = verify(database_url, "--checkpoint", str(saved))

    assert result.returncode == 1
    assert f"entry {ids[-1]} does not have the checkpoint's head hash" in result.stderr


def test_an_edited_checkpoint_fails_its_signature(database_url: str, tmp_path: Path) -> None:
    history(database_url)
    saved = checkpoint(database_url, tmp_path / "head.json")
    forged = json.loads(saved.read_text())
    forged["head_id"] = 1
    saved.write_text(json.dumps(forged))

    result = verify(database_url, "--checkpoint", str(saved))

    assert result.returncode == 1
    assert "signature is not valid" in result.stderr


def test_a_case_status_changed_without_its_entry_is_reported(database_url: str) -> None:
    history(database_url)
    case_id = opened_case(database_url, 3)
    execute(database_url, "UPDATE cases SET status = 'CLOSED' WHERE id = :id", id=case_id)

    result = verify(database_url)

    assert result.returncode == 1
    assert (
        f"the state tables DISAGREE with the audit log: case {case_id} is CLOSED but its "
        "last audited status is OPEN (entry "
    ) in result.stderr


def test_an_action_removed_from_its_table_is_reported(database_url: str) -> None:
    history(database_url)
    engine = open_engine(database_url)
    with engine.begin() as connection:
        action_id = connection.execute(text("SELECT id FROM actions")).scalar_one()
    engine.dispose()
    execute(database_url, "DELETE FROM actions WHERE id = :id", id=action_id)

    result = verify(database_url)

    assert result.returncode == 1
    assert f"action {action_id} is audited (entry " in result.stderr
    assert "but not in the actions table" in result.stderr


def test_an_unkeyed_log_from_before_the_key_is_anchored_on_start(database_url: str) -> None:
    """A log written before entries were keyed (plain sha256) fails until decision starts
    with a key; the anchor entry then seals it, and a later change to it is caught."""
    # The tables as a release before keyed logs made them, with no entry yet.
    engine = open_engine(database_url)
    migrate(engine, SCHEMA)
    prev = "0" * 64
    at = datetime(2025, 1, 1, tzinfo=UTC)
    for n in (1, 2, 3):
        details = {"reason": f"onboarding {n}"}
        new = plain_hash(prev, at, "admin-1", "reviewer.updated", f"reviewers/r{n}", details)
        with engine.begin() as connection:
            connection.execute(
                insert(AUDIT_TABLE).values(
                    at=at,
                    actor="admin-1",
                    action="reviewer.updated",
                    subject=f"reviewers/r{n}",
                    details=details,
                    prev_hash=prev,
                    hash=new,
                )
            )
        prev = new
    engine.dispose()

    unanchored = verify(database_url)
    CaseStore(database_url, audit_key=AUDIT_KEY).close()
    anchored = verify(database_url)
    execute(database_url, "UPDATE audit_log SET actor = 'someone-else' WHERE id = 1")
    changed = verify(database_url)

    assert unanchored.returncode == 1
    assert "no entry is keyed" in unanchored.stderr
    assert anchored.returncode == 0, anchored.stderr
    assert "4 entries (3 unkeyed before the anchor)" in anchored.stdout
    assert changed.returncode == 1
    assert "BROKEN at entry 1" in changed.stderr


def test_a_missing_database_is_named(tmp_path: Path) -> None:
    result = verify(f"sqlite:///{tmp_path / 'none.db'}")

    assert result.returncode == 1
    assert "no decision database" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_without_the_audit_key_names_the_setting(database_url: str) -> None:
    history(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODMESH_AUDIT")}
    result = subprocess.run(  # noqa: S603 - runs our own modmesh CLI
        [*MODMESH, "audit", "verify", "--database-url", database_url],
        capture_output=True,
        text=True,
        env={**env, "MODMESH_DATA_DIR": str(Path(database_url).parent)},
        timeout=60,
    )

    assert result.returncode == 1
    assert "MODMESH_AUDIT_KEY must hold at least 32 bytes" in result.stderr


def test_termmatch_s_own_log_is_verified_and_a_changed_actor_named(database_url: str) -> None:
    store = SqlListStore(database_url, audit_key=AUDIT_KEY)
    core = TermMatch(store, max_text_chars=100)
    core.load()
    core.create_list("scams", ListSettings("Scams"), [], actor="admin-1")
    core.add_terms("scams", [TermDraft("act now", Severity.LOW)], actor="ana")
    store.close()

    intact = verify(database_url, "--log", "termmatch")
    execute(database_url, "UPDATE termmatch_audit_log SET actor = 'someone-else' WHERE id = 2")
    changed = verify(database_url, "--log", "termmatch")

    assert intact.returncode == 0, intact.stderr
    assert "audit log intact: 2 entries" in intact.stdout
    assert changed.returncode == 1
    assert "BROKEN at entry 2: its content does not match its hash" in changed.stderr
