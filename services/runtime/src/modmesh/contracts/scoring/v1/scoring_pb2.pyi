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

class Label(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LABEL_UNSPECIFIED: _ClassVar[Label]
    LABEL_POSITIVE: _ClassVar[Label]
    LABEL_NEGATIVE: _ClassVar[Label]
LABEL_UNSPECIFIED: Label
LABEL_POSITIVE: Label
LABEL_NEGATIVE: Label

class Example(_message.Message):
    __slots__ = ("example_id", "text", "category", "label", "note")
    EXAMPLE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    example_id: str
    text: str
    category: str
    label: Label
    note: str
    def __init__(self, example_id: _Optional[str] = ..., text: _Optional[str] = ..., category: _Optional[str] = ..., label: _Optional[_Union[Label, str]] = ..., note: _Optional[str] = ...) -> None: ...

class CategoryThreshold(_message.Message):
    __slots__ = ("category", "threshold")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    category: str
    threshold: float
    def __init__(self, category: _Optional[str] = ..., threshold: _Optional[float] = ...) -> None: ...

class ExampleSet(_message.Message):
    __slots__ = ("set_id", "name", "description", "version", "examples", "thresholds", "created_at", "updated_at", "example_count")
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    set_id: str
    name: str
    description: str
    version: int
    examples: _containers.RepeatedCompositeFieldContainer[Example]
    thresholds: _containers.RepeatedCompositeFieldContainer[CategoryThreshold]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    example_count: int
    def __init__(self, set_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., version: _Optional[int] = ..., examples: _Optional[_Iterable[_Union[Example, _Mapping]]] = ..., thresholds: _Optional[_Iterable[_Union[CategoryThreshold, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., example_count: _Optional[int] = ...) -> None: ...

class ExampleSetSummary(_message.Message):
    __slots__ = ("set_id", "name", "version", "example_count")
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    set_id: str
    name: str
    version: int
    example_count: int
    def __init__(self, set_id: _Optional[str] = ..., name: _Optional[str] = ..., version: _Optional[int] = ..., example_count: _Optional[int] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("model", "version")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    model: str
    version: str
    def __init__(self, model: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class WordSequence(_message.Message):
    __slots__ = ("words",)
    WORDS_FIELD_NUMBER: _ClassVar[int]
    words: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    def __init__(self, words: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ...) -> None: ...

class ScoreRequest(_message.Message):
    __slots__ = ("text", "words", "set_ids")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    SET_IDS_FIELD_NUMBER: _ClassVar[int]
    text: str
    words: WordSequence
    set_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, text: _Optional[str] = ..., words: _Optional[_Union[WordSequence, _Mapping]] = ..., set_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Neighbour(_message.Message):
    __slots__ = ("example_id", "text", "label", "similarity")
    EXAMPLE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    example_id: str
    text: str
    label: Label
    similarity: float
    def __init__(self, example_id: _Optional[str] = ..., text: _Optional[str] = ..., label: _Optional[_Union[Label, str]] = ..., similarity: _Optional[float] = ...) -> None: ...

class Window(_message.Message):
    __slots__ = ("char_start", "char_end", "word_start", "word_end", "start_seconds", "end_seconds")
    CHAR_START_FIELD_NUMBER: _ClassVar[int]
    CHAR_END_FIELD_NUMBER: _ClassVar[int]
    WORD_START_FIELD_NUMBER: _ClassVar[int]
    WORD_END_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    char_start: int
    char_end: int
    word_start: int
    word_end: int
    start_seconds: float
    end_seconds: float
    def __init__(self, char_start: _Optional[int] = ..., char_end: _Optional[int] = ..., word_start: _Optional[int] = ..., word_end: _Optional[int] = ..., start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ...) -> None: ...

class CategoryScore(_message.Message):
    __slots__ = ("model", "set_id", "set_version", "category", "score", "threshold", "flagged", "window", "nearest_positives", "nearest_negatives")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    SET_VERSION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    FLAGGED_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    NEAREST_POSITIVES_FIELD_NUMBER: _ClassVar[int]
    NEAREST_NEGATIVES_FIELD_NUMBER: _ClassVar[int]
    model: ModelInfo
    set_id: str
    set_version: int
    category: str
    score: float
    threshold: float
    flagged: bool
    window: Window
    nearest_positives: _containers.RepeatedCompositeFieldContainer[Neighbour]
    nearest_negatives: _containers.RepeatedCompositeFieldContainer[Neighbour]
    def __init__(self, model: _Optional[_Union[ModelInfo, _Mapping]] = ..., set_id: _Optional[str] = ..., set_version: _Optional[int] = ..., category: _Optional[str] = ..., score: _Optional[float] = ..., threshold: _Optional[float] = ..., flagged: _Optional[bool] = ..., window: _Optional[_Union[Window, _Mapping]] = ..., nearest_positives: _Optional[_Iterable[_Union[Neighbour, _Mapping]]] = ..., nearest_negatives: _Optional[_Iterable[_Union[Neighbour, _Mapping]]] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ("scores", "text", "sets", "model", "warnings")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SETS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    scores: _containers.RepeatedCompositeFieldContainer[CategoryScore]
    text: str
    sets: _containers.RepeatedCompositeFieldContainer[ExampleSetSummary]
    model: ModelInfo
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scores: _Optional[_Iterable[_Union[CategoryScore, _Mapping]]] = ..., text: _Optional[str] = ..., sets: _Optional[_Iterable[_Union[ExampleSetSummary, _Mapping]]] = ..., model: _Optional[_Union[ModelInfo, _Mapping]] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateExampleSetRequest(_message.Message):
    __slots__ = ("set_id", "name", "description", "examples", "thresholds", "actor")
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    set_id: str
    name: str
    description: str
    examples: _containers.RepeatedCompositeFieldContainer[Example]
    thresholds: _containers.RepeatedCompositeFieldContainer[CategoryThreshold]
    actor: str
    def __init__(self, set_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., examples: _Optional[_Iterable[_Union[Example, _Mapping]]] = ..., thresholds: _Optional[_Iterable[_Union[CategoryThreshold, _Mapping]]] = ..., actor: _Optional[str] = ...) -> None: ...

class CreateExampleSetResponse(_message.Message):
    __slots__ = ("set", "warnings")
    SET_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    set: ExampleSet
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, set: _Optional[_Union[ExampleSet, _Mapping]] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class GetExampleSetRequest(_message.Message):
    __slots__ = ("set_id", "version")
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    set_id: str
    version: int
    def __init__(self, set_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetExampleSetResponse(_message.Message):
    __slots__ = ("set",)
    SET_FIELD_NUMBER: _ClassVar[int]
    set: ExampleSet
    def __init__(self, set: _Optional[_Union[ExampleSet, _Mapping]] = ...) -> None: ...

class ListExampleSetsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListExampleSetsResponse(_message.Message):
    __slots__ = ("sets",)
    SETS_FIELD_NUMBER: _ClassVar[int]
    sets: _containers.RepeatedCompositeFieldContainer[ExampleSetSummary]
    def __init__(self, sets: _Optional[_Iterable[_Union[ExampleSetSummary, _Mapping]]] = ...) -> None: ...

class AddExamplesRequest(_message.Message):
    __slots__ = ("set_id", "examples", "actor")
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    set_id: str
    examples: _containers.RepeatedCompositeFieldContainer[Example]
    actor: str
    def __init__(self, set_id: _Optional[str] = ..., examples: _Optional[_Iterable[_Union[Example, _Mapping]]] = ..., actor: _Optional[str] = ...) -> None: ...

class AddExamplesResponse(_message.Message):
    __slots__ = ("set", "examples", "warnings")
    SET_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    set: ExampleSetSummary
    examples: _containers.RepeatedCompositeFieldContainer[Example]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, set: _Optional[_Union[ExampleSetSummary, _Mapping]] = ..., examples: _Optional[_Iterable[_Union[Example, _Mapping]]] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class RemoveExamplesRequest(_message.Message):
    __slots__ = ("set_id", "example_ids", "actor")
    SET_ID_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    set_id: str
    example_ids: _containers.RepeatedScalarFieldContainer[str]
    actor: str
    def __init__(self, set_id: _Optional[str] = ..., example_ids: _Optional[_Iterable[str]] = ..., actor: _Optional[str] = ...) -> None: ...

class RemoveExamplesResponse(_message.Message):
    __slots__ = ("set",)
    SET_FIELD_NUMBER: _ClassVar[int]
    set: ExampleSetSummary
    def __init__(self, set: _Optional[_Union[ExampleSetSummary, _Mapping]] = ...) -> None: ...
