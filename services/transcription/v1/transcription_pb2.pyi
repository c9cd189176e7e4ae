# Generated from protos/ by protos/generate.py. Do not edit.
from modmesh.common.v1 import evidence_pb2 as _evidence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TranscribeRequest(_message.Message):
    __slots__ = ("media",)
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    media: _evidence_pb2.MediaRef
    def __init__(self, media: _Optional[_Union[_evidence_pb2.MediaRef, _Mapping]] = ...) -> None: ...

class TranscribeResponse(_message.Message):
    __slots__ = ("text", "words", "language", "language_probability", "duration_seconds", "model")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    text: str
    words: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    language: str
    language_probability: float
    duration_seconds: float
    model: _evidence_pb2.ModelInfo
    def __init__(self, text: _Optional[str] = ..., words: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ..., language: _Optional[str] = ..., language_probability: _Optional[float] = ..., duration_seconds: _Optional[float] = ..., model: _Optional[_Union[_evidence_pb2.ModelInfo, _Mapping]] = ...) -> None: ...
