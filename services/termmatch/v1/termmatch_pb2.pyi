# Generated from protos/ by protos/generate.py. Do not edit.
import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from modmesh.common.v1 import evidence_pb2 as _evidence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Term(_message.Message):
    __slots__ = ("term_id", "text", "severity", "category")
    TERM_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    term_id: str
    text: str
    severity: _evidence_pb2.Severity
    category: str
    def __init__(self, term_id: _Optional[str] = ..., text: _Optional[str] = ..., severity: _Optional[_Union[_evidence_pb2.Severity, str]] = ..., category: _Optional[str] = ...) -> None: ...

class TermList(_message.Message):
    __slots__ = ("list_id", "name", "description", "version", "terms", "created_at", "updated_at")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    name: str
    description: str
    version: int
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, list_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., version: _Optional[int] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TermListSummary(_message.Message):
    __slots__ = ("list_id", "name", "version", "term_count")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TERM_COUNT_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    name: str
    version: int
    term_count: int
    def __init__(self, list_id: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[int] = ..., term_count: _Optional[int] = ...) -> None: ...

class WordSequence(_message.Message):
    __slots__ = ("words",)
    WORDS_FIELD_NUMBER: _ClassVar[int]
    words: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    def __init__(self, words: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ...) -> None: ...

class MatchRequest(_message.Message):
    __slots__ = ("text", "words", "list_ids", "capture_time")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    LIST_IDS_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_TIME_FIELD_NUMBER: _ClassVar[int]
    text: str
    words: WordSequence
    list_ids: _containers.RepeatedScalarFieldContainer[str]
    capture_time: _timestamp_pb2.Timestamp
    def __init__(self, text: _Optional[str] = ..., words: _Optional[_Union[WordSequence, _Mapping]] = ..., list_ids: _Optional[_Iterable[str]] = ..., capture_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MatchResponse(_message.Message):
    __slots__ = ("hits", "text", "lists")
    HITS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LISTS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.TermHit]
    text: str
    lists: _containers.RepeatedCompositeFieldContainer[TermListSummary]
    def __init__(self, hits: _Optional[_Iterable[_Union[_evidence_pb2.TermHit, _Mapping]]] = ..., text: _Optional[str] = ..., lists: _Optional[_Iterable[_Union[TermListSummary, _Mapping]]] = ...) -> None: ...

class CreateListRequest(_message.Message):
    __slots__ = ("list_id", "name", "description", "terms")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    name: str
    description: str
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    def __init__(self, list_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ...) -> None: ...

class CreateListResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ...) -> None: ...

class GetListRequest(_message.Message):
    __slots__ = ("list_id",)
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    def __init__(self, list_id: _Optional[str] = ...) -> None: ...

class GetListResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ...) -> None: ...

class ListListsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListListsResponse(_message.Message):
    __slots__ = ("lists",)
    LISTS_FIELD_NUMBER: _ClassVar[int]
    lists: _containers.RepeatedCompositeFieldContainer[TermListSummary]
    def __init__(self, lists: _Optional[_Iterable[_Union[TermListSummary, _Mapping]]] = ...) -> None: ...

class AddTermsRequest(_message.Message):
    __slots__ = ("list_id", "terms")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    def __init__(self, list_id: _Optional[str] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ...) -> None: ...

class AddTermsResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ...) -> None: ...

class RemoveTermsRequest(_message.Message):
    __slots__ = ("list_id", "term_ids")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    TERM_IDS_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    term_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, list_id: _Optional[str] = ..., term_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveTermsResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ...) -> None: ...
