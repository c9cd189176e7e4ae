"""The decision schema's history as Alembic migrations, applied at every start
(`modmesh.runtime.migrations.migrate`).

A fresh database is built from the first revision; one the spine made before migrations
existed (tables, but no version stamp) is stamped at the spine's revision and then
upgraded. A new revision goes in versions/ (`alembic revision` with this folder as
script_location).
"""

from __future__ import annotations

from pathlib import Path

from modmesh.runtime.migrations import Schema

SCHEMA = Schema(
    service="decision",
    scripts=Path(__file__).parent,
    # Alembic's default name, which decision databases have recorded since the spine.
    version_table="alembic_version",
    # The revision whose schema the spine created without Alembic.
    baseline="0001",
    baseline_table="cases",
)
