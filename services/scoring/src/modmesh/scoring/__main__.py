from modmesh.runtime.server import run
from modmesh.scoring.grpc import build_service
from modmesh.scoring.settings import ScoringSettings

if __name__ == "__main__":
    run(build_service, "scoring", ScoringSettings)
