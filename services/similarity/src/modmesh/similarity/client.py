"""What a caller of similarity imports: hashing media locally (PDQ runs of sampled
frames), the hash exchange files shared between platforms, HMA / ThreatExchange signal
files and exchanges (modmesh.similarity.signals), and the wire form of hashes and sources.
The CLI imports similarity only through this module, which needs pdqhash but not the
service's index (annoy) or its store: a caller installs modmesh-similarity without its
`server` extra."""

from __future__ import annotations

from collections.abc import Sequence

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.similarity.v1 import similarity_pb2
from modmesh.similarity.domain import Source
from modmesh.similarity.exchange import ExchangedItem, ExchangeError, read_items, write_items
from modmesh.similarity.hashing import HashRun, parse_pdq_hex
from modmesh.similarity.signals import (
    CREDENTIALS,
    EXCHANGES,
    FORMATS,
    Signals,
    fetch,
    read_signals,
    write_signals,
)

__all__ = [
    "CREDENTIALS",
    "EXCHANGES",
    "FORMATS",
    "ExchangeError",
    "ExchangedItem",
    "HashRun",
    "Signals",
    "fetch",
    "frame_hashes",
    "parse_pdq_hex",
    "read_items",
    "read_signals",
    "signal_source",
    "write_items",
    "write_signals",
]


def frame_hashes(runs: Sequence[HashRun]) -> similarity_pb2.FrameHashes:
    return similarity_pb2.FrameHashes(
        frames=[
            similarity_pb2.FrameHash(
                pdq_hex=run.hex,
                timestamp_seconds=run.start_seconds,
                quality=run.quality,
                duration_seconds=run.seconds,
            )
            for run in runs
        ]
    )


def signal_source(source: Source) -> evidence_pb2.SignalSource:
    return evidence_pb2.SignalSource(
        exchange=source.exchange,
        collaboration=source.collaboration,
        external_id=source.external_id,
        fetched_at=source.fetched_at.isoformat().replace("+00:00", "Z"),
    )
