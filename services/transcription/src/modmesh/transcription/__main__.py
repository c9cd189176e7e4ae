"""`python -m modmesh.transcription`: the transcription service process."""

from modmesh.runtime.server import run
from modmesh.transcription.grpc import build_service

run(build_service, "transcription")
