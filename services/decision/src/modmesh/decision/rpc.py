"""What every feature's RPC handlers share: the composed servicer's start-up state, a
way to wake the outbox dispatcher, and the checks most requests need. Domain errors
raised by handlers become gRPC statuses in the runtime."""

from __future__ import annotations

from collections.abc import Callable

from modmesh.contracts.decision.v1 import decision_pb2_grpc
from modmesh.decision.settings import DecisionSettings
from modmesh.decision.tenancy import CaseOwners
from modmesh.runtime.errors import InvalidArgument, Unavailable

DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 500
#: Longest free text a request field may hold (a reason, a statement, a name): a page
#: of prose, far below what would bloat the cases, appeals and the audit log.
MAX_TEXT_CHARS = 10_000
#: Longest value a list's filter takes: the ids and labels it names are shorter.
MAX_FILTER_CHARS = 255


class Rpcs(decision_pb2_grpc.DecisionServiceServicer):
    """Base of each feature's handler class. The composed servicer sets the settings
    here and, once started, the stores and services each feature declares it needs."""

    _settings: DecisionSettings
    #: Who each case belongs to, for the tenant check of every handler naming a case.
    _case_owners: CaseOwners
    #: Called after a handler recorded an action, so its delivery goes out at once.
    _wake_dispatcher: Callable[[], None]
    _started = False

    def _ready(self) -> None:
        if not self._started:
            raise Unavailable("decision is starting; retry shortly")


def require_case_id(case_id: str) -> None:
    if not case_id:
        raise InvalidArgument("case_id is required", field="case_id")


def require_text(value: str, field: str, what: str) -> None:
    if not value.strip():
        raise InvalidArgument(f"{field} is required: {what}", field=field)
    if len(value) > MAX_TEXT_CHARS:
        raise InvalidArgument(
            f"{field} is {len(value)} characters, over the limit of {MAX_TEXT_CHARS}",
            field=field,
        )


def list_limit(requested: int) -> int:
    """How many results a list RPC returns: the request's limit, or the default for 0."""
    return bounded(requested, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, "limit")


def bounded(requested: int, default: int, maximum: int, field: str) -> int:
    """A count a request asks for: `default` for 0, refused outside 1 to `maximum`."""
    value = requested or default
    if not 1 <= value <= maximum:
        raise InvalidArgument(
            f"{field} must be between 1 and {maximum}, got {requested}", field=field
        )
    return value


def filter_value(value: str, field: str) -> str:
    """A list's filter as the request gives it ("" keeps everything)."""
    if len(value) > MAX_FILTER_CHARS or "\0" in value:
        raise InvalidArgument(
            f"{field} must be at most {MAX_FILTER_CHARS} characters, none of them NUL",
            field=field,
        )
    return value
