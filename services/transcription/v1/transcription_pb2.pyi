# Generated from protos/ by protos/generate.py. Do not edit.
from modmesh.common.v1 import evidence_pb2 as _evidence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AudioEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIO_ENCODING_UNSPECIFIED: _ClassVar[AudioEncoding]
    AUDIO_ENCODING_PCM_S16LE: _ClassVar[AudioEncoding]
AUDIO_ENCODING_UNSPECIFIED: AudioEncoding
AUDIO_ENCODING_PCM_S16LE: AudioEncoding

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

class TranscribeStreamRequest(_message.Message):
    __slots__ = ("open", "audio")
    OPEN_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    open: StreamOpen
    audio: bytes
    def __init__(self, open: _Optional[_Union[StreamOpen, _Mapping]] = ..., audio: _Optional[bytes] = ...) -> None: ...

class StreamOpen(_message.Message):
    __slots__ = ("stream_id", "format")
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    stream_id: str
    format: AudioFormat
    def __init__(self, stream_id: _Optional[str] = ..., format: _Optional[_Union[AudioFormat, _Mapping]] = ...) -> None: ...

class AudioFormat(_message.Message):
    __slots__ = ("encoding", "sample_rate_hz", "channels")
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    encoding: AudioEncoding
    sample_rate_hz: int
    channels: int
    def __init__(self, encoding: _Optional[_Union[AudioEncoding, str]] = ..., sample_rate_hz: _Optional[int] = ..., channels: _Optional[int] = ...) -> None: ...

class TranscribeStreamResponse(_message.Message):
    __slots__ = ("committed", "partial", "heard_seconds", "model")
    COMMITTED_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    HEARD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    committed: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    partial: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.Word]
    heard_seconds: float
    model: _evidence_pb2.ModelInfo
    def __init__(self, committed: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ..., partial: _Optional[_Iterable[_Union[_evidence_pb2.Word, _Mapping]]] = ..., heard_seconds: _Optional[float] = ..., model: _Optional[_Union[_evidence_pb2.ModelInfo, _Mapping]] = ...) -> None: ...
