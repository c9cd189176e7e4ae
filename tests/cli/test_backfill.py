"""`modmesh backfill` against real termmatch and decision processes: stored transcripts
are matched with a new list again, counted first, then turned into cases, once."""

from __future__ import annotations

import subprocess
from pathlib import Path

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.decision.compose import SqlStore as CaseStore
from tests.decision.examples import opened_case
from tests.support import (
    AUDIT_KEY,
    LoopbackSettings,
    ServiceProcess,
    loopback_settings,
    mesh_channel,
    run_modmesh,
)


def run(settings: LoopbackSettings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_modmesh("backfill", *args, settings=settings)


def test_a_dry_run_counts_then_a_run_creates_each_case_once(tmp_path: Path) -> None:
    settings = loopback_settings(tmp_path / "data")
    url = settings.database_url_for("decision")
    # Past content: two items said "free gift card" (the examples' transcript).
    past = [opened_case(url, n) for n in (1, 2)]
    with (
        ServiceProcess("termmatch", settings),
        ServiceProcess("decision", settings),
        mesh_channel(settings, settings.termmatch_addr) as channel,
    ):
        termmatch_pb2_grpc.TermMatchServiceStub(channel).CreateList(
            termmatch_pb2.CreateListRequest(
                list_id="gift-cards",
                name="Gift cards",
                terms=[
                    termmatch_pb2.Term(
                        text="gift card", severity=evidence_pb2.SEVERITY_HIGH, category="scam"
                    )
                ],
            )
        )
        dry = run(settings, "--list", "gift-cards", "--since", "2025-01-01", "--dry-run")
        real = run(settings, "--list", "gift-cards", "--since", "2025-01-01", "--rate", "50")
        again = run(settings, "--list", "gift-cards", "--since", "2025-01-01")
        missing = run(settings, "--list", "no-such-list", "--since", "2025-01-01")

    assert dry.returncode == 0, dry.stderr
    assert "2 items scanned, 2 would get new evidence (2 new hits), 0 cases created" in dry.stdout
    assert "scanned 2/2" in dry.stderr
    assert real.returncode == 0, real.stderr
    assert "2 items scanned, 2 got new evidence (2 new hits), 2 cases created" in real.stdout
    assert again.returncode == 0
    assert "0 cases created" in again.stdout
    assert missing.returncode == 1
    assert "no list 'no-such-list'" in missing.stderr
    store = CaseStore(url, audit_key=AUDIT_KEY)
    found = [case for case in store.list_cases(None, 50) if case.retro_of]
    store.close()
    assert sorted(case.retro_of or "" for case in found) == sorted(past)
    assert all(
        case.evidence and case.evidence.term_hits[0].list_id == "gift-cards" for case in found
    )


def test_a_bad_date_is_named(tmp_path: Path) -> None:
    result = run(loopback_settings(tmp_path), "--list", "x", "--since", "last tuesday")

    assert result.returncode == 2
    assert "'last tuesday' is not a date" in result.stderr
