"""The base index's faiss part: multi-index hashing over packed 256-bit hashes.

Multi-index hashing (Norouzi et al.; what Meta's HMA uses for PDQ) cuts each hash into 16
substrings of 16 bits and looks every query substring up with up to one bit flipped. Two
hashes within distance 31 differ in at most one bit on some substring (pigeonhole), so
every entry within 31 is a candidate, and candidates are ranked by their exact distance:
the answer is exact, not approximate. Past `RADIUS` a lookup would miss entries, so the
index's stored codes are scanned exactly instead (faiss `IndexBinaryFlat`).
"""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

from modmesh.similarity.hashing import HASH_BITS

SUBSTRINGS = 16
SUBSTRING_BITS = HASH_BITS // SUBSTRINGS
FLIPS = 1
#: The largest distance the lookups answer exactly (PDQ's usual threshold).
RADIUS = SUBSTRING_BITS * (FLIPS + 1) - 1

# The service answers each request on a thread of its own; OpenMP threads of faiss beside
# them would compete for the same cores (and spin while they wait): one query at 1M took
# 14 ms at p50 with them on a busy 2-core machine, 2.2 ms without.
faiss.omp_set_num_threads(1)


def build(hashes: np.ndarray) -> faiss.IndexBinaryMultiHash:
    """An index over packed hashes (uint8 [n, 32]) whose positions are 0..n-1."""
    index = faiss.IndexBinaryMultiHash(HASH_BITS, SUBSTRINGS, SUBSTRING_BITS)
    index.nflip = FLIPS
    index.add(np.ascontiguousarray(hashes, np.uint8))
    return index


def write(index: faiss.IndexBinaryMultiHash, path: Path) -> None:
    """Writes the index whole and durably (the caller renames it into place)."""
    faiss.write_index_binary(index, str(path))
    with path.open("rb") as written:
        os.fsync(written.fileno())


def read(path: Path) -> faiss.IndexBinaryMultiHash | None:
    """The index in `path`, or None if the file is missing, damaged or of another kind."""
    try:
        index = faiss.read_index_binary(str(path))
    except RuntimeError:  # faiss's error for a missing, short or foreign file
        return None
    return index if isinstance(index, faiss.IndexBinaryMultiHash) else None


def search(
    index: faiss.IndexBinaryMultiHash, queries: np.ndarray, wanted: int, max_distance: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions and distances ([m, wanted] each) of the entries nearest each query
    (uint8 [m, 32]), closest first; a row lacks none within `max_distance` but may hold
    entries beyond it, and is padded with position -1 where fewer were found."""
    # storage: the IndexBinaryFlat that holds the codes (a SWIG attribute faiss's types lack)
    searcher = index if max_distance <= RADIUS else index.storage  # type: ignore[attr-defined]
    distances, positions = searcher.search(np.ascontiguousarray(queries, np.uint8), wanted)
    return positions, distances
