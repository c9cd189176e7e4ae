# Generated from protos/ by protos/generate.py. Do not edit.
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_LOW: _ClassVar[Severity]
    SEVERITY_MEDIUM: _ClassVar[Severity]
    SEVERITY_HIGH: _ClassVar[Severity]
    SEVERITY_CRITICAL: _ClassVar[Severity]
SEVERITY_UNSPECIFIED: Severity
SEVERITY_LOW: Severity
SEVERITY_MEDIUM: Severity
SEVERITY_HIGH: Severity
SEVERITY_CRITICAL: Severity

class MediaRef(_message.Message):
    __slots__ = ("sha256", "uri", "size_bytes", "mime_type")
    SHA256_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    sha256: str
    uri: str
    size_bytes: int
    mime_type: str
    def __init__(self, sha256: _Optional[str] = ..., uri: _Optional[str] = ..., size_bytes: _Optional[int] = ..., mime_type: _Optional[str] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start_seconds", "end_seconds")
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    start_seconds: float
    end_seconds: float
    def __init__(self, start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ...) -> None: ...

class TextSpan(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class Word(_message.Message):
    __slots__ = ("text", "start_seconds", "end_seconds", "probability")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    text: str
    start_seconds: float
    end_seconds: float
    probability: float
    def __init__(self, text: _Optional[str] = ..., start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ..., probability: _Optional[float] = ...) -> None: ...

class UntranscribedSpeech(_message.Message):
    __slots__ = ("language", "language_probability", "time_range")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    language: str
    language_probability: float
    time_range: TimeRange
    def __init__(self, language: _Optional[str] = ..., language_probability: _Optional[float] = ..., time_range: _Optional[_Union[TimeRange, _Mapping]] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class TermHit(_message.Message):
    __slots__ = ("term_id", "term", "list_id", "list_version", "severity", "category", "span", "matched_text", "word_start_index", "word_end_index", "time_range", "sound_confidence")
    TERM_ID_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    MATCHED_TEXT_FIELD_NUMBER: _ClassVar[int]
    WORD_START_INDEX_FIELD_NUMBER: _ClassVar[int]
    WORD_END_INDEX_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    SOUND_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    term_id: str
    term: str
    list_id: str
    list_version: int
    severity: Severity
    category: str
    span: TextSpan
    matched_text: str
    word_start_index: int
    word_end_index: int
    time_range: TimeRange
    sound_confidence: float
    def __init__(self, term_id: _Optional[str] = ..., term: _Optional[str] = ..., list_id: _Optional[str] = ..., list_version: _Optional[int] = ..., severity: _Optional[_Union[Severity, str]] = ..., category: _Optional[str] = ..., span: _Optional[_Union[TextSpan, _Mapping]] = ..., matched_text: _Optional[str] = ..., word_start_index: _Optional[int] = ..., word_end_index: _Optional[int] = ..., time_range: _Optional[_Union[TimeRange, _Mapping]] = ..., sound_confidence: _Optional[float] = ...) -> None: ...

class SimilarityMatch(_message.Message):
    __slots__ = ("item_id", "bank", "distance", "query_match_percent", "item_match_percent", "query_ranges", "item_ranges", "label", "index_snapshot", "signal", "stale_hashes", "source")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    QUERY_MATCH_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ITEM_MATCH_PERCENT_FIELD_NUMBER: _ClassVar[int]
    QUERY_RANGES_FIELD_NUMBER: _ClassVar[int]
    ITEM_RANGES_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    INDEX_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    STALE_HASHES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    bank: str
    distance: int
    query_match_percent: float
    item_match_percent: float
    query_ranges: _containers.RepeatedCompositeFieldContainer[TimeRange]
    item_ranges: _containers.RepeatedCompositeFieldContainer[TimeRange]
    label: str
    index_snapshot: str
    signal: str
    stale_hashes: bool
    source: SignalSource
    def __init__(self, item_id: _Optional[str] = ..., bank: _Optional[str] = ..., distance: _Optional[int] = ..., query_match_percent: _Optional[float] = ..., item_match_percent: _Optional[float] = ..., query_ranges: _Optional[_Iterable[_Union[TimeRange, _Mapping]]] = ..., item_ranges: _Optional[_Iterable[_Union[TimeRange, _Mapping]]] = ..., label: _Optional[str] = ..., index_snapshot: _Optional[str] = ..., signal: _Optional[str] = ..., stale_hashes: _Optional[bool] = ..., source: _Optional[_Union[SignalSource, _Mapping]] = ...) -> None: ...

class SignalSource(_message.Message):
    __slots__ = ("exchange", "collaboration", "external_id", "fetched_at")
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    COLLABORATION_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    FETCHED_AT_FIELD_NUMBER: _ClassVar[int]
    exchange: str
    collaboration: str
    external_id: str
    fetched_at: str
    def __init__(self, exchange: _Optional[str] = ..., collaboration: _Optional[str] = ..., external_id: _Optional[str] = ..., fetched_at: _Optional[str] = ...) -> None: ...
