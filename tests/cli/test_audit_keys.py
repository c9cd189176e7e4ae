"""`modmesh up` makes the audit keys of a local mesh on first start: owner-only files
under the data dir, the same keys on every later start, the configured ones when set."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from modmesh.cli.credentials import AUDIT_KEY_ENV, AUDIT_SIGNING_KEY_ENV, local_audit_keys
from modmesh.runtime.audit import AuditKey
from modmesh.runtime.checkpoint import signing_key
from modmesh.runtime.settings import MeshSettings


@pytest.fixture(autouse=True)
def no_configured_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(AUDIT_KEY_ENV, raising=False)
    monkeypatch.delenv(AUDIT_SIGNING_KEY_ENV, raising=False)


def test_the_first_start_makes_usable_owner_only_keys_the_next_reuses(tmp_path: Path) -> None:
    settings = MeshSettings(data_dir=tmp_path / "data")

    first = local_audit_keys(settings)
    again = local_audit_keys(settings)

    assert first == again
    AuditKey.from_setting(first[AUDIT_KEY_ENV], AUDIT_KEY_ENV)
    signing_key(first[AUDIT_SIGNING_KEY_ENV], AUDIT_SIGNING_KEY_ENV)
    for name in ("audit-key", "audit-signing-key"):
        mode = stat.S_IMODE((settings.data_dir / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))


def test_configured_keys_win_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(AUDIT_KEY_ENV, "k" * 40)
    monkeypatch.setenv(AUDIT_SIGNING_KEY_ENV, "ab" * 32)
    settings = MeshSettings(data_dir=tmp_path / "data")

    keys = local_audit_keys(settings)

    assert keys == {AUDIT_KEY_ENV: "k" * 40, AUDIT_SIGNING_KEY_ENV: "ab" * 32}
    assert not (settings.data_dir / "audit-key").exists()
