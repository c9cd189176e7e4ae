"""Runs the decision service: ``python -m modmesh.decision``."""

from modmesh.decision.grpc import build_service
from modmesh.decision.settings import DecisionSettings
from modmesh.runtime.server import run

if __name__ == "__main__":
    run(build_service, "decision", DecisionSettings)
