"""Request bodies and forms of the REST API, and their conversion to protobuf requests.

The models validate shape, types and the limits a schema can state (a wrong type, a
missing field, a blank reason, an id off its pattern, a number out of range is a 422), so
that the OpenAPI document describes what the server accepts; what a value means (an
invalid RE2 pattern, an unknown list) is judged by the service behind. JSON bodies take
JSON's own types (StrictBool, JsonInt, StrictFloat: pydantic would otherwise read 0 as
false, false as 0.0 and "5" as 5); forms and queries, text by nature, convert.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from fastapi import Path
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    ValidationInfo,
    field_validator,
)

from modmesh.contracts.common.v1 import audio_pb2, evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.similarity.v1 import similarity_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2
from modmesh.contracts.timestamps import to_timestamp
from modmesh.runtime.errors import InvalidArgument

SeverityName = Literal["low", "medium", "high", "critical"]
ActionName = Literal["no_violation", "remove_content", "escalate", "end_stream"]


class CaseStatusName(StrEnum):
    """Case statuses as query values: the proto names, lowercase, without the prefix."""

    PROCESSING = "processing"
    OPEN = "open"
    NO_EVIDENCE = "no_evidence"
    CLOSED = "closed"
    FAILED = "failed"
    DISMISSED = "dismissed"
    RETRYING = "retrying"

    def to_proto(self) -> decision_pb2.CaseStatus:
        status: decision_pb2.CaseStatus = decision_pb2.CaseStatus.Value(f"CASE_STATUS_{self.name}")
        return status


def _no_lone_surrogates(text: str, info: ValidationInfo) -> str:
    # JSON can spell one ("\ud800"); no protobuf string can carry it. Raised as a domain
    # error, not a ValueError: a 422 would echo the input, which cannot be encoded.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidArgument(
            f"{info.field_name} has a lone surrogate code point at position {error.start}; "
            "send valid Unicode text",
            field=str(info.field_name),
        ) from None
    return text


class _Strict(BaseModel):
    # A misspelt field name must not be silently dropped (e.g. "severty").
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _unicode_only(cls, value: object, info: ValidationInfo) -> object:
        """Every text field, and every text in a list, must be valid Unicode."""
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                _no_lone_surrogates(text, info)
        return value


KindName = Literal["word", "substring", "regex"]

#: Text that a protobuf string can carry (every _Strict model's text fields are).
UnicodeText = Annotated[str, AfterValidator(_no_lone_surrogates)]
#: The ids the services accept for term lists and banks (termmatch's LIST_ID_PATTERN,
#: similarity's bank names): the schema says so, so a client learns it before a 400.
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def _json_number(value: object) -> object:
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON number")
    return value


#: An integer in a JSON body: a number with no fraction, 5 or 5.0 (as JSON Schema's
#: "integer" has it), never true or "5".
JsonInt = Annotated[int, BeforeValidator(_json_number)]
#: RFC 3339's date-time (section 5.6; a space for the T, as its note allows).
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def _rfc3339_text(value: object) -> object:
    # Pydantic would take a number, or a text of digits, as seconds since the epoch.
    if value is not None and not (isinstance(value, str) and _RFC3339.fullmatch(value)):
        raise ValueError("must be an RFC 3339 date-time string")
    return value


#: A time in a JSON body or a form: an RFC 3339 string only, as the schema says.
Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text)]
#: A list id or bank name in a path.
PathId = Annotated[str, Path(pattern=ID_PATTERN)]
#: Text the services refuse when blank (they strip whitespace, \x1c-\x1f included).
NonBlank = Annotated[str, Field(pattern=r"[^\s\x1c-\x1f]")]


class _Windowed(_Strict):
    active_from: Rfc3339 | None = Field(
        None, description="Applies to content captured from this RFC 3339 time on."
    )
    active_until: Rfc3339 | None = Field(
        None, description="Applies to content captured before this time."
    )

    def window_fields(self) -> dict[str, Timestamp]:
        return {
            name: to_timestamp(moment)
            for name, moment in (
                ("active_from", self.active_from),
                ("active_until", self.active_until),
            )
            if moment is not None
        }


class TermIn(_Windowed):
    term_id: str = Field("", description="Unique within the list; assigned when empty.")
    text: NonBlank = Field(description="The word, phrase, substring or RE2 pattern to find.")
    severity: SeverityName
    category: str = Field(description='Operator-defined category, e.g. "scam".')
    kind: KindName = Field("word", description="word (whole words), substring or regex.")
    locale: str = Field("", description="BCP 47 tag of the term's language.")
    note: str = ""

    def to_proto(self) -> termmatch_pb2.Term:
        return termmatch_pb2.Term(
            term_id=self.term_id,
            text=self.text,
            severity=evidence_pb2.Severity.Value(f"SEVERITY_{self.severity.upper()}"),
            category=self.category,
            kind=termmatch_pb2.TermKind.Value(f"TERM_KIND_{self.kind.upper()}"),
            locale=self.locale,
            note=self.note,
            **self.window_fields(),
        )


class FlagsIn(_Strict):
    """Normalisation of a list; see the NormalizationFlags message."""

    nfkc: StrictBool = True
    casefold: StrictBool = True
    strip_accents: StrictBool = False
    confusables: StrictBool = False
    leetspeak: StrictBool = False
    ignore_separators: StrictBool = False
    collapse_repeats: StrictBool = False
    join_words: StrictBool = False
    spoken_forms: StrictBool = False
    sounds_like: StrictBool = False

    def to_proto(self) -> termmatch_pb2.NormalizationFlags:
        return termmatch_pb2.NormalizationFlags(**self.model_dump())


class ListSettingsIn(_Windowed):
    name: NonBlank
    description: str = ""
    flags: FlagsIn = Field(default_factory=FlagsIn)
    exceptions: list[NonBlank] = Field([], description="Allowlisted phrases that suppress hits.")

    def settings_fields(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "flags": self.flags.to_proto(),
            "exceptions": self.exceptions,
            **self.window_fields(),
        }


class CreateListIn(ListSettingsIn):
    list_id: str = Field(
        pattern=ID_PATTERN, description="Lowercase letters, digits, '-' and '_'; 1 to 64 long."
    )
    terms: list[TermIn] = []

    def to_proto(self) -> termmatch_pb2.CreateListRequest:
        return termmatch_pb2.CreateListRequest(
            list_id=self.list_id,
            terms=[term.to_proto() for term in self.terms],
            **self.settings_fields(),  # type: ignore[arg-type]
        )


class UpdateListIn(ListSettingsIn):
    def to_proto(self, list_id: str) -> termmatch_pb2.UpdateListRequest:
        return termmatch_pb2.UpdateListRequest(list_id=list_id, **self.settings_fields())  # type: ignore[arg-type]


class AddTermsIn(_Strict):
    terms: list[TermIn] = Field(min_length=1)


class MatchIn(_Strict):
    text: UnicodeText
    list_ids: list[str] = Field([], description="Lists to match against; empty: every list.")
    capture_time: Rfc3339 | None = Field(
        None, description="When the content was captured; windows apply as of then. Default: now."
    )

    def to_proto(self) -> termmatch_pb2.MatchRequest:
        request = termmatch_pb2.MatchRequest(text=self.text, list_ids=self.list_ids)
        if self.capture_time is not None:
            request.capture_time.CopyFrom(to_timestamp(self.capture_time))
        return request


class ActionIn(_Strict):
    type: ActionName
    reason: str = Field(description="Why, naming the policy for removals.")

    def to_proto(self, case_id: str, actor: str) -> decision_pb2.RecordActionRequest:
        return decision_pb2.RecordActionRequest(
            case_id=case_id,
            type=decision_pb2.ActionType.Value(f"ACTION_TYPE_{self.type.upper()}"),
            actor=actor,
            reason=self.reason,
        )


# Live streams: the text messages a client sends on /v1/streams/{stream_id}/live.

AudioEncodingName = Literal["pcm_s16le", "container"]


class AudioFormatIn(_Strict):
    """See the AudioFormat message."""

    encoding: AudioEncodingName = Field(
        description="pcm_s16le: 16-bit little-endian samples, 16000 Hz, mono; container: "
        "the bytes of any stream ffmpeg reads (WebM/Opus from a MediaRecorder, Ogg, MP3...)."
    )
    sample_rate_hz: JsonInt = Field(0, description="16000 for pcm_s16le; 0 for container.")
    channels: JsonInt = Field(0, description="1 for pcm_s16le; 0 for container.")

    def to_proto(self) -> audio_pb2.AudioFormat:
        return audio_pb2.AudioFormat(
            encoding=audio_pb2.AudioEncoding.Value(f"AUDIO_ENCODING_{self.encoding.upper()}"),
            sample_rate_hz=self.sample_rate_hz,
            channels=self.channels,
        )


class LiveStreamOpenIn(_Strict):
    """The first message of a live stream; see the LiveStreamOpen message (the stream id
    is the route's)."""

    account_id: UnicodeText = Field(description="The broadcasting account.")
    start_time: Rfc3339 | None = Field(
        None, description="When offset 0 of the stream was on air; default: now."
    )
    format: AudioFormatIn
    resume_from_seconds: StrictFloat = Field(
        0.0, description="0 for a new stream; to resume, the last acknowledged offset."
    )

    def to_proto(self, stream_id: str) -> decision_pb2.LiveStreamOpen:
        opening = decision_pb2.LiveStreamOpen(
            stream_id=stream_id,
            account_id=self.account_id,
            format=self.format.to_proto(),
            resume_from_seconds=self.resume_from_seconds,
        )
        if self.start_time is not None:
            opening.start_time.CopyFrom(to_timestamp(self.start_time))
        return opening


class _Empty(_Strict):
    pass


class LiveStreamEndIn(_Strict):
    """`{"end": {}}`: the broadcast is over."""

    end: _Empty


# Multipart forms: the text fields that travel beside the uploaded `file`.


class MediaForm(_Strict):
    account_id: NonBlank = Field(description="Who published the content.")
    content_id: str = Field("", description="The publisher's id for the content.")
    capture_time: Rfc3339 | None = Field(
        None,
        description="RFC 3339 time the content was recorded; term lists apply as they "
        "stood then. Default: now.",
    )

    def to_source(self) -> decision_pb2.Source:
        source = decision_pb2.Source(account_id=self.account_id, content_id=self.content_id)
        if self.capture_time is not None:
            source.capture_time.CopyFrom(to_timestamp(self.capture_time))
        return source


class SimilarityItemForm(_Strict):
    bank: str = Field(
        pattern=ID_PATTERN, description="Bank to add to: lowercase letters, digits, '-' and '_'."
    )
    item_id: str = Field("", max_length=256, description="Default: the media's sha256.")
    label: str = Field("", max_length=1024, description="Human-readable label shown with matches.")


class SimilaritySearchForm(_Strict):
    k: int | None = Field(None, ge=1, le=100, description="Most items to return; default 10.")
    max_distance: int | None = Field(
        None,
        ge=0,
        le=256,
        description="Largest Hamming distance that matches, 0 to 256; default: each bank's "
        "own (31 unless set). 0 finds exact copies only.",
    )
    banks: str = Field("", description="Comma-separated banks to search; empty: every bank.")

    def bank_list(self) -> list[str]:
        return [bank.strip() for bank in self.banks.split(",") if bank.strip()]


class CreateBankIn(_Strict):
    name: str = Field(
        pattern=ID_PATTERN, description="Lowercase letters, digits, '-' and '_'; 1 to 64 long."
    )
    max_distance: JsonInt | None = Field(
        None,
        ge=0,
        le=256,
        description="Largest Hamming distance (of 256 bits) that matches; default 31.",
    )
    min_match_percent: StrictFloat | None = Field(
        None,
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="Share of the query's or the item's duration that must match; default 50.",
    )
    description: str = Field("", max_length=4096)
    negative: StrictBool = Field(
        False,
        description="Known-good content: its matches are never reported and withhold the "
        "matches of other banks on the same frames (listed as suppressed, with why).",
    )

    def to_proto(self) -> similarity_pb2.CreateBankRequest:
        request = similarity_pb2.CreateBankRequest(
            name=self.name, description=self.description, negative=self.negative
        )
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


class RulesIn(_Strict):
    document: NonBlank = Field(description="The rule set in YAML or JSON (see README: Rules).")
    reason: NonBlank = Field(description="Why the rules change; kept in the audit log.")

    def to_proto(self, actor: str) -> decision_pb2.PutRulesRequest:
        return decision_pb2.PutRulesRequest(document=self.document, actor=actor, reason=self.reason)


class DryRunIn(_Strict):
    document: NonBlank = Field(description="The proposed rule set in YAML or JSON.")
    days: JsonInt = Field(7, ge=1, le=365, description="Decide again the cases of this many days.")
    limit: JsonInt = Field(100, ge=1, le=1000, description="List at most this many changes.")

    def to_proto(self) -> decision_pb2.DryRunRulesRequest:
        return decision_pb2.DryRunRulesRequest(
            document=self.document, days=self.days, limit=self.limit
        )


class RetryIn(_Strict):
    case_ids: list[str] = Field(
        [], max_length=500, description="The FAILED cases to analyse again."
    )
    all_failed: StrictBool = Field(
        False, description="Instead of case_ids: every FAILED case (500 per call)."
    )

    def to_proto(self, actor: str) -> decision_pb2.RetryCasesRequest:
        return decision_pb2.RetryCasesRequest(
            case_ids=self.case_ids, all_failed=self.all_failed, actor=actor
        )


QueueName = Literal["general", "protected"]
#: Where a case's media came from, as a query value (CaseSource's names, lowercase).
SourceName = Literal["recorded", "live", "backfill"]


class ClaimIn(_Strict):
    lease_seconds: JsonInt = Field(900, ge=1, le=14400, description="How long the claim holds.")


class ReviewerIn(_Strict):
    languages: list[str] = Field([], description="Languages read (e.g. en); empty: any.")
    categories: list[str] = Field([], description="Term categories judged; empty: any.")
    protected_queue: StrictBool = Field(False, description="Works the protected accounts' queue.")
    reason: NonBlank = Field(description="Why; kept in the audit log.")

    def to_proto(self, reviewer_id: str, actor: str) -> decision_pb2.PutReviewerRequest:
        return decision_pb2.PutReviewerRequest(
            reviewer=decision_pb2.Reviewer(
                reviewer_id=reviewer_id,
                languages=self.languages,
                categories=self.categories,
                protected_queue=self.protected_queue,
            ),
            actor=actor,
            reason=self.reason,
        )


class AccountIn(_Strict):
    flags: list[str] = Field([], description="Operator flags rules can use.")
    protected: StrictBool = Field(False, description="Route its cases to the protected queue.")
    reason: NonBlank = Field(description="Why; kept in the audit log.")

    def to_proto(self, account_id: str, actor: str) -> decision_pb2.PutAccountRequest:
        return decision_pb2.PutAccountRequest(
            account=decision_pb2.Account(
                account_id=account_id, flags=self.flags, protected=self.protected
            ),
            actor=actor,
            reason=self.reason,
        )


AppealStatusName = Literal["open", "upheld", "rejected"]


class AppealIn(_Strict):
    statement: NonBlank = Field(description="Why the decision is wrong.")


class AppealDecisionIn(_Strict):
    uphold: StrictBool = Field(description="True reverses the action.")
    reason: NonBlank = Field(description="The answer the account gets.")
