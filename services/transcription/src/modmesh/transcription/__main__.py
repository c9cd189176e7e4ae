"""`python -m modmesh.transcription`: the transcription service process."""

from modmesh.runtime.server import run
from modmesh.transcription.grpc import build_service
from modmesh.transcription.settings import TranscriptionSettings

run(build_service, "transcription", TranscriptionSettings)
