# Generated from protos/ by protos/generate.py. Do not edit.
import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from modmesh.contracts.common.v1 import audio_pb2 as _audio_pb2
from modmesh.contracts.common.v1 import evidence_pb2 as _evidence_pb2
from modmesh.contracts.scoring.v1 import scoring_pb2 as _scoring_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CaseStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATUS_UNSPECIFIED: _ClassVar[CaseStatus]
    CASE_STATUS_PROCESSING: _ClassVar[CaseStatus]
    CASE_STATUS_OPEN: _ClassVar[CaseStatus]
    CASE_STATUS_NO_EVIDENCE: _ClassVar[CaseStatus]
    CASE_STATUS_CLOSED: _ClassVar[CaseStatus]
    CASE_STATUS_FAILED: _ClassVar[CaseStatus]
    CASE_STATUS_DISMISSED: _ClassVar[CaseStatus]
    CASE_STATUS_RETRYING: _ClassVar[CaseStatus]

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_LOW: _ClassVar[Priority]
    PRIORITY_MEDIUM: _ClassVar[Priority]
    PRIORITY_HIGH: _ClassVar[Priority]
    PRIORITY_URGENT: _ClassVar[Priority]

class ActionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_TYPE_UNSPECIFIED: _ClassVar[ActionType]
    ACTION_TYPE_NO_VIOLATION: _ClassVar[ActionType]
    ACTION_TYPE_REMOVE_CONTENT: _ClassVar[ActionType]
    ACTION_TYPE_ESCALATE: _ClassVar[ActionType]
    ACTION_TYPE_END_STREAM: _ClassVar[ActionType]

class CaseSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_SOURCE_UNSPECIFIED: _ClassVar[CaseSource]
    CASE_SOURCE_RECORDED: _ClassVar[CaseSource]
    CASE_SOURCE_LIVE: _ClassVar[CaseSource]
    CASE_SOURCE_BACKFILL: _ClassVar[CaseSource]

class Queue(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUEUE_UNSPECIFIED: _ClassVar[Queue]
    QUEUE_GENERAL: _ClassVar[Queue]
    QUEUE_PROTECTED: _ClassVar[Queue]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_PENDING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DEAD: _ClassVar[DeliveryStatus]

class AppealStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPEAL_STATUS_UNSPECIFIED: _ClassVar[AppealStatus]
    APPEAL_STATUS_OPEN: _ClassVar[AppealStatus]
    APPEAL_STATUS_UPHELD: _ClassVar[AppealStatus]
    APPEAL_STATUS_REJECTED: _ClassVar[AppealStatus]
CASE_STATUS_UNSPECIFIED: CaseStatus
CASE_STATUS_PROCESSING: CaseStatus
CASE_STATUS_OPEN: CaseStatus
CASE_STATUS_NO_EVIDENCE: CaseStatus
CASE_STATUS_CLOSED: CaseStatus
CASE_STATUS_FAILED: CaseStatus
CASE_STATUS_DISMISSED: CaseStatus
CASE_STATUS_RETRYING: CaseStatus
PRIORITY_UNSPECIFIED: Priority
PRIORITY_LOW: Priority
PRIORITY_MEDIUM: Priority
PRIORITY_HIGH: Priority
PRIORITY_URGENT: Priority
ACTION_TYPE_UNSPECIFIED: ActionType
ACTION_TYPE_NO_VIOLATION: ActionType
ACTION_TYPE_REMOVE_CONTENT: ActionType
ACTION_TYPE_ESCALATE: ActionType
ACTION_TYPE_END_STREAM: ActionType
CASE_SOURCE_UNSPECIFIED: CaseSource
CASE_SOURCE_RECORDED: CaseSource
CASE_SOURCE_LIVE: CaseSource
CASE_SOURCE_BACKFILL: CaseSource
QUEUE_UNSPECIFIED: Queue
QUEUE_GENERAL: Queue
QUEUE_PROTECTED: Queue
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_PENDING: DeliveryStatus
DELIVERY_STATUS_DELIVERED: DeliveryStatus
DELIVERY_STATUS_DEAD: DeliveryStatus
APPEAL_STATUS_UNSPECIFIED: AppealStatus
APPEAL_STATUS_OPEN: AppealStatus
APPEAL_STATUS_UPHELD: AppealStatus
APPEAL_STATUS_REJECTED: AppealStatus

class Source(_message.Message):
    __slots__ = ("account_id", "content_id", "capture_time")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    content_id: str
    capture_time: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., content_id: _Optional[str] = ..., capture_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Transcript(_message.Message):
    __slots__ = ("text", "words", "language", "language_probability", "model", "untranscribed")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    UNTRANSCRIBED_FIELD_NUMBER: _ClassVar[int]
    text: str
    words: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    language: str
    language_probability: float
    model: _evidence_pb2.ModelInfo
    untranscribed: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.UntranscribedSpeech]
    def __init__(self, text: _Optional[str] = ..., words: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ..., language: _Optional[str] = ..., language_probability: _Optional[float] = ..., model: _Optional[_Union[_evidence_pb2.ModelInfo, _Mapping]] = ..., untranscribed: _Optional[_Iterable[_Union[_evidence_pb2.UntranscribedSpeech, _Mapping]]] = ...) -> None: ...

class RuleRef(_message.Message):
    __slots__ = ("rule_id", "version")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    version: int
    def __init__(self, rule_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class Action(_message.Message):
    __slots__ = ("action_id", "type", "actor", "reason", "created_at", "delivery_status")
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_STATUS_FIELD_NUMBER: _ClassVar[int]
    action_id: str
    type: ActionType
    actor: str
    reason: str
    created_at: _timestamp_pb2.Timestamp
    delivery_status: DeliveryStatus
    def __init__(self, action_id: _Optional[str] = ..., type: _Optional[_Union[ActionType, str]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivery_status: _Optional[_Union[DeliveryStatus, str]] = ...) -> None: ...

class Appeal(_message.Message):
    __slots__ = ("appeal_id", "case_id", "action_id", "appellant", "statement", "status", "reviewer", "decision_reason", "created_at", "decided_at")
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_ID_FIELD_NUMBER: _ClassVar[int]
    APPELLANT_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    DECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    appeal_id: str
    case_id: str
    action_id: str
    appellant: str
    statement: str
    status: AppealStatus
    reviewer: str
    decision_reason: str
    created_at: _timestamp_pb2.Timestamp
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, appeal_id: _Optional[str] = ..., case_id: _Optional[str] = ..., action_id: _Optional[str] = ..., appellant: _Optional[str] = ..., statement: _Optional[str] = ..., status: _Optional[_Union[AppealStatus, str]] = ..., reviewer: _Optional[str] = ..., decision_reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Lease(_message.Message):
    __slots__ = ("holder", "expires_at")
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    holder: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, holder: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Case(_message.Message):
    __slots__ = ("case_id", "status", "priority", "media", "source", "transcript", "term_hits", "similarity_matches", "rule", "statement_of_reasons", "actions", "error", "created_at", "updated_at", "due_at", "lease", "appeals", "next_attempt_at", "attempts", "tenant", "live_clips", "model_scores", "scores_missing")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    TERM_HITS_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_MATCHES_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_OF_REASONS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    APPEALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    LIVE_CLIPS_FIELD_NUMBER: _ClassVar[int]
    MODEL_SCORES_FIELD_NUMBER: _ClassVar[int]
    SCORES_MISSING_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    status: CaseStatus
    priority: Priority
    media: _evidence_pb2.MediaRef
    source: Source
    transcript: Transcript
    term_hits: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.TermHit]
    similarity_matches: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.SimilarityMatch]
    rule: RuleRef
    statement_of_reasons: str
    actions: _containers.RepeatedCompositeFieldContainer[Action]
    error: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    lease: Lease
    appeals: _containers.RepeatedCompositeFieldContainer[Appeal]
    next_attempt_at: _timestamp_pb2.Timestamp
    attempts: int
    tenant: str
    live_clips: _containers.RepeatedCompositeFieldContainer[LiveClip]
    model_scores: _containers.RepeatedCompositeFieldContainer[_scoring_pb2.CategoryScore]
    scores_missing: str
    def __init__(self, case_id: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., priority: _Optional[_Union[Priority, str]] = ..., media: _Optional[_Union[_evidence_pb2.MediaRef, _Mapping]] = ..., source: _Optional[_Union[Source, _Mapping]] = ..., transcript: _Optional[_Union[Transcript, _Mapping]] = ..., term_hits: _Optional[_Iterable[_Union[_evidence_pb2.TermHit, _Mapping]]] = ..., similarity_matches: _Optional[_Iterable[_Union[_evidence_pb2.SimilarityMatch, _Mapping]]] = ..., rule: _Optional[_Union[RuleRef, _Mapping]] = ..., statement_of_reasons: _Optional[str] = ..., actions: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., error: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lease: _Optional[_Union[Lease, _Mapping]] = ..., appeals: _Optional[_Iterable[_Union[Appeal, _Mapping]]] = ..., next_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempts: _Optional[int] = ..., tenant: _Optional[str] = ..., live_clips: _Optional[_Iterable[_Union[LiveClip, _Mapping]]] = ..., model_scores: _Optional[_Iterable[_Union[_scoring_pb2.CategoryScore, _Mapping]]] = ..., scores_missing: _Optional[str] = ...) -> None: ...

class SubmitRequest(_message.Message):
    __slots__ = ("media", "source", "idempotency_key")
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    media: _evidence_pb2.MediaRef
    source: Source
    idempotency_key: str
    def __init__(self, media: _Optional[_Union[_evidence_pb2.MediaRef, _Mapping]] = ..., source: _Optional[_Union[Source, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RetryCasesRequest(_message.Message):
    __slots__ = ("case_ids", "all_failed", "actor")
    CASE_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FAILED_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    case_ids: _containers.RepeatedScalarFieldContainer[str]
    all_failed: bool
    actor: str
    def __init__(self, case_ids: _Optional[_Iterable[str]] = ..., all_failed: _Optional[bool] = ..., actor: _Optional[str] = ...) -> None: ...

class RetryCasesResponse(_message.Message):
    __slots__ = ("cases",)
    CASES_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ...) -> None: ...

class SubmitResponse(_message.Message):
    __slots__ = ("case_id", "status", "duplicate")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    status: CaseStatus
    duplicate: bool
    def __init__(self, case_id: _Optional[str] = ..., status: _Optional[_Union[CaseStatus, str]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class GetCaseRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ListCasesRequest(_message.Message):
    __slots__ = ("status", "limit", "page_token", "account_id")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    status: CaseStatus
    limit: int
    page_token: str
    account_id: str
    def __init__(self, status: _Optional[_Union[CaseStatus, str]] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class ListCasesResponse(_message.Message):
    __slots__ = ("cases", "next_page_token")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    next_page_token: str
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordActionRequest(_message.Message):
    __slots__ = ("case_id", "type", "actor", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    type: ActionType
    actor: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., type: _Optional[_Union[ActionType, str]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RecordActionResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class RuleSet(_message.Message):
    __slots__ = ("version", "source", "document_json", "actor", "reason", "created_at")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_JSON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    version: int
    source: str
    document_json: str
    actor: str
    reason: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., source: _Optional[str] = ..., document_json: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PutRulesRequest(_message.Message):
    __slots__ = ("document", "actor", "reason")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    document: str
    actor: str
    reason: str
    def __init__(self, document: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PutRulesResponse(_message.Message):
    __slots__ = ("rule_set",)
    RULE_SET_FIELD_NUMBER: _ClassVar[int]
    rule_set: RuleSet
    def __init__(self, rule_set: _Optional[_Union[RuleSet, _Mapping]] = ...) -> None: ...

class GetRulesRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class GetRulesResponse(_message.Message):
    __slots__ = ("rule_set",)
    RULE_SET_FIELD_NUMBER: _ClassVar[int]
    rule_set: RuleSet
    def __init__(self, rule_set: _Optional[_Union[RuleSet, _Mapping]] = ...) -> None: ...

class DryRunRulesRequest(_message.Message):
    __slots__ = ("document", "days", "limit")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    document: str
    days: int
    limit: int
    def __init__(self, document: _Optional[str] = ..., days: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class OutcomeChange(_message.Message):
    __slots__ = ("case_id", "before_status", "before_priority", "before_rule", "after_status", "after_priority", "after_rule")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    BEFORE_STATUS_FIELD_NUMBER: _ClassVar[int]
    BEFORE_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    BEFORE_RULE_FIELD_NUMBER: _ClassVar[int]
    AFTER_STATUS_FIELD_NUMBER: _ClassVar[int]
    AFTER_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    AFTER_RULE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    before_status: CaseStatus
    before_priority: Priority
    before_rule: RuleRef
    after_status: CaseStatus
    after_priority: Priority
    after_rule: RuleRef
    def __init__(self, case_id: _Optional[str] = ..., before_status: _Optional[_Union[CaseStatus, str]] = ..., before_priority: _Optional[_Union[Priority, str]] = ..., before_rule: _Optional[_Union[RuleRef, _Mapping]] = ..., after_status: _Optional[_Union[CaseStatus, str]] = ..., after_priority: _Optional[_Union[Priority, str]] = ..., after_rule: _Optional[_Union[RuleRef, _Mapping]] = ...) -> None: ...

class DryRunRulesResponse(_message.Message):
    __slots__ = ("cases_considered", "cases_changed", "changes", "compared_with_version")
    CASES_CONSIDERED_FIELD_NUMBER: _ClassVar[int]
    CASES_CHANGED_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    COMPARED_WITH_VERSION_FIELD_NUMBER: _ClassVar[int]
    cases_considered: int
    cases_changed: int
    changes: _containers.RepeatedCompositeFieldContainer[OutcomeChange]
    compared_with_version: int
    def __init__(self, cases_considered: _Optional[int] = ..., cases_changed: _Optional[int] = ..., changes: _Optional[_Iterable[_Union[OutcomeChange, _Mapping]]] = ..., compared_with_version: _Optional[int] = ...) -> None: ...

class Reviewer(_message.Message):
    __slots__ = ("reviewer_id", "languages", "categories", "protected_queue")
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    PROTECTED_QUEUE_FIELD_NUMBER: _ClassVar[int]
    reviewer_id: str
    languages: _containers.RepeatedScalarFieldContainer[str]
    categories: _containers.RepeatedScalarFieldContainer[str]
    protected_queue: bool
    def __init__(self, reviewer_id: _Optional[str] = ..., languages: _Optional[_Iterable[str]] = ..., categories: _Optional[_Iterable[str]] = ..., protected_queue: _Optional[bool] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("account_id", "flags", "protected")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    PROTECTED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    flags: _containers.RepeatedScalarFieldContainer[str]
    protected: bool
    def __init__(self, account_id: _Optional[str] = ..., flags: _Optional[_Iterable[str]] = ..., protected: _Optional[bool] = ...) -> None: ...

class PutReviewerRequest(_message.Message):
    __slots__ = ("reviewer", "actor", "reason")
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reviewer: Reviewer
    actor: str
    reason: str
    def __init__(self, reviewer: _Optional[_Union[Reviewer, _Mapping]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PutReviewerResponse(_message.Message):
    __slots__ = ("reviewer",)
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    reviewer: Reviewer
    def __init__(self, reviewer: _Optional[_Union[Reviewer, _Mapping]] = ...) -> None: ...

class PutAccountRequest(_message.Message):
    __slots__ = ("account", "actor", "reason")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    account: Account
    actor: str
    reason: str
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PutAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: Account
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: Account
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class ListQueueRequest(_message.Message):
    __slots__ = ("reviewer_id", "queue", "limit", "page_token", "category", "list_id", "language", "source")
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    QUEUE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    reviewer_id: str
    queue: Queue
    limit: int
    page_token: str
    category: str
    list_id: str
    language: str
    source: CaseSource
    def __init__(self, reviewer_id: _Optional[str] = ..., queue: _Optional[_Union[Queue, str]] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ..., category: _Optional[str] = ..., list_id: _Optional[str] = ..., language: _Optional[str] = ..., source: _Optional[_Union[CaseSource, str]] = ...) -> None: ...

class ListQueueResponse(_message.Message):
    __slots__ = ("cases", "next_page_token", "total")
    CASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[Case]
    next_page_token: str
    total: int
    def __init__(self, cases: _Optional[_Iterable[_Union[Case, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class ClaimCaseRequest(_message.Message):
    __slots__ = ("case_id", "reviewer_id", "lease_seconds")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reviewer_id: str
    lease_seconds: int
    def __init__(self, case_id: _Optional[str] = ..., reviewer_id: _Optional[str] = ..., lease_seconds: _Optional[int] = ...) -> None: ...

class ClaimCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class ReleaseCaseRequest(_message.Message):
    __slots__ = ("case_id", "reviewer_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reviewer_id: str
    def __init__(self, case_id: _Optional[str] = ..., reviewer_id: _Optional[str] = ...) -> None: ...

class ReleaseCaseResponse(_message.Message):
    __slots__ = ("case",)
    CASE_FIELD_NUMBER: _ClassVar[int]
    case: Case
    def __init__(self, case: _Optional[_Union[Case, _Mapping]] = ...) -> None: ...

class FileAppealRequest(_message.Message):
    __slots__ = ("case_id", "appellant", "statement")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    APPELLANT_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    appellant: str
    statement: str
    def __init__(self, case_id: _Optional[str] = ..., appellant: _Optional[str] = ..., statement: _Optional[str] = ...) -> None: ...

class FileAppealResponse(_message.Message):
    __slots__ = ("appeal",)
    APPEAL_FIELD_NUMBER: _ClassVar[int]
    appeal: Appeal
    def __init__(self, appeal: _Optional[_Union[Appeal, _Mapping]] = ...) -> None: ...

class DecideAppealRequest(_message.Message):
    __slots__ = ("appeal_id", "reviewer_id", "uphold", "reason")
    APPEAL_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_ID_FIELD_NUMBER: _ClassVar[int]
    UPHOLD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    appeal_id: str
    reviewer_id: str
    uphold: bool
    reason: str
    def __init__(self, appeal_id: _Optional[str] = ..., reviewer_id: _Optional[str] = ..., uphold: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class DecideAppealResponse(_message.Message):
    __slots__ = ("appeal",)
    APPEAL_FIELD_NUMBER: _ClassVar[int]
    appeal: Appeal
    def __init__(self, appeal: _Optional[_Union[Appeal, _Mapping]] = ...) -> None: ...

class ListAppealsRequest(_message.Message):
    __slots__ = ("status", "limit")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    status: AppealStatus
    limit: int
    def __init__(self, status: _Optional[_Union[AppealStatus, str]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListAppealsResponse(_message.Message):
    __slots__ = ("appeals",)
    APPEALS_FIELD_NUMBER: _ClassVar[int]
    appeals: _containers.RepeatedCompositeFieldContainer[Appeal]
    def __init__(self, appeals: _Optional[_Iterable[_Union[Appeal, _Mapping]]] = ...) -> None: ...

class GetStatementOfReasonsRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetStatementOfReasonsResponse(_message.Message):
    __slots__ = ("statement_json",)
    STATEMENT_JSON_FIELD_NUMBER: _ClassVar[int]
    statement_json: str
    def __init__(self, statement_json: _Optional[str] = ...) -> None: ...

class BackfillRequest(_message.Message):
    __slots__ = ("list_id", "since", "dry_run", "rate_per_second", "actor")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    since: _timestamp_pb2.Timestamp
    dry_run: bool
    rate_per_second: float
    actor: str
    def __init__(self, list_id: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dry_run: _Optional[bool] = ..., rate_per_second: _Optional[float] = ..., actor: _Optional[str] = ...) -> None: ...

class BackfillResponse(_message.Message):
    __slots__ = ("total", "scanned", "matched", "new_hits", "created", "done", "resumed", "run_id")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SCANNED_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FIELD_NUMBER: _ClassVar[int]
    NEW_HITS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    total: int
    scanned: int
    matched: int
    new_hits: int
    created: int
    done: bool
    resumed: bool
    run_id: str
    def __init__(self, total: _Optional[int] = ..., scanned: _Optional[int] = ..., matched: _Optional[int] = ..., new_hits: _Optional[int] = ..., created: _Optional[int] = ..., done: _Optional[bool] = ..., resumed: _Optional[bool] = ..., run_id: _Optional[str] = ...) -> None: ...

class ModerateStreamRequest(_message.Message):
    __slots__ = ("open", "audio", "end")
    OPEN_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    open: LiveStreamOpen
    audio: bytes
    end: LiveStreamEnd
    def __init__(self, open: _Optional[_Union[LiveStreamOpen, _Mapping]] = ..., audio: _Optional[bytes] = ..., end: _Optional[_Union[LiveStreamEnd, _Mapping]] = ...) -> None: ...

class LiveStreamOpen(_message.Message):
    __slots__ = ("stream_id", "account_id", "start_time", "format", "resume_from_seconds")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    RESUME_FROM_SECONDS_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    start_time: _timestamp_pb2.Timestamp
    format: _audio_pb2.AudioFormat
    resume_from_seconds: float
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., format: _Optional[_Union[_audio_pb2.AudioFormat, _Mapping]] = ..., resume_from_seconds: _Optional[float] = ...) -> None: ...

class LiveStreamEnd(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModerateStreamResponse(_message.Message):
    __slots__ = ("opened", "ack", "flag", "action", "untranscribed", "clip")
    OPENED_FIELD_NUMBER: _ClassVar[int]
    ACK_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    UNTRANSCRIBED_FIELD_NUMBER: _ClassVar[int]
    CLIP_FIELD_NUMBER: _ClassVar[int]
    opened: LiveStreamOpened
    ack: LiveStreamAck
    flag: LiveStreamFlag
    action: LiveStreamAction
    untranscribed: LiveStreamUntranscribed
    clip: LiveClip
    def __init__(self, opened: _Optional[_Union[LiveStreamOpened, _Mapping]] = ..., ack: _Optional[_Union[LiveStreamAck, _Mapping]] = ..., flag: _Optional[_Union[LiveStreamFlag, _Mapping]] = ..., action: _Optional[_Union[LiveStreamAction, _Mapping]] = ..., untranscribed: _Optional[_Union[LiveStreamUntranscribed, _Mapping]] = ..., clip: _Optional[_Union[LiveClip, _Mapping]] = ...) -> None: ...

class LiveStreamOpened(_message.Message):
    __slots__ = ("resumed", "moderated_seconds", "last_flag_sequence")
    RESUMED_FIELD_NUMBER: _ClassVar[int]
    MODERATED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LAST_FLAG_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    resumed: bool
    moderated_seconds: float
    last_flag_sequence: int
    def __init__(self, resumed: _Optional[bool] = ..., moderated_seconds: _Optional[float] = ..., last_flag_sequence: _Optional[int] = ...) -> None: ...

class LiveStreamAck(_message.Message):
    __slots__ = ("moderated_seconds",)
    MODERATED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    moderated_seconds: float
    def __init__(self, moderated_seconds: _Optional[float] = ...) -> None: ...

class LiveStreamFlag(_message.Message):
    __slots__ = ("sequence", "hit", "context", "case_id")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    HIT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    hit: _evidence_pb2.TermHit
    context: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    case_id: str
    def __init__(self, sequence: _Optional[int] = ..., hit: _Optional[_Union[_evidence_pb2.TermHit, _Mapping]] = ..., context: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ..., case_id: _Optional[str] = ...) -> None: ...

class LiveClip(_message.Message):
    __slots__ = ("flag_sequence", "media", "time_range")
    FLAG_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    flag_sequence: int
    media: _evidence_pb2.MediaRef
    time_range: _evidence_pb2.TimeRange
    def __init__(self, flag_sequence: _Optional[int] = ..., media: _Optional[_Union[_evidence_pb2.MediaRef, _Mapping]] = ..., time_range: _Optional[_Union[_evidence_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class LiveStreamUntranscribed(_message.Message):
    __slots__ = ("speech", "case_id")
    SPEECH_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    speech: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.UntranscribedSpeech]
    case_id: str
    def __init__(self, speech: _Optional[_Iterable[_Union[_evidence_pb2.UntranscribedSpeech, _Mapping]]] = ..., case_id: _Optional[str] = ...) -> None: ...

class LiveStreamAction(_message.Message):
    __slots__ = ("type", "case_id", "rule", "statement_of_reasons")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_OF_REASONS_FIELD_NUMBER: _ClassVar[int]
    type: ActionType
    case_id: str
    rule: RuleRef
    statement_of_reasons: str
    def __init__(self, type: _Optional[_Union[ActionType, str]] = ..., case_id: _Optional[str] = ..., rule: _Optional[_Union[RuleRef, _Mapping]] = ..., statement_of_reasons: _Optional[str] = ...) -> None: ...

class ListLiveStreamsRequest(_message.Message):
    __slots__ = ("after_flag_id", "ended_within_seconds", "limit", "flag_limit")
    AFTER_FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    ENDED_WITHIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    FLAG_LIMIT_FIELD_NUMBER: _ClassVar[int]
    after_flag_id: int
    ended_within_seconds: int
    limit: int
    flag_limit: int
    def __init__(self, after_flag_id: _Optional[int] = ..., ended_within_seconds: _Optional[int] = ..., limit: _Optional[int] = ..., flag_limit: _Optional[int] = ...) -> None: ...

class LiveStream(_message.Message):
    __slots__ = ("stream_id", "account_id", "start_time", "moderated_seconds", "case_id", "flag_count", "ended_at", "connected")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    MODERATED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FLAG_COUNT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    account_id: str
    start_time: _timestamp_pb2.Timestamp
    moderated_seconds: float
    case_id: str
    flag_count: int
    ended_at: _timestamp_pb2.Timestamp
    connected: bool
    def __init__(self, stream_id: _Optional[str] = ..., account_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., moderated_seconds: _Optional[float] = ..., case_id: _Optional[str] = ..., flag_count: _Optional[int] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., connected: _Optional[bool] = ...) -> None: ...

class LiveWallFlag(_message.Message):
    __slots__ = ("flag_id", "stream_id", "flag", "flagged_at")
    FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_AT_FIELD_NUMBER: _ClassVar[int]
    flag_id: int
    stream_id: str
    flag: LiveStreamFlag
    flagged_at: _timestamp_pb2.Timestamp
    def __init__(self, flag_id: _Optional[int] = ..., stream_id: _Optional[str] = ..., flag: _Optional[_Union[LiveStreamFlag, _Mapping]] = ..., flagged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListLiveStreamsResponse(_message.Message):
    __slots__ = ("streams", "total_streams", "flags", "next_after_flag_id")
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STREAMS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_AFTER_FLAG_ID_FIELD_NUMBER: _ClassVar[int]
    streams: _containers.RepeatedCompositeFieldContainer[LiveStream]
    total_streams: int
    flags: _containers.RepeatedCompositeFieldContainer[LiveWallFlag]
    next_after_flag_id: int
    def __init__(self, streams: _Optional[_Iterable[_Union[LiveStream, _Mapping]]] = ..., total_streams: _Optional[int] = ..., flags: _Optional[_Iterable[_Union[LiveWallFlag, _Mapping]]] = ..., next_after_flag_id: _Optional[int] = ...) -> None: ...

class ListCaseAuditRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class ListCaseAuditResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CaseAuditEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[CaseAuditEntry, _Mapping]]] = ...) -> None: ...

class CaseAuditEntry(_message.Message):
    __slots__ = ("at", "actor", "action", "details_json")
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    actor: str
    action: str
    details_json: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., details_json: _Optional[str] = ...) -> None: ...

class GetAuditCheckpointRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAuditCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: AuditCheckpoint
    def __init__(self, checkpoint: _Optional[_Union[AuditCheckpoint, _Mapping]] = ...) -> None: ...

class AuditCheckpoint(_message.Message):
    __slots__ = ("log", "entries", "head_id", "head_hash", "at", "public_key", "signature")
    LOG_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    HEAD_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    log: str
    entries: int
    head_id: int
    head_hash: str
    at: str
    public_key: str
    signature: str
    def __init__(self, log: _Optional[str] = ..., entries: _Optional[int] = ..., head_id: _Optional[int] = ..., head_hash: _Optional[str] = ..., at: _Optional[str] = ..., public_key: _Optional[str] = ..., signature: _Optional[str] = ...) -> None: ...
