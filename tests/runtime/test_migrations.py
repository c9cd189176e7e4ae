"""Replicas that start together on an empty database take turns migrating it: both start,
and the schema is built once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select, table

from modmesh.decision.migrations import SCHEMA as DECISION
from modmesh.runtime.database import open_engine
from modmesh.runtime.migrations import Schema, migrate
from modmesh.similarity.migrations import SCHEMA as SIMILARITY
from modmesh.termmatch.migrations import SCHEMA as TERMMATCH
from tests.migrations import current_revision, head_revision

REPLICAS = 2


@pytest.mark.parametrize("schema", [DECISION, TERMMATCH, SIMILARITY], ids=lambda s: s.service)
def test_replicas_migrating_an_empty_database_at_once_all_succeed(
    database_url: str, schema: Schema
) -> None:
    engines = [open_engine(database_url) for _ in range(REPLICAS)]
    # Released together, so the replicas race for the empty database.
    start = threading.Barrier(REPLICAS)

    def replica(engine: Engine) -> None:
        start.wait()
        migrate(engine, schema)

    try:
        with ThreadPoolExecutor(REPLICAS) as pool:
            # Each result re-raises what its replica raised.
            for result in [pool.submit(replica, engine) for engine in engines]:
                result.result()
        with engines[0].connect() as connection:
            stamps = connection.scalar(
                select(func.count()).select_from(table(schema.version_table))
            )
    finally:
        for engine in engines:
            engine.dispose()

    assert stamps == 1
    assert current_revision(database_url, schema) == head_revision(schema)


def test_services_sharing_a_database_each_keep_their_revision(database_url: str) -> None:
    for schema in (DECISION, TERMMATCH, SIMILARITY):
        migrate(database_url, schema)

    for schema in (DECISION, TERMMATCH, SIMILARITY):
        assert current_revision(database_url, schema) == head_revision(schema)
