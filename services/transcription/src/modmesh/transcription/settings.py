"""Transcription's settings: the shared mesh settings plus the Whisper model and the
live-stream lag limit (MODMESH_WHISPER_*, MODMESH_STREAM_MAX_LAG_SECONDS)."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.runtime.settings import MeshSettings


@dataclass(frozen=True)
class TranscriptionSettings(MeshSettings):
    #: CTranslate2 Whisper model directory; empty means the bundled tiny.en.
    whisper_model: str = ""
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    #: A live stream whose transcription trails real time by more than this is ended
    #: with RESOURCE_EXHAUSTED and a retry hint (docs/operations.md, "Live streams").
    stream_max_lag_seconds: float = 10.0
    #: Live passes over audio without speech are skipped while no word is pending
    #: (streaming.py); 0 transcribes every pass, to compare (bench/live).
    stream_speech_gate: bool = True
