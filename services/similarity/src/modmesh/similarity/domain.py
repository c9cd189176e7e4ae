"""Similarity's vocabulary: banks, known items, what a search finds and what an addition
reports, how far a replica has followed a bank, and the refusals of lookups. Types only;
no I/O, no index, no gRPC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from modmesh.contracts.evidence import TimeRange
from modmesh.runtime.errors import AlreadyExists, NotFound
from modmesh.similarity.audio import Fingerprint
from modmesh.similarity.hashing import GIVEN_HASHER, HashRun


@dataclass(frozen=True)
class Bank:
    """A named collection of known items, with its own matching thresholds."""

    name: str
    #: Largest Hamming distance (of 256 bits) at which two PDQ hashes match.
    max_distance: int
    #: An item matches when at least this share of the query's or of the item's
    #: duration matched (vPDQ-style); 0 would count a single coincident frame.
    min_match_percent: float
    description: str = ""
    #: Known-good content: its matches are never reported, and they withhold the matches
    #: of positive banks on the same query frames (modmesh.similarity.negative).
    negative: bool = False


@dataclass(frozen=True)
class Source:
    """Where an imported item's signal came from (HMA / ThreatExchange provenance)."""

    #: "file", "dataset", "fb_threatexchange", "ncmec", "stop_ncii", …
    exchange: str
    #: The collaboration (privacy group, feed) or the file read.
    collaboration: str
    #: The signal's id in the exchange (or the signal itself when it has none).
    external_id: str
    fetched_at: datetime


@dataclass(frozen=True)
class Still:
    """A small JPEG of a known item's frame, kept for reviewers to compare a match with."""

    #: Where the frame is in the item.
    seconds: float
    jpeg: bytes


@dataclass(frozen=True)
class StoredItem:
    """A known item: PDQ runs (video, image) or else an audio fingerprint; an item added
    from video also keeps stills of its frames (added as hashes, it has none)."""

    bank: str
    item_id: str
    label: str
    runs: tuple[HashRun, ...]
    audio: Fingerprint | None = None
    stills: tuple[Still, ...] = ()
    #: What computed the PDQ hashes (see modmesh.similarity.hashing.HASHER).
    hasher: str = GIVEN_HASHER
    source: Source | None = None

    @property
    def kind(self) -> str:
        return "audio" if self.audio is not None else "pdq"


@dataclass(frozen=True)
class ItemSummary:
    """What a match reports about a known item, without its hashes."""

    seq: int
    bank: str
    item_id: str
    label: str
    #: Start and end seconds of each run, in position order.
    spans: tuple[tuple[float, float], ...]
    #: Hashed by modmesh before its PDQ matched the reference (hashing.LEGACY_HASHER).
    stale: bool = False
    source: Source | None = None


@dataclass(frozen=True)
class BankStatus:
    bank: Bank
    item_count: int
    index_snapshot: str
    base_size: int
    delta_size: int
    #: Items hashed before modmesh's PDQ matched the reference (hashing.LEGACY_HASHER).
    stale_item_count: int = 0


@dataclass(frozen=True)
class Found:
    matches: tuple[Match, ...]
    #: "bank=snapshot" of every bank searched, so the answer names what it used.
    index_snapshot: str
    suppressed: tuple[Suppressed, ...] = ()


@dataclass(frozen=True)
class AddedItem:
    item_id: str
    bank: str
    hash_count: int
    index_snapshot: str


@dataclass(frozen=True)
class QueryHash:
    """One hash as a caller sent it, not yet validated."""

    pdq_hex: str
    timestamp_seconds: float
    quality: int
    #: None: one frame at the service's sampling rate.
    duration_seconds: float | None = None


@dataclass(frozen=True)
class Match:
    """A known item near the query, with how much of each side matched and where."""

    item_id: str
    bank: str
    #: Smallest Hamming distance between a query hash and a hash of the item.
    distance: int
    query_match_percent: float
    item_match_percent: float
    query_ranges: tuple[TimeRange, ...]
    item_ranges: tuple[TimeRange, ...]
    label: str
    #: The snapshot of the bank's index that found the match.
    index_snapshot: str
    #: "pdq" or "audio".
    signal: str = "pdq"
    #: The item's hashes are stale (ItemSummary.stale): the distance may be too high.
    stale: bool = False
    source: Source | None = None


@dataclass(frozen=True)
class Mark:
    """How far a reader has followed one bank's additions and removals."""

    item_seq: int = 0
    removal_id: int = 0


@dataclass(frozen=True)
class Changes:
    """A bank's writes after a mark: what a refresh applies, and the mark after them."""

    added: dict[str, list[int]]  # kind ("pdq", "audio") -> seqs, ascending
    removed: list[int]  # seqs
    mark: Mark


# The refusals of a lookup of a bank or an item that is not there, or of an item twice.


def unknown_bank(name: str, field: str) -> NotFound:
    return NotFound(f"bank {name!r} does not exist", field=field)


def unknown_item(bank: str, item_id: str) -> NotFound:
    return NotFound(f"item {item_id!r} is not in bank {bank!r}", field="item_id")


def already_exists(bank: str, item_id: str) -> AlreadyExists:
    return AlreadyExists(f"item {item_id!r} already exists in bank {bank!r}", field="item_id")


@dataclass(frozen=True)
class Suppressed:
    """A positive bank's match withheld because a negative bank matched its frames."""

    match: Match
    known_good: Match
    reason: str
