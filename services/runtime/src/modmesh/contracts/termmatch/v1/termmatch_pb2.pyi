# Generated from protos/ by protos/generate.py. Do not edit.
import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from modmesh.contracts.common.v1 import evidence_pb2 as _evidence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TermKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TERM_KIND_UNSPECIFIED: _ClassVar[TermKind]
    TERM_KIND_WORD: _ClassVar[TermKind]
    TERM_KIND_SUBSTRING: _ClassVar[TermKind]
    TERM_KIND_REGEX: _ClassVar[TermKind]

class ListEdit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_EDIT_UNSPECIFIED: _ClassVar[ListEdit]
    LIST_EDIT_CREATED: _ClassVar[ListEdit]
    LIST_EDIT_SETTINGS_UPDATED: _ClassVar[ListEdit]
    LIST_EDIT_TERMS_ADDED: _ClassVar[ListEdit]
    LIST_EDIT_TERMS_UPDATED: _ClassVar[ListEdit]
    LIST_EDIT_TERMS_REMOVED: _ClassVar[ListEdit]
    LIST_EDIT_TERMS_IMPORTED: _ClassVar[ListEdit]
    LIST_EDIT_TERMS_REPLACED: _ClassVar[ListEdit]

class TermChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TERM_CHANGE_KIND_UNSPECIFIED: _ClassVar[TermChangeKind]
    TERM_CHANGE_KIND_ADDED: _ClassVar[TermChangeKind]
    TERM_CHANGE_KIND_REMOVED: _ClassVar[TermChangeKind]
    TERM_CHANGE_KIND_CHANGED: _ClassVar[TermChangeKind]
TERM_KIND_UNSPECIFIED: TermKind
TERM_KIND_WORD: TermKind
TERM_KIND_SUBSTRING: TermKind
TERM_KIND_REGEX: TermKind
LIST_EDIT_UNSPECIFIED: ListEdit
LIST_EDIT_CREATED: ListEdit
LIST_EDIT_SETTINGS_UPDATED: ListEdit
LIST_EDIT_TERMS_ADDED: ListEdit
LIST_EDIT_TERMS_UPDATED: ListEdit
LIST_EDIT_TERMS_REMOVED: ListEdit
LIST_EDIT_TERMS_IMPORTED: ListEdit
LIST_EDIT_TERMS_REPLACED: ListEdit
TERM_CHANGE_KIND_UNSPECIFIED: TermChangeKind
TERM_CHANGE_KIND_ADDED: TermChangeKind
TERM_CHANGE_KIND_REMOVED: TermChangeKind
TERM_CHANGE_KIND_CHANGED: TermChangeKind

class NormalizationFlags(_message.Message):
    __slots__ = ("nfkc", "casefold", "strip_accents", "confusables", "leetspeak", "ignore_separators", "collapse_repeats", "join_words", "spoken_forms", "sounds_like")
    NFKC_FIELD_NUMBER: _ClassVar[int]
    CASEFOLD_FIELD_NUMBER: _ClassVar[int]
    STRIP_ACCENTS_FIELD_NUMBER: _ClassVar[int]
    CONFUSABLES_FIELD_NUMBER: _ClassVar[int]
    LEETSPEAK_FIELD_NUMBER: _ClassVar[int]
    IGNORE_SEPARATORS_FIELD_NUMBER: _ClassVar[int]
    COLLAPSE_REPEATS_FIELD_NUMBER: _ClassVar[int]
    JOIN_WORDS_FIELD_NUMBER: _ClassVar[int]
    SPOKEN_FORMS_FIELD_NUMBER: _ClassVar[int]
    SOUNDS_LIKE_FIELD_NUMBER: _ClassVar[int]
    nfkc: bool
    casefold: bool
    strip_accents: bool
    confusables: bool
    leetspeak: bool
    ignore_separators: bool
    collapse_repeats: bool
    join_words: bool
    spoken_forms: bool
    sounds_like: bool
    def __init__(self, nfkc: _Optional[bool] = ..., casefold: _Optional[bool] = ..., strip_accents: _Optional[bool] = ..., confusables: _Optional[bool] = ..., leetspeak: _Optional[bool] = ..., ignore_separators: _Optional[bool] = ..., collapse_repeats: _Optional[bool] = ..., join_words: _Optional[bool] = ..., spoken_forms: _Optional[bool] = ..., sounds_like: _Optional[bool] = ...) -> None: ...

class Term(_message.Message):
    __slots__ = ("term_id", "text", "severity", "category", "kind", "locale", "note", "active_from", "active_until")
    TERM_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOCALE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    term_id: str
    text: str
    severity: _evidence_pb2.Severity
    category: str
    kind: TermKind
    locale: str
    note: str
    active_from: _timestamp_pb2.Timestamp
    active_until: _timestamp_pb2.Timestamp
    def __init__(self, term_id: _Optional[str] = ..., text: _Optional[str] = ..., severity: _Optional[_Union[_evidence_pb2.Severity, str]] = ..., category: _Optional[str] = ..., kind: _Optional[_Union[TermKind, str]] = ..., locale: _Optional[str] = ..., note: _Optional[str] = ..., active_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TermList(_message.Message):
    __slots__ = ("list_id", "name", "description", "version", "terms", "created_at", "updated_at", "flags", "exceptions", "active_from", "active_until", "term_count")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    TERM_COUNT_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    name: str
    description: str
    version: int
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    flags: NormalizationFlags
    exceptions: _containers.RepeatedScalarFieldContainer[str]
    active_from: _timestamp_pb2.Timestamp
    active_until: _timestamp_pb2.Timestamp
    term_count: int
    def __init__(self, list_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., version: _Optional[int] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., flags: _Optional[_Union[NormalizationFlags, _Mapping]] = ..., exceptions: _Optional[_Iterable[str]] = ..., active_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., term_count: _Optional[int] = ...) -> None: ...

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
    __slots__ = ("list_id", "name", "description", "terms", "flags", "exceptions", "active_from", "active_until", "actor")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    name: str
    description: str
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    flags: NormalizationFlags
    exceptions: _containers.RepeatedScalarFieldContainer[str]
    active_from: _timestamp_pb2.Timestamp
    active_until: _timestamp_pb2.Timestamp
    actor: str
    def __init__(self, list_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ..., flags: _Optional[_Union[NormalizationFlags, _Mapping]] = ..., exceptions: _Optional[_Iterable[str]] = ..., active_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class CreateListResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ...) -> None: ...

class GetListRequest(_message.Message):
    __slots__ = ("list_id", "version")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    version: int
    def __init__(self, list_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

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
    __slots__ = ("list_id", "terms", "actor")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    actor: str
    def __init__(self, list_id: _Optional[str] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ..., actor: _Optional[str] = ...) -> None: ...

class AddTermsResponse(_message.Message):
    __slots__ = ("list", "terms")
    LIST_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ...) -> None: ...

class RemoveTermsRequest(_message.Message):
    __slots__ = ("list_id", "term_ids", "actor")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    TERM_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    term_ids: _containers.RepeatedScalarFieldContainer[str]
    actor: str
    def __init__(self, list_id: _Optional[str] = ..., term_ids: _Optional[_Iterable[str]] = ..., actor: _Optional[str] = ...) -> None: ...

class RemoveTermsResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ...) -> None: ...

class UpdateTermsRequest(_message.Message):
    __slots__ = ("list_id", "terms", "actor")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    actor: str
    def __init__(self, list_id: _Optional[str] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ..., actor: _Optional[str] = ...) -> None: ...

class UpdateTermsResponse(_message.Message):
    __slots__ = ("list", "terms")
    LIST_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ...) -> None: ...

class UpdateListRequest(_message.Message):
    __slots__ = ("list_id", "name", "description", "flags", "exceptions", "active_from", "active_until", "actor")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_UNTIL_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    name: str
    description: str
    flags: NormalizationFlags
    exceptions: _containers.RepeatedScalarFieldContainer[str]
    active_from: _timestamp_pb2.Timestamp
    active_until: _timestamp_pb2.Timestamp
    actor: str
    def __init__(self, list_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., flags: _Optional[_Union[NormalizationFlags, _Mapping]] = ..., exceptions: _Optional[_Iterable[str]] = ..., active_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class UpdateListResponse(_message.Message):
    __slots__ = ("list",)
    LIST_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ...) -> None: ...

class ImportRow(_message.Message):
    __slots__ = ("line", "term")
    LINE_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    line: int
    term: Term
    def __init__(self, line: _Optional[int] = ..., term: _Optional[_Union[Term, _Mapping]] = ...) -> None: ...

class ImportTermsRequest(_message.Message):
    __slots__ = ("list_id", "replace", "rows", "actor")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    replace: bool
    rows: _containers.RepeatedCompositeFieldContainer[ImportRow]
    actor: str
    def __init__(self, list_id: _Optional[str] = ..., replace: _Optional[bool] = ..., rows: _Optional[_Iterable[_Union[ImportRow, _Mapping]]] = ..., actor: _Optional[str] = ...) -> None: ...

class ImportTermsResponse(_message.Message):
    __slots__ = ("list", "rows")
    LIST_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    list: TermListSummary
    rows: int
    def __init__(self, list: _Optional[_Union[TermListSummary, _Mapping]] = ..., rows: _Optional[int] = ...) -> None: ...

class ExportTermsRequest(_message.Message):
    __slots__ = ("list_id", "version")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    version: int
    def __init__(self, list_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ExportTermsResponse(_message.Message):
    __slots__ = ("list", "terms")
    LIST_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    list: TermList
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    def __init__(self, list: _Optional[_Union[TermList, _Mapping]] = ..., terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ...) -> None: ...

class SearchTermsRequest(_message.Message):
    __slots__ = ("list_id", "query", "version", "page_size", "page_token")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    query: str
    version: int
    page_size: int
    page_token: str
    def __init__(self, list_id: _Optional[str] = ..., query: _Optional[str] = ..., version: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchTermsResponse(_message.Message):
    __slots__ = ("terms", "version", "next_page_token")
    TERMS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    terms: _containers.RepeatedCompositeFieldContainer[Term]
    version: int
    next_page_token: str
    def __init__(self, terms: _Optional[_Iterable[_Union[Term, _Mapping]]] = ..., version: _Optional[int] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class TermListVersion(_message.Message):
    __slots__ = ("version", "created_at", "actor", "edit", "terms_added", "terms_removed", "terms_changed", "term_count")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    EDIT_FIELD_NUMBER: _ClassVar[int]
    TERMS_ADDED_FIELD_NUMBER: _ClassVar[int]
    TERMS_REMOVED_FIELD_NUMBER: _ClassVar[int]
    TERMS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    TERM_COUNT_FIELD_NUMBER: _ClassVar[int]
    version: int
    created_at: _timestamp_pb2.Timestamp
    actor: str
    edit: ListEdit
    terms_added: int
    terms_removed: int
    terms_changed: int
    term_count: int
    def __init__(self, version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., edit: _Optional[_Union[ListEdit, str]] = ..., terms_added: _Optional[int] = ..., terms_removed: _Optional[int] = ..., terms_changed: _Optional[int] = ..., term_count: _Optional[int] = ...) -> None: ...

class ListVersionsRequest(_message.Message):
    __slots__ = ("list_id", "page_size", "page_token")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    page_size: int
    page_token: str
    def __init__(self, list_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[TermListVersion]
    next_page_token: str
    def __init__(self, versions: _Optional[_Iterable[_Union[TermListVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CompareVersionsRequest(_message.Message):
    __slots__ = ("list_id", "from_version", "to_version", "page_size", "page_token")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    TO_VERSION_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    from_version: int
    to_version: int
    page_size: int
    page_token: str
    def __init__(self, list_id: _Optional[str] = ..., from_version: _Optional[int] = ..., to_version: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class TermChange(_message.Message):
    __slots__ = ("term_id", "kind", "before", "after")
    TERM_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    term_id: str
    kind: TermChangeKind
    before: Term
    after: Term
    def __init__(self, term_id: _Optional[str] = ..., kind: _Optional[_Union[TermChangeKind, str]] = ..., before: _Optional[_Union[Term, _Mapping]] = ..., after: _Optional[_Union[Term, _Mapping]] = ...) -> None: ...

class CompareVersionsResponse(_message.Message):
    __slots__ = ("from_version", "to_version", "changes", "next_page_token")
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    TO_VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    from_version: int
    to_version: int
    changes: _containers.RepeatedCompositeFieldContainer[TermChange]
    next_page_token: str
    def __init__(self, from_version: _Optional[int] = ..., to_version: _Optional[int] = ..., changes: _Optional[_Iterable[_Union[TermChange, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
