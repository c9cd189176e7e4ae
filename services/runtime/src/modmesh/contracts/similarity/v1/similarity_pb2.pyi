# Generated from protos/ by protos/generate.py. Do not edit.
from modmesh.contracts.common.v1 import evidence_pb2 as _evidence_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FrameHash(_message.Message):
    __slots__ = ("pdq_hex", "timestamp_seconds", "quality", "duration_seconds")
    PDQ_HEX_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    pdq_hex: str
    timestamp_seconds: float
    quality: int
    duration_seconds: float
    def __init__(self, pdq_hex: _Optional[str] = ..., timestamp_seconds: _Optional[float] = ..., quality: _Optional[int] = ..., duration_seconds: _Optional[float] = ...) -> None: ...

class FrameHashes(_message.Message):
    __slots__ = ("frames",)
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    frames: _containers.RepeatedCompositeFieldContainer[FrameHash]
    def __init__(self, frames: _Optional[_Iterable[_Union[FrameHash, _Mapping]]] = ...) -> None: ...

class AddItemRequest(_message.Message):
    __slots__ = ("media", "bank", "item_id", "label", "actor")
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    media: _evidence_pb2.MediaRef
    bank: str
    item_id: str
    label: str
    actor: str
    def __init__(self, media: _Optional[_Union[_evidence_pb2.MediaRef, _Mapping]] = ..., bank: _Optional[str] = ..., item_id: _Optional[str] = ..., label: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class AddItemResponse(_message.Message):
    __slots__ = ("item_id", "bank", "hash_count", "index_snapshot")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    HASH_COUNT_FIELD_NUMBER: _ClassVar[int]
    INDEX_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    bank: str
    hash_count: int
    index_snapshot: str
    def __init__(self, item_id: _Optional[str] = ..., bank: _Optional[str] = ..., hash_count: _Optional[int] = ..., index_snapshot: _Optional[str] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ("media", "hashes", "k", "max_distance", "banks")
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    BANKS_FIELD_NUMBER: _ClassVar[int]
    media: _evidence_pb2.MediaRef
    hashes: FrameHashes
    k: int
    max_distance: int
    banks: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, media: _Optional[_Union[_evidence_pb2.MediaRef, _Mapping]] = ..., hashes: _Optional[_Union[FrameHashes, _Mapping]] = ..., k: _Optional[int] = ..., max_distance: _Optional[int] = ..., banks: _Optional[_Iterable[str]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("matches", "query_hash_count", "index_snapshot", "suppressed")
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    QUERY_HASH_COUNT_FIELD_NUMBER: _ClassVar[int]
    INDEX_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[_evidence_pb2.SimilarityMatch]
    query_hash_count: int
    index_snapshot: str
    suppressed: _containers.RepeatedCompositeFieldContainer[SuppressedMatch]
    def __init__(self, matches: _Optional[_Iterable[_Union[_evidence_pb2.SimilarityMatch, _Mapping]]] = ..., query_hash_count: _Optional[int] = ..., index_snapshot: _Optional[str] = ..., suppressed: _Optional[_Iterable[_Union[SuppressedMatch, _Mapping]]] = ...) -> None: ...

class SuppressedMatch(_message.Message):
    __slots__ = ("match", "known_good", "reason")
    MATCH_FIELD_NUMBER: _ClassVar[int]
    KNOWN_GOOD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    match: _evidence_pb2.SimilarityMatch
    known_good: _evidence_pb2.SimilarityMatch
    reason: str
    def __init__(self, match: _Optional[_Union[_evidence_pb2.SimilarityMatch, _Mapping]] = ..., known_good: _Optional[_Union[_evidence_pb2.SimilarityMatch, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class Bank(_message.Message):
    __slots__ = ("name", "max_distance", "min_match_percent", "description", "negative")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    MIN_MATCH_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    max_distance: int
    min_match_percent: float
    description: str
    negative: bool
    def __init__(self, name: _Optional[str] = ..., max_distance: _Optional[int] = ..., min_match_percent: _Optional[float] = ..., description: _Optional[str] = ..., negative: _Optional[bool] = ...) -> None: ...

class BankStatus(_message.Message):
    __slots__ = ("bank", "item_count", "index_snapshot", "base_size", "delta_size", "stale_item_count")
    BANK_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    INDEX_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    BASE_SIZE_FIELD_NUMBER: _ClassVar[int]
    DELTA_SIZE_FIELD_NUMBER: _ClassVar[int]
    STALE_ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    bank: Bank
    item_count: int
    index_snapshot: str
    base_size: int
    delta_size: int
    stale_item_count: int
    def __init__(self, bank: _Optional[_Union[Bank, _Mapping]] = ..., item_count: _Optional[int] = ..., index_snapshot: _Optional[str] = ..., base_size: _Optional[int] = ..., delta_size: _Optional[int] = ..., stale_item_count: _Optional[int] = ...) -> None: ...

class AddHashesRequest(_message.Message):
    __slots__ = ("bank", "item_id", "label", "hashes", "actor", "source")
    BANK_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    bank: str
    item_id: str
    label: str
    hashes: FrameHashes
    actor: str
    source: _evidence_pb2.SignalSource
    def __init__(self, bank: _Optional[str] = ..., item_id: _Optional[str] = ..., label: _Optional[str] = ..., hashes: _Optional[_Union[FrameHashes, _Mapping]] = ..., actor: _Optional[str] = ..., source: _Optional[_Union[_evidence_pb2.SignalSource, _Mapping]] = ...) -> None: ...

class AddHashesResponse(_message.Message):
    __slots__ = ("item_id", "bank", "hash_count", "index_snapshot")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    HASH_COUNT_FIELD_NUMBER: _ClassVar[int]
    INDEX_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    bank: str
    hash_count: int
    index_snapshot: str
    def __init__(self, item_id: _Optional[str] = ..., bank: _Optional[str] = ..., hash_count: _Optional[int] = ..., index_snapshot: _Optional[str] = ...) -> None: ...

class RemoveItemRequest(_message.Message):
    __slots__ = ("bank", "item_id", "actor")
    BANK_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    bank: str
    item_id: str
    actor: str
    def __init__(self, bank: _Optional[str] = ..., item_id: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class RemoveItemResponse(_message.Message):
    __slots__ = ("index_snapshot",)
    INDEX_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    index_snapshot: str
    def __init__(self, index_snapshot: _Optional[str] = ...) -> None: ...

class CreateBankRequest(_message.Message):
    __slots__ = ("name", "max_distance", "min_match_percent", "description", "actor", "negative")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MAX_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    MIN_MATCH_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    max_distance: int
    min_match_percent: float
    description: str
    actor: str
    negative: bool
    def __init__(self, name: _Optional[str] = ..., max_distance: _Optional[int] = ..., min_match_percent: _Optional[float] = ..., description: _Optional[str] = ..., actor: _Optional[str] = ..., negative: _Optional[bool] = ...) -> None: ...

class CreateBankResponse(_message.Message):
    __slots__ = ("bank",)
    BANK_FIELD_NUMBER: _ClassVar[int]
    bank: BankStatus
    def __init__(self, bank: _Optional[_Union[BankStatus, _Mapping]] = ...) -> None: ...

class ListBanksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBanksResponse(_message.Message):
    __slots__ = ("banks",)
    BANKS_FIELD_NUMBER: _ClassVar[int]
    banks: _containers.RepeatedCompositeFieldContainer[BankStatus]
    def __init__(self, banks: _Optional[_Iterable[_Union[BankStatus, _Mapping]]] = ...) -> None: ...

class ExportBankRequest(_message.Message):
    __slots__ = ("bank",)
    BANK_FIELD_NUMBER: _ClassVar[int]
    bank: str
    def __init__(self, bank: _Optional[str] = ...) -> None: ...

class ExportBankResponse(_message.Message):
    __slots__ = ("item_id", "label", "hashes", "source")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    label: str
    hashes: FrameHashes
    source: _evidence_pb2.SignalSource
    def __init__(self, item_id: _Optional[str] = ..., label: _Optional[str] = ..., hashes: _Optional[_Union[FrameHashes, _Mapping]] = ..., source: _Optional[_Union[_evidence_pb2.SignalSource, _Mapping]] = ...) -> None: ...

class GetItemFrameRequest(_message.Message):
    __slots__ = ("bank", "item_id", "seconds")
    BANK_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    bank: str
    item_id: str
    seconds: float
    def __init__(self, bank: _Optional[str] = ..., item_id: _Optional[str] = ..., seconds: _Optional[float] = ...) -> None: ...

class GetItemFrameResponse(_message.Message):
    __slots__ = ("jpeg", "seconds")
    JPEG_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    jpeg: bytes
    seconds: float
    def __init__(self, jpeg: _Optional[bytes] = ..., seconds: _Optional[float] = ...) -> None: ...
