"""Items hashed before modmesh's PDQ matched Meta's reference hasher (revision 0004 marks
them) are reported stale: ListBanks counts them, matches on them say so, and `modmesh
banks list` says what to do; items hashed since, or given as hashes, are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from modmesh.cli.main import main
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.runtime.blobs import BlobStore
from modmesh.similarity.client import frame_hashes
from modmesh.similarity.domain import Bank, StoredItem
from modmesh.similarity.hashing import LEGACY_HASHER, HashRun
from modmesh.similarity.store import SqlSimilarityStore
from tests.similarity.test_contract import ref
from tests.similarity.test_pdq_reference import DATA, REFERENCE
from tests.support import AUDIT_KEY, ServiceProcess, loopback_settings, mesh_channel

OLD = HashRun(bytes(range(32)), 0.0, 2.0, 90)
GIVEN = HashRun(b"\xaa" * 32, 0.0, 2.0, 90)
NOW = HashRun(REFERENCE["bridge-1-original.jpg"][0], 0.0, 1.0, 100)


def test_stale_items_are_counted_and_their_matches_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = f"sqlite:///{tmp_path / 'similarity.db'}"
    settings = loopback_settings(tmp_path, similarity_database_url=database)
    store = SqlSimilarityStore(database, audit_key=AUDIT_KEY)
    store.create_bank(Bank("scams", 31, 50.0), actor="admin-1")
    store.add_item(StoredItem("scams", "old", "", (OLD,), hasher=LEGACY_HASHER), actor="admin-1")
    store.add_item(StoredItem("scams", "given", "", (GIVEN,)), actor="admin-1")
    store.close()

    with (
        ServiceProcess("similarity", settings),
        mesh_channel(settings, settings.similarity_addr) as channel,
    ):
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        blobs = BlobStore(settings.data_dir / "blobs", settings.max_media_bytes)
        image = blobs.put_file(DATA / "bridge-1-original.jpg")
        stub.AddItem(
            similarity_pb2.AddItemRequest(
                media=ref(image), bank="scams", item_id="hashed-now", actor="admin-1"
            )
        )
        [status] = stub.ListBanks(similarity_pb2.ListBanksRequest()).banks
        matches = {
            match.item_id: match.stale_hashes
            for run in (OLD, GIVEN, NOW)
            for match in stub.Search(
                similarity_pb2.SearchRequest(hashes=frame_hashes([run]))
            ).matches
        }
        for name, value in settings.to_env().items():
            monkeypatch.setenv(name, value)
        assert main(["banks", "list"]) == 0

    assert (status.item_count, status.stale_item_count) == (3, 1)
    assert matches == {"old": True, "given": False, "hashed-now": False}
    assert capsys.readouterr().out.splitlines()[1] == (
        "  1 items hashed before modmesh's PDQ matched Meta's reference (8-24 bits off): "
        "re-add them from their media, or re-import them if they came from another platform"
    )
