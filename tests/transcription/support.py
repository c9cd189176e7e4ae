"""Helpers shared by the transcription tests."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from modmesh.transcription.v1 import transcription_pb2

SERVICE = transcription_pb2.DESCRIPTOR.services_by_name["TranscriptionService"].full_name


def spoken(words: Iterable[str]) -> list[str]:
    """Words as compared in tests: lower case, without the punctuation Whisper attaches."""
    return [word.strip(".,!?;:\"'").lower() for word in words]


def index_of_phrase(words: list[str], phrase: list[str]) -> int:
    """Where `phrase` starts in `words`, as consecutive words; fails the test if absent."""
    for start in range(len(words) - len(phrase) + 1):
        if words[start : start + len(phrase)] == phrase:
            return start
    raise AssertionError(f"{' '.join(phrase)!r} not heard in {' '.join(words)!r}")


def assert_still_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    reply = health.Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
