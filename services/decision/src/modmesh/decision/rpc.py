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
    limit = requested or DEFAULT_LIST_LIMIT
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidArgument(
            f"limit must be between 1 and {MAX_LIST_LIMIT}, got {requested}", field="limit"
        )
    return limit
