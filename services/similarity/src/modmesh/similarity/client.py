"""What a caller of similarity imports: hashing media locally (PDQ runs of sampled
frames), the hash exchange files shared between platforms, and the wire form of hashes.
The CLI imports similarity only through this module, which needs pdqhash but not the
service's index (annoy) or its store: a caller installs modmesh-similarity without its
`server` extra."""

from __future__ import annotations

from collections.abc import Sequence

from modmesh.contracts.similarity.v1 import similarity_pb2
from modmesh.similarity.exchange import ExchangedItem, ExchangeError, read_items, write_items
from modmesh.similarity.hashing import HashRun, parse_pdq_hex

__all__ = [
    "ExchangeError",
    "ExchangedItem",
    "HashRun",
    "frame_hashes",
    "parse_pdq_hex",
    "read_items",
    "write_items",
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
