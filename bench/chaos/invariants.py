"""What must hold once the mesh is quiet, read from decision's tables, the webhook
receiver and the live clients; every violation names its item, case or stream and
says why, so that a failed run can be followed up case by case."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bench.chaos.live import LiveStream
from bench.chaos.workload import FINISHED, Tracked
from modmesh.cli.credentials import AUDIT_KEY_ENV
from tests.webhook_receiver import WebhookReceiver

#: Audit events that happen once per thing they are about; what names the thing.
ONCE_EVENTS = {
    "case.submitted": lambda subject, details: subject,
    "case.evidence_recorded": lambda subject, details: subject,
    "action.recorded": lambda subject, details: details.get("action_id"),
    "action.delivered": lambda subject, details: details.get("delivery_id"),
}


@dataclass
class Findings:
    """Work lost (never done, or done and not delivered) and work done twice."""

    lost: list[dict[str, Any]] = field(default_factory=list)
    duplicated: list[dict[str, Any]] = field(default_factory=list)
    audit_verify: str = ""
    audit_ok: bool = False

    @property
    def ok(self) -> bool:
        return not self.lost and not self.duplicated and self.audit_ok


def check(
    database_url: str,
    tracked: list[Tracked],
    received: WebhookReceiver,
    streams: list[LiveStream],
    audit_key: str,
) -> Findings:
    findings = Findings()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as db:
            _items(db, tracked, findings)
            _deliveries(db, received, findings)
            _audit_once(db, findings)
            _live(db, streams, findings)
    finally:
        engine.dispose()
    _audit_verify(database_url, audit_key, findings)
    return findings


def _items(db: sa.Connection, tracked: list[Tracked], findings: Findings) -> None:
    """Every accepted item has exactly one case, finished; no case holds two actions of
    one kind (an analysis done twice acts twice, under two idempotency keys)."""
    cases: dict[str, list[tuple[str, str, str]]] = {}
    for case_id, content_id, status, error in db.execute(
        sa.text("SELECT id, content_id, status, error FROM cases WHERE account_id = :a"),
        {"a": "chaos-account"},
    ):
        cases.setdefault(content_id, []).append((case_id, status, error))
    for item in tracked:
        content_id = item.item.content_id
        found = cases.get(content_id, [])
        if item.gave_up:
            findings.lost.append(
                {"what": "upload never accepted", "item": content_id, "attempts": item.attempts,
                 "last_error": item.last_error}
            )  # fmt: skip
        if not item.accepted:
            if found:  # refused to the client, yet a case exists: work nobody awaits
                findings.duplicated.append(
                    {"what": "case of a refused upload", "item": content_id, "cases": found}
                )
            continue
        if len(found) > 1 or len(item.case_ids) > 1:
            findings.duplicated.append(
                {"what": "item with several cases", "item": content_id, "cases": found}
            )
        if not found:
            findings.lost.append(
                {"what": "accepted item without a case", "item": content_id,
                 "case_ids": sorted(item.case_ids)}
            )  # fmt: skip
        for case_id, status, error in found:
            if status not in FINISHED:
                findings.lost.append(
                    {"what": "case not finished", "item": content_id, "case_id": case_id,
                     "status": status, "error": error}
                )  # fmt: skip
    for case_id, kind, count in db.execute(
        sa.text(
            "SELECT case_id, type, count(*) FROM actions GROUP BY case_id, type HAVING count(*) > 1"
        )
    ):
        findings.duplicated.append(
            {"what": "case acted on twice", "case_id": case_id, "action": kind, "count": count}
        )


def _deliveries(db: sa.Connection, received: WebhookReceiver, findings: Findings) -> None:
    """Every delivery arrived at the receiver, once after its dedupe: a key seen twice
    is an action carried out twice by a platform that does not dedupe."""
    keys = set()
    for key, case_id, status, attempts, last_error in db.execute(
        sa.text("SELECT idempotency_key, case_id, status, attempts, last_error FROM deliveries")
    ):
        keys.add(key)
        if key not in received.arrivals:
            findings.lost.append(
                {"what": "delivery never received", "key": key, "case_id": case_id,
                 "status": status, "attempts": attempts, "error": last_error}
            )  # fmt: skip
        elif status != "DELIVERED":
            findings.lost.append(
                {"what": "delivery received but not recorded as delivered", "key": key,
                 "case_id": case_id, "status": status}
            )  # fmt: skip
    for key, extra in received.sent_again.items():
        findings.duplicated.append({"what": "delivery received again", "key": key, "extra": extra})
    for key in set(received.arrivals) - keys:
        findings.duplicated.append({"what": "delivery of no stored action", "key": key})
    if received.bad_signatures:
        findings.lost.append(
            {"what": "deliveries with a bad signature", "count": received.bad_signatures}
        )


def _audit_once(db: sa.Connection, findings: Findings) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    for action, subject, details in db.execute(
        sa.text("SELECT action, subject, details FROM audit_log")
    ):
        name = ONCE_EVENTS.get(action)
        if name is not None:
            seen[(action, str(name(subject, details or {})))] += 1
    for (action, subject), count in seen.items():
        if count > 1:
            findings.duplicated.append(
                {"what": "audited twice", "event": action, "subject": subject, "count": count}
            )


def _live(db: sa.Connection, streams: list[LiveStream], findings: Findings) -> None:
    """Each flag the stream raised (stored) reached the client exactly once."""
    for stream in streams:
        stored = {
            int(seq)
            for (seq,) in db.execute(
                sa.text("SELECT sequence FROM live_flags WHERE stream_id = :s"),
                {"s": stream.stream_id},
            )
        }
        if not stream.ended:
            findings.lost.append(
                {"what": "live stream not played to its end", "stream": stream.stream_id,
                 "acked_seconds": stream.acked_seconds, "errors": stream.errors[-5:]}
            )  # fmt: skip
        missing = sorted(stored - set(stream.sequences))
        if missing:
            findings.lost.append(
                {"what": "live flags never received", "stream": stream.stream_id,
                 "sequences": missing}
            )  # fmt: skip
        phantom = sorted(set(stream.sequences) - stored)
        if phantom:
            findings.duplicated.append(
                {"what": "live flags received but not stored", "stream": stream.stream_id,
                 "sequences": phantom}
            )  # fmt: skip
        if stream.duplicated:
            findings.duplicated.append(
                {"what": "live flags received twice", "stream": stream.stream_id,
                 "sequences": stream.duplicated}
            )  # fmt: skip


def _audit_verify(database_url: str, audit_key: str, findings: Findings) -> None:
    """`modmesh audit verify` against the run's database, as an operator runs it."""
    result = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "modmesh.cli.main", "audit", "verify",
         "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, AUDIT_KEY_ENV: audit_key},
    )  # fmt: skip
    findings.audit_ok = result.returncode == 0
    findings.audit_verify = (result.stdout + result.stderr).strip()[-1000:]
