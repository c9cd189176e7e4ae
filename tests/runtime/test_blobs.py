import hashlib
from pathlib import Path

import pytest

from modmesh.runtime.blobs import Blob, BlobStore, resolve
from modmesh.runtime.errors import InvalidArgument, NotFound, ResourceExhausted


def test_a_blob_is_named_by_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_bytes=1000)
    blob = store.put([b"hello ", b"world"], "text/plain")
    assert blob.sha256 == hashlib.sha256(b"hello world").hexdigest()
    assert blob.size_bytes == 11
    assert blob.path.read_bytes() == b"hello world"
    assert resolve(blob, max_bytes=1000) == blob.path


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing_behind(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_bytes=10)
    with pytest.raises(ResourceExhausted, match="larger than the limit of 10 bytes"):
        store.put([b"123456", b"7890ab"])
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_an_empty_upload_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="empty"):
        BlobStore(tmp_path, max_bytes=10).put([b""])


def test_storing_the_same_bytes_twice_keeps_one_blob(tmp_path: Path) -> None:
    store = BlobStore(tmp_path, max_bytes=100)
    assert store.put([b"same"]) == store.put([b"same"])
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


@pytest.mark.parametrize(
    ("blob", "error", "message"),
    [
        (Blob("xyz", "file:///nowhere", 1), InvalidArgument, "64 lowercase hex"),
        (Blob("a" * 64, "https://example.com/a", 1), InvalidArgument, "file:// URI"),
        (Blob("a" * 64, "file:///no/such/blob", 1), NotFound, "not found"),
    ],
)
def test_a_bad_reference_is_refused_with_a_reason(
    blob: Blob, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        resolve(blob, max_bytes=100)


def test_a_reference_whose_size_disagrees_with_the_blob_is_refused(tmp_path: Path) -> None:
    blob = BlobStore(tmp_path, max_bytes=100).put([b"12345"])
    wrong = Blob(blob.sha256, blob.uri, 6)
    with pytest.raises(InvalidArgument, match="says 6 but the blob has 5 bytes"):
        resolve(wrong, max_bytes=100)
    with pytest.raises(ResourceExhausted, match="over the limit of 4 bytes"):
        resolve(blob, max_bytes=4)
