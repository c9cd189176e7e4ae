"""A content-addressed blob store on a directory shared by the mesh.

Media is written once, named by its SHA-256, and passed between services as a
MediaRef (sha256 + file URI + size). In a cluster the directory is a shared volume.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from modmesh.runtime.errors import InvalidArgument, ResourceExhausted
from modmesh.runtime.settings import MeshSettings

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: Blocks in which a blob is hashed when a reference to it is resolved.
_HASH_BLOCK_BYTES = 1 << 20
#: sha256s the sweeper asks about at once.
_SWEEP_BATCH = 500


@dataclass(frozen=True)
class Blob:
    sha256: str
    uri: str
    size_bytes: int
    mime_type: str = ""

    @property
    def path(self) -> Path:
        """The URI's path as written, unchecked: a reference from a caller is resolved
        with `BlobStore.resolve` instead."""
        return Path(unquote(urlparse(self.uri).path))


class BlobStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        # Absolute and free of symlinks once, so a reference compares with it as text.
        self.root = root.resolve()
        self.max_bytes = max_bytes

    @classmethod
    def of_mesh(cls, settings: MeshSettings) -> BlobStore:
        """The store every process of the mesh shares: `blobs` under the data directory."""
        return cls(settings.data_dir / "blobs", settings.max_media_bytes)

    def put(self, chunks: Iterable[bytes], mime_type: str = "") -> Blob:
        """Stores a stream of bytes; refuses it as soon as it passes the size limit."""
        return self.add(chunks, mime_type)[0]

    def add(self, chunks: Iterable[bytes], mime_type: str = "") -> tuple[Blob, bool]:
        """Like put, and whether the bytes are new to the store: a caller whose request
        is then refused removes a new blob again (`discard`), never one that was there."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, temp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ResourceExhausted(
                            f"media is larger than the limit of {self.max_bytes} bytes",
                            field="media",
                        )
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise InvalidArgument("media is empty (0 bytes)", field="media")
            sha256 = digest.hexdigest()
            final = self._path_for(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            created = not final.exists()
            if created:
                os.replace(temp_name, final)
            else:
                Path(temp_name).unlink()
                # Fresh again: the sweeper's grace period runs from the latest upload,
                # so it cannot remove bytes a request is about to refer to.
                os.utime(final)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return Blob(sha256, final.as_uri(), size, mime_type), created

    def sweep(self, referenced: Callable[[list[str]], set[str]], grace_seconds: float) -> int:
        """Removes blobs that `referenced` does not name and that are older than the
        grace period, and uploads abandoned half-way as long; returns how many.

        `referenced` gets a batch of sha256s and returns those still referred to. The
        grace period covers the time between an upload and the reference to it.
        """
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - grace_seconds
        removed = 0
        for temp in self.root.glob(".upload-*"):
            removed += _unlink_if_older(temp, cutoff)
        candidates = [
            path
            for fan_out in self.root.iterdir()
            if len(fan_out.name) == 2 and fan_out.is_dir() and not fan_out.is_symlink()
            for path in fan_out.iterdir()
            if _SHA256.match(path.name) and _mtime(path) < cutoff
        ]
        for first in range(0, len(candidates), _SWEEP_BATCH):
            batch = candidates[first : first + _SWEEP_BATCH]
            kept = referenced([path.name for path in batch])
            removed += sum(_unlink_if_older(p, cutoff) for p in batch if p.name not in kept)
        return removed

    def discard(self, blob: Blob) -> None:
        """Removes a blob this store holds (by its sha256, never by its URI)."""
        if _SHA256.match(blob.sha256):
            self._path_for(blob.sha256).unlink(missing_ok=True)

    def put_file(self, path: Path, mime_type: str = "") -> Blob:
        with path.open("rb") as source:
            return self.put(iter(lambda: source.read(1 << 20), b""), mime_type)

    def _path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def stored(self, sha256: str) -> Path | None:
        """The regular file this store holds for a sha256 that the mesh itself recorded
        (a case's media), or None. Unlike `resolve` it does not hash the bytes, so a
        player's many range requests cost no more than the bytes they read."""
        if not _SHA256.match(sha256):
            return None
        path = self._path_for(sha256)
        try:
            if path.parent.is_symlink() or not stat.S_ISREG(path.lstat().st_mode):
                return None
        except OSError:
            return None
        return path

    def resolve(self, blob: Blob, field: str = "media") -> Path:
        """Checks a reference received over the wire and returns the stored file it names.

        A reference resolves only to this store's file for its sha256 (no other path, no
        `..`, no symlink) whose bytes hash to that sha256, read block by block. Every
        other reference is refused with one message, whatever the reason, so a caller
        cannot probe which files exist on the server. Hashing the bytes on each resolve
        costs a read of the blob; it is what makes the sha256 mean something.
        """
        if not _SHA256.match(blob.sha256):
            raise InvalidArgument(
                f"{field}.sha256 must be 64 lowercase hex characters", field=f"{field}.sha256"
            )
        path = self._path_for(blob.sha256)
        parsed = urlparse(blob.uri)
        named = os.path.normpath(unquote(parsed.path)) if parsed.path else ""
        if parsed.scheme != "file" or parsed.netloc or named != str(path):
            raise _unresolvable(blob, field)
        size = self._verified_size(path, blob.sha256)
        if size is None or (blob.size_bytes and blob.size_bytes != size):
            raise _unresolvable(blob, field)
        if size > self.max_bytes:
            raise ResourceExhausted(
                f"media is {size} bytes, over the limit of {self.max_bytes} bytes", field=field
            )
        return path

    def _verified_size(self, path: Path, sha256: str) -> int | None:
        """The size of the regular file at `path` if its bytes hash to `sha256`, else None.

        Neither the file nor its fan-out directory may be a symlink: O_NOFOLLOW refuses
        the file, lstat the directory. Reading stops past the size limit.
        """
        try:
            if path.parent.is_symlink():
                return None
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(handle, "rb") as source:
            if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                return None
            while block := source.read(_HASH_BLOCK_BYTES):
                size += len(block)
                if size > self.max_bytes:
                    # Over the limit: its hash does not matter, the size refuses it.
                    return size
                digest.update(block)
        return size if size and digest.hexdigest() == sha256 else None


def _unresolvable(blob: Blob, field: str) -> InvalidArgument:
    # One message for a missing file, a path outside the store, a symlink, a wrong
    # sha256 or size: telling them apart would tell a caller about the server's files.
    return InvalidArgument(
        f"{field} is not a blob of the mesh's blob store whose bytes match "
        f"{field}.sha256 {blob.sha256} and {field}.size_bytes",
        field=field,
    )


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except FileNotFoundError:
        return float("inf")


def _unlink_if_older(path: Path, cutoff: float) -> int:
    # Checked again just before: an upload of the same bytes may have refreshed it.
    if _mtime(path) >= cutoff:
        return 0
    path.unlink(missing_ok=True)
    return 1
