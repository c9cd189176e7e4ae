"""Two similarity service processes serving the same banks, as replicas on Kubernetes do:
one PostgreSQL store, one shared volume of base index files that only the writer builds,
and a follower (rebuild_after 0) that picks up the writer's work on its refresh."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import numpy as np
import pytest

from modmesh.contracts.similarity.v1 import similarity_pb2
from modmesh.contracts.similarity.v1.similarity_pb2_grpc import SimilarityServiceStub as Stub
from modmesh.similarity.hashing import HASH_BYTES
from tests.support import ServiceProcess, loopback_settings, mesh_channel, postgres_schema

BANK = "shared"
REFRESH_SECONDS = 0.3
#: Hashes added or removed since the base that make the writer rebuild it.
REBUILD_AFTER = 6
#: How long a change may take to show on the other replica: a few refreshes, with room
#: for a loaded machine (speed is measured in bench/, not asserted here).
DEADLINE_SECONDS = 20.0
RNG = np.random.default_rng(5)
T = TypeVar("T")


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stub, Stub]]:
    """(writer, follower): both on one PostgreSQL schema; the follower's index folder is
    the writer's (a shared volume), which it only reads."""
    writer_dir = tmp_path_factory.mktemp("writer")
    follower_dir = tmp_path_factory.mktemp("follower")
    (writer_dir / "similarity" / "index").mkdir(parents=True)
    (follower_dir / "similarity").mkdir()
    (follower_dir / "similarity" / "index").symlink_to(writer_dir / "similarity" / "index")
    with postgres_schema() as database_url:
        common = {
            "similarity_database_url": database_url,
            "similarity_refresh_seconds": REFRESH_SECONDS,
        }
        writer = loopback_settings(writer_dir, similarity_rebuild_after=REBUILD_AFTER, **common)
        follower = loopback_settings(follower_dir, similarity_rebuild_after=0, **common)
        with (
            ServiceProcess("similarity", writer),
            ServiceProcess("similarity", follower),
            mesh_channel(writer, writer.similarity_addr) as writer_channel,
            mesh_channel(follower, follower.similarity_addr) as follower_channel,
        ):
            writer_stub, follower_stub = Stub(writer_channel), Stub(follower_channel)
            writer_stub.CreateBank(similarity_pb2.CreateBankRequest(name=BANK))
            yield writer_stub, follower_stub


def frames(count: int) -> similarity_pb2.FrameHashes:
    hashes = RNG.integers(0, 256, (count, HASH_BYTES), dtype=np.uint8)
    return similarity_pb2.FrameHashes(
        frames=[
            similarity_pb2.FrameHash(pdq_hex=row.tobytes().hex(), timestamp_seconds=i, quality=90)
            for i, row in enumerate(hashes)
        ]
    )


def add(stub: Stub, item_id: str, hashes: similarity_pb2.FrameHashes) -> None:
    stub.AddHashes(similarity_pb2.AddHashesRequest(bank=BANK, item_id=item_id, hashes=hashes))


def search(stub: Stub, hashes: similarity_pb2.FrameHashes) -> similarity_pb2.SearchResponse:
    response: similarity_pb2.SearchResponse = stub.Search(
        similarity_pb2.SearchRequest(hashes=hashes, banks=[BANK])
    )
    return response


def found(stub: Stub, hashes: similarity_pb2.FrameHashes) -> list[str]:
    return [match.item_id for match in search(stub, hashes).matches]


def status(stub: Stub) -> similarity_pb2.BankStatus:
    bank: similarity_pb2.BankStatus
    [bank] = stub.ListBanks(similarity_pb2.ListBanksRequest()).banks
    return bank


def eventually(read: Callable[[], T], wanted: Callable[[T], bool]) -> T:
    """read()'s first value that is wanted, polling until the deadline; else the last."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    value = read()
    while not wanted(value) and time.monotonic() < deadline:
        time.sleep(REFRESH_SECONDS / 3)
        value = read()
    return value


def test_an_item_added_through_one_replica_is_found_through_the_other(
    replicas: tuple[Stub, Stub],
) -> None:
    writer, follower = replicas
    from_writer, from_follower = frames(2), frames(2)

    add(writer, "added-on-writer", from_writer)
    add(follower, "added-on-follower", from_follower)

    assert eventually(lambda: found(follower, from_writer), bool) == ["added-on-writer"]
    assert eventually(lambda: found(writer, from_follower), bool) == ["added-on-follower"]


def test_an_item_removed_through_one_replica_stops_matching_on_the_other(
    replicas: tuple[Stub, Stub],
) -> None:
    writer, follower = replicas
    hashes = frames(2)
    add(writer, "to-remove", hashes)
    assert eventually(lambda: found(follower, hashes), bool) == ["to-remove"]

    follower.RemoveItem(similarity_pb2.RemoveItemRequest(bank=BANK, item_id="to-remove"))

    assert found(follower, hashes) == []
    assert eventually(lambda: found(writer, hashes), lambda ids: not ids) == []


def test_the_follower_switches_to_each_base_the_writer_builds(
    replicas: tuple[Stub, Stub],
) -> None:
    writer, follower = replicas
    kept, removed = frames(REBUILD_AFTER), frames(REBUILD_AFTER)
    add(writer, "kept", kept)
    add(writer, "removed-after-build", removed)
    first = eventually(lambda: status(writer), lambda s: s.base_size > 0 and s.delta_size == 0)
    assert first.base_size > 0, "the writer rebuilds once its delta passes rebuild_after"

    answer = eventually(
        lambda: search(follower, kept), lambda a: a.index_snapshot == first.index_snapshot
    )
    assert answer.index_snapshot == first.index_snapshot, "the follower names the new base"
    assert [match.item_id for match in answer.matches] == ["kept"]

    # A removal from the base is a tombstone until the next build leaves the item out.
    follower.RemoveItem(similarity_pb2.RemoveItemRequest(bank=BANK, item_id="removed-after-build"))
    add(writer, "pushes-a-rebuild", frames(REBUILD_AFTER))
    second = eventually(
        lambda: status(writer),
        lambda s: s.index_snapshot != first.index_snapshot and s.delta_size == 0,
    )
    assert "." not in second.index_snapshot, "no delta and no tombstones after the build"

    answer = eventually(
        lambda: search(follower, kept), lambda a: a.index_snapshot == second.index_snapshot
    )
    assert answer.index_snapshot == second.index_snapshot
    assert [match.item_id for match in answer.matches] == ["kept"]
    assert found(follower, removed) == []
    assert found(writer, removed) == []
