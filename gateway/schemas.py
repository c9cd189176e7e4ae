"""Request bodies and forms of the REST API, and their conversion to protobuf requests.

The models validate shape and types only (a wrong type or a missing field is a 422);
what a value means (a blank term, an unknown list) is judged by the service behind,
so that each rule lives in exactly one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from modmesh.common.v1 import evidence_pb2
from modmesh.decision.v1 import decision_pb2
from modmesh.similarity.v1 import similarity_pb2
from modmesh.termmatch.v1 import termmatch_pb2

SeverityName = Literal["low", "medium", "high", "critical"]
ActionName = Literal["no_violation", "remove_content", "escalate"]


class CaseStatusName(StrEnum):
    """Case statuses as query values: the proto names, lowercase, without the prefix."""

    PROCESSING = "processing"
    OPEN = "open"
    NO_EVIDENCE = "no_evidence"
    CLOSED = "closed"
    FAILED = "failed"

    def to_proto(self) -> decision_pb2.CaseStatus:
        return decision_pb2.CaseStatus.Value(f"CASE_STATUS_{self.name}")


class _Strict(BaseModel):
    # A misspelt field name must not be silently dropped (e.g. "severty").
    model_config = ConfigDict(extra="forbid")


class TermIn(_Strict):
    term_id: str = Field("", description="Unique within the list; assigned when empty.")
    text: str = Field(description="The word or phrase to find (whole words).")
    severity: SeverityName
    category: str = Field(description='Operator-defined category, e.g. "scam".')

    def to_proto(self) -> termmatch_pb2.Term:
        return termmatch_pb2.Term(
            term_id=self.term_id,
            text=self.text,
            severity=evidence_pb2.Severity.Value(f"SEVERITY_{self.severity.upper()}"),
            category=self.category,
        )


class CreateListIn(_Strict):
    list_id: str = Field(description="Lowercase letters, digits, '-' and '_'; 1 to 64 long.")
    name: str
    description: str = ""
    terms: list[TermIn] = []

    def to_proto(self) -> termmatch_pb2.CreateListRequest:
        return termmatch_pb2.CreateListRequest(
            list_id=self.list_id,
            name=self.name,
            description=self.description,
            terms=[term.to_proto() for term in self.terms],
        )


class AddTermsIn(_Strict):
    terms: list[TermIn]


class MatchIn(_Strict):
    text: str
    list_ids: list[str] = Field([], description="Lists to match against; empty: every list.")


class ActionIn(_Strict):
    type: ActionName
    actor: str = Field(description="Reviewer id of who acted.")
    reason: str = Field(description="Why, naming the policy for removals.")

    def to_proto(self, case_id: str) -> decision_pb2.RecordActionRequest:
        return decision_pb2.RecordActionRequest(
            case_id=case_id,
            type=decision_pb2.ActionType.Value(f"ACTION_TYPE_{self.type.upper()}"),
            actor=self.actor,
            reason=self.reason,
        )


# Multipart forms: the text fields that travel beside the uploaded `file`.


class MediaForm(_Strict):
    account_id: str = Field(description="Who published the content.")
    content_id: str = Field("", description="The publisher's id for the content.")
    capture_time: AwareDatetime | None = Field(
        None,
        description="RFC 3339 time the content was recorded; term lists apply as they "
        "stood then. Default: now.",
    )

    def to_source(self) -> decision_pb2.Source:
        source = decision_pb2.Source(account_id=self.account_id, content_id=self.content_id)
        if self.capture_time is not None:
            stamp = Timestamp()
            stamp.FromDatetime(self.capture_time)
            source.capture_time.CopyFrom(stamp)
        return source


class SimilarityItemForm(_Strict):
    bank: str = Field(description="Bank to add to: lowercase letters, digits, '-' and '_'.")
    item_id: str = Field("", description="Default: the media's sha256.")
    label: str = Field("", description="Human-readable label shown with matches.")


class SimilaritySearchForm(_Strict):
    k: int | None = Field(None, description="Most items to return, 1 to 100; default 10.")
    max_distance: int | None = Field(
        None,
        description="Largest Hamming distance that matches, 0 to 256; default: each bank's "
        "own (31 unless set). 0 finds exact copies only.",
    )
    banks: str = Field("", description="Comma-separated banks to search; empty: every bank.")

    def bank_list(self) -> list[str]:
        return [bank.strip() for bank in self.banks.split(",") if bank.strip()]


class CreateBankIn(_Strict):
    name: str = Field(description="Lowercase letters, digits, '-' and '_'; 1 to 64 long.")
    max_distance: int | None = Field(
        None, description="Largest Hamming distance (of 256 bits) that matches; default 31."
    )
    min_match_percent: float | None = Field(
        None,
        description="Share of the query's or the item's duration that must match; default 50.",
    )
    description: str = ""

    def to_proto(self) -> similarity_pb2.CreateBankRequest:
        request = similarity_pb2.CreateBankRequest(name=self.name, description=self.description)
        if self.max_distance is not None:
            request.max_distance = self.max_distance
        if self.min_match_percent is not None:
            request.min_match_percent = self.min_match_percent
        return request


# Error bodies, documented once for every route.


class FieldViolationOut(BaseModel):
    field: str
    description: str


class ErrorDetail(BaseModel):
    code: str = Field(description='The gRPC status name, e.g. "NOT_FOUND".')
    message: str
    field_violations: list[FieldViolationOut] = []


class ErrorOut(BaseModel):
    error: ErrorDetail


class ReadinessOut(BaseModel):
    ready: bool
    services: dict[str, str] = Field(
        description="grpc.health.v1 status of each service, or the error reaching it."
    )
