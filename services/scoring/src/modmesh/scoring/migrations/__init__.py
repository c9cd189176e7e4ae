"""The scoring schema's history as Alembic migrations, applied at every start
(`modmesh.runtime.migrations.migrate`). A new revision goes in versions/."""

from __future__ import annotations

from pathlib import Path

from modmesh.runtime.migrations import Schema

SCHEMA = Schema(
    service="scoring",
    scripts=Path(__file__).parent,
    version_table="alembic_version_scoring",
    # scoring had migrations from its first release: no database predates them, so the
    # baseline is never stamped.
    baseline="0001",
    baseline_table="scoring_set_versions",
)
