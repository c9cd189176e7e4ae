"""Alembic's entry point: runs the migrations on the connection `migrate` hands over."""

from modmesh.runtime.migrations import run_in_alembic_env

run_in_alembic_env()
