"""Domain errors that every service raises and the server maps to gRPC statuses.

Domain cores import only this module, never grpc: the mapping to status codes
happens once, in the server's error interceptor.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """Names the request field that was wrong and why (google.rpc.BadRequest)."""

    field: str
    description: str


class ServiceError(Exception):
    """An error whose message is safe and useful to show to the caller."""

    #: Name of the grpc.StatusCode member this error maps to.
    code_name = "UNKNOWN"

    def __init__(
        self, message: str, *, field: str | None = None, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.violations = [FieldViolation(field, message)] if field else []
        #: When the caller may try again (google.rpc.RetryInfo); None: no hint.
        self.retry_after_seconds = retry_after_seconds


class InvalidArgument(ServiceError):
    code_name = "INVALID_ARGUMENT"


class NotFound(ServiceError):
    code_name = "NOT_FOUND"


class AlreadyExists(ServiceError):
    code_name = "ALREADY_EXISTS"


class FailedPrecondition(ServiceError):
    code_name = "FAILED_PRECONDITION"


class ResourceExhausted(ServiceError):
    code_name = "RESOURCE_EXHAUSTED"


class Unavailable(ServiceError):
    code_name = "UNAVAILABLE"


class Relayed(ServiceError):
    """Another service's refusal, passed on with its status code unchanged (e.g. a live
    stream's audio that transcription refused)."""

    def __init__(self, code_name: str, message: str) -> None:
        super().__init__(message)
        self.code_name = code_name
