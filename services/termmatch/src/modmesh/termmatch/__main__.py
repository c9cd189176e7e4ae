from modmesh.runtime.server import run
from modmesh.termmatch.grpc import build_service
from modmesh.termmatch.settings import TermMatchSettings

if __name__ == "__main__":
    run(build_service, "termmatch", TermMatchSettings)
