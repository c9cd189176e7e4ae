"""`python -m modmesh.similarity`: serve the similarity service until SIGTERM."""

from modmesh.runtime.server import run
from modmesh.similarity.grpc import build_service
from modmesh.similarity.settings import SimilaritySettings

if __name__ == "__main__":
    run(build_service, "similarity", SimilaritySettings)
