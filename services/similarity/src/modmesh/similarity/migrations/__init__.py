"""The similarity schema's history as Alembic migrations, applied at every start
(`modmesh.runtime.migrations.migrate`).

A database the release before migrations made (tables from `create_all`, no version
table) is stamped at the first revision, which builds exactly that schema, and upgraded.
A new revision goes in versions/.
"""

from __future__ import annotations

from pathlib import Path

from modmesh.runtime.migrations import Schema

SCHEMA = Schema(
    service="similarity",
    scripts=Path(__file__).parent,
    version_table="alembic_version_similarity",
    baseline="0001",
    baseline_table="similarity_banks",
)
