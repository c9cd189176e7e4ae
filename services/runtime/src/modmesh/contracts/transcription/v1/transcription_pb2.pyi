# Generated from protos/ by protos/generate.py. Do not edit.
from modmesh.contracts.common.v1 import audio_pb2 as _audio_pb2
from modmesh.contracts.common.v1 import evidence_pb2 as _evidence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TranscribeRequest(_message.Message):
    __slots__ = ("media", "start_seconds", "window_seconds")
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    media: _evidence_pb2.MediaRef
    start_seconds: float
    window_seconds: float
    def __init__(self, media: _Optional[_Union[_evidence_pb2.MediaRef, _Mapping]] = ..., start_seconds: _Optional[float] = ..., window_seconds: _Optional[float] = ...) -> None: ...

class TranscribeResponse(_message.Message):
    __slots__ = ("text", "words", "language", "language_probability", "duration_seconds", "model", "end_seconds", "complete", "untranscribed")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    UNTRANSCRIBED_FIELD_NUMBER: _ClassVar[int]
    text: str
    words: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    language: str
    language_probability: float
    duration_seconds: float
    model: _evidence_pb2.ModelInfo
    end_seconds: float
    complete: bool
    untranscribed: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.UntranscribedSpeech]
    def __init__(self, text: _Optional[str] = ..., words: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ..., language: _Optional[str] = ..., language_probability: _Optional[float] = ..., duration_seconds: _Optional[float] = ..., model: _Optional[_Union[_evidence_pb2.ModelInfo, _Mapping]] = ..., end_seconds: _Optional[float] = ..., complete: _Optional[bool] = ..., untranscribed: _Optional[_Iterable[_Union[_evidence_pb2.UntranscribedSpeech, _Mapping]]] = ...) -> None: ...

class TranscribeStreamRequest(_message.Message):
    __slots__ = ("open", "audio")
    OPEN_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    open: StreamOpen
    audio: bytes
    def __init__(self, open: _Optional[_Union[StreamOpen, _Mapping]] = ..., audio: _Optional[bytes] = ...) -> None: ...

class StreamOpen(_message.Message):
    __slots__ = ("stream_id", "format", "start_offset_seconds")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_SECONDS_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    format: _audio_pb2.AudioFormat
    start_offset_seconds: float
    def __init__(self, stream_id: _Optional[str] = ..., format: _Optional[_Union[_audio_pb2.AudioFormat, _Mapping]] = ..., start_offset_seconds: _Optional[float] = ...) -> None: ...

class TranscribeStreamResponse(_message.Message):
    __slots__ = ("committed", "partial", "heard_seconds", "model", "settled_seconds", "untranscribed")
    COMMITTED_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    HEARD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SETTLED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    UNTRANSCRIBED_FIELD_NUMBER: _ClassVar[int]
    committed: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    partial: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    heard_seconds: float
    model: _evidence_pb2.ModelInfo
    settled_seconds: float
    untranscribed: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.UntranscribedSpeech]
    def __init__(self, committed: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ..., partial: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ..., heard_seconds: _Optional[float] = ..., model: _Optional[_Union[_evidence_pb2.ModelInfo, _Mapping]] = ..., settled_seconds: _Optional[float] = ..., untranscribed: _Optional[_Iterable[_Union[_evidence_pb2.UntranscribedSpeech, _Mapping]]] = ...) -> None: ...
