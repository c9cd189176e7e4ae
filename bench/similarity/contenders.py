"""The indexes the similarity benchmark compares, each built and served in a process of its
own so that its build time, start time and memory are its alone.

    python contenders.py build NAME DIRECTORY HASHES.npy PARAMS_JSON
    python contenders.py serve NAME DIRECTORY QUERIES.npy PARAMS_JSON

`build` writes the index's files into DIRECTORY and prints its build time; `serve` opens
them in a fresh process, answers every query one hash at a time and prints JSON: start
time, memory, latencies and the distances found within RADIUS (for recall). The parent
(bench_index.py) runs each under a time limit and reports one that exceeds it as such.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from annoy import AnnoyIndex

from modmesh.similarity.index import HashIndex, IndexParams, make_keys

RADIUS = 31
K = 10
#: Entries in modmesh's delta when add→searchable is timed: more than the service's
#: rebuild threshold (MODMESH_SIMILARITY_REBUILD_AFTER, 20 000) lets it hold.
DELTA = 50_000
NAMES = ("modmesh", "faiss-mih", "faiss-flat", "annoy", "numpy")
#: A search: one packed hash → distances of up to K nearest (any order, any radius).
Search = Callable[[np.ndarray], np.ndarray]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def build(name: str, directory: Path, hashes: np.ndarray, params: dict[str, Any]) -> None:
    if name == "modmesh":
        # The service's defaults (IndexParams), built with 2 threads like annoy's baseline.
        keys = np.arange(len(hashes), dtype=np.int64)
        HashIndex(directory, IndexParams(build_jobs=2)).rebuild(lambda: (keys, hashes))
    elif name == "faiss-mih":
        # What HMA's pytx does for PDQ: 16 substrings of 16 bits, nflip = 31 // 16.
        index = faiss.IndexBinaryMultiHash(256, 16, 16)
        index.nflip = RADIUS // 16
        index.add(hashes)
        faiss.write_index_binary(index, str(directory / "index.faiss"))
    elif name == "faiss-flat":
        flat = faiss.IndexBinaryFlat(256)
        flat.add(hashes)
        faiss.write_index_binary(flat, str(directory / "index.faiss"))
    elif name == "annoy":
        annoy = AnnoyIndex(256, "hamming")
        annoy.on_disk_build(str(directory / "index.ann"))
        for position, row in enumerate(hashes):  # unpacked a row at a time, as modmesh does
            annoy.add_item(position, np.unpackbits(row).tolist())
        annoy.build(params["trees"], n_jobs=params.get("jobs", -1))
    else:
        np.save(directory / "hashes.npy", hashes)


def open_index(name: str, directory: Path, params: dict[str, Any]) -> Search:
    """Opens the built files as a serving process would, and returns its search."""
    if name == "modmesh":
        index = HashIndex(directory)

        def modmesh(query: np.ndarray) -> np.ndarray:
            [found] = index.search(query[None, :], max_distance=RADIUS, neighbours=K)
            return found.distances

        return modmesh
    if name in ("faiss-mih", "faiss-flat"):
        loaded = faiss.read_index_binary(str(directory / "index.faiss"))
        return lambda query: loaded.search(query[None, :], K)[0][0]
    if name == "annoy":
        annoy = AnnoyIndex(256, "hamming")
        annoy.load(str(directory / "index.ann"))  # memory-mapped

        def nearest(query: np.ndarray) -> np.ndarray:
            _, distances = annoy.get_nns_by_vector(
                np.unpackbits(query).tolist(),
                K,
                search_k=params["search_k"],
                include_distances=True,
            )
            return np.asarray(distances, np.int32)

        return nearest
    words = np.load(directory / "hashes.npy").view(np.uint64)

    def scan(query: np.ndarray) -> np.ndarray:
        distances = np.bitwise_count(words ^ query.view(np.uint64)).sum(axis=1)
        return np.sort(distances)[:K]

    return scan


def serve(
    name: str, directory: Path, queries: np.ndarray, params: dict[str, Any]
) -> dict[str, Any]:
    before = rss_mib()
    start = time.perf_counter()
    search = open_index(name, directory, params)
    open_s = time.perf_counter() - start
    opened = rss_mib()
    found, latencies = [], []
    for query in queries:
        start = time.perf_counter()
        distances = search(query)
        latencies.append(time.perf_counter() - start)
        found.append(sorted(int(d) for d in distances if 0 <= d <= RADIUS))
    result = {
        "open_s": open_s,
        "open_mib": opened - before,
        "serving_mib": rss_mib() - before,
        "latencies_s": latencies,
        "found": found,
    }
    if name == "modmesh":
        result["add_to_searchable_s"] = add_to_searchable(directory)
    return result


def add_to_searchable(directory: Path) -> list[float]:
    """Fills the delta with DELTA entries, then times add → found, one 10-hash item at a
    time, as the service does for a new known video."""
    index = HashIndex(directory)
    rng = np.random.default_rng(3)
    owner = 1 << 30
    index.add(make_keys(owner, DELTA), rng.integers(0, 256, (DELTA, 32), dtype=np.uint8))
    latencies = []
    for number in range(1, 101):
        item = rng.integers(0, 256, (10, 32), dtype=np.uint8)
        start = time.perf_counter()
        index.add(make_keys(owner + number, 10), item)
        [found] = index.search(item[:1], max_distance=RADIUS, neighbours=K)
        latencies.append(time.perf_counter() - start)
        assert (found.keys >> 20 == owner + number).any()
    return latencies


def main() -> None:
    action, name, directory, data, params = sys.argv[1:6]
    if name not in NAMES:
        raise SystemExit(f"unknown contender {name!r}; one of {', '.join(NAMES)}")
    arrays = np.load(data)
    if action == "build":
        start = time.perf_counter()
        build(name, Path(directory), arrays, json.loads(params))
        print(json.dumps({"build_s": time.perf_counter() - start}))
    else:
        print(json.dumps(serve(name, Path(directory), arrays, json.loads(params))))


if __name__ == "__main__":
    # The service searches from one thread per request: so do the contenders, and the
    # numbers do not depend on how busy the other cores of a shared machine are.
    faiss.omp_set_num_threads(1)
    main()
