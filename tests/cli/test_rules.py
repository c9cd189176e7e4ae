"""`modmesh rules`: checked locally, published and dry-run against a real decision."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, run_modmesh

GOOD = """rules:
  - id: critical-only
    when: {all: [{term_hits: {min_severity: critical}}]}
    then: {queue: {priority: urgent, sla_hours: 4}}
"""
LANGUAGE_ONLY = """rules:
  - id: french
    when: {all: [{language: {in: [fr]}}]}
    then: {queue: {}}
"""


def run(settings: LoopbackSettings | None, *args: str) -> subprocess.CompletedProcess[str]:
    return run_modmesh(*args, settings=settings)


def test_check_names_each_problem_without_a_mesh(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(LANGUAGE_ONLY)

    good = run(None, "rules", "check", str(tmp_path / "good.yaml"))
    bad = run(None, "rules", "check", str(tmp_path / "bad.yaml"))

    assert good.returncode == 0
    assert "1 rules, all valid" in good.stdout
    assert bad.returncode == 1
    assert "rules[0].when" in bad.stderr
    assert "language alone" in bad.stderr


def test_publish_show_and_dry_run_through_the_decision_service(tmp_path: Path) -> None:
    settings = loopback_settings(tmp_path / "data")
    (tmp_path / "rules.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(LANGUAGE_ONLY)
    with ServiceProcess("decision", settings):
        published = run(
            settings, "rules", "publish", str(tmp_path / "rules.yaml"), "--reason", "fewer cases"
        )
        shown = run(settings, "rules", "show")
        dry = run(settings, "rules", "dry-run", str(tmp_path / "rules.yaml"), "--days", "3")
        refused = run(settings, "rules", "publish", str(tmp_path / "bad.yaml"), "--reason", "x")

    assert published.returncode == 0, published.stderr
    assert "published rule set version 2" in published.stdout
    assert "critical-only" in shown.stdout
    assert "fewer cases" in shown.stdout
    assert "0 of 0 cases of the last 3 days would change" in dry.stdout
    assert refused.returncode == 1
    assert "INVALID_ARGUMENT" in refused.stderr
    assert "language alone" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_commands_without_a_mesh_say_how_to_start_one(tmp_path: Path) -> None:
    result = run(loopback_settings(tmp_path), "rules", "show")

    assert result.returncode == 1
    assert "modmesh up" in result.stderr
    assert "Traceback" not in result.stderr
