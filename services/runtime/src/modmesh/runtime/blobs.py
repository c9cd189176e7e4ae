"""A content-addressed blob store on a directory shared by the mesh.

Media is written once, named by its SHA-256, and passed between services as a
MediaRef (sha256 + file URI + size). In a cluster the directory is a shared volume.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from modmesh.runtime.errors import InvalidArgument, NotFound, ResourceExhausted

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Blob:
    sha256: str
    uri: str
    size_bytes: int
    mime_type: str = ""

    @property
    def path(self) -> Path:
        return Path(unquote(urlparse(self.uri).path))


class BlobStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def put(self, chunks: Iterable[bytes], mime_type: str = "") -> Blob:
        """Stores a stream of bytes; refuses it as soon as it passes the size limit."""
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
            os.replace(temp_name, final)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return Blob(sha256, final.resolve().as_uri(), size, mime_type)

    def put_file(self, path: Path, mime_type: str = "") -> Blob:
        with path.open("rb") as source:
            return self.put(iter(lambda: source.read(1 << 20), b""), mime_type)

    def _path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256


def resolve(blob: Blob, max_bytes: int, field: str = "media") -> Path:
    """Checks a reference received over the wire and returns the file it names.

    Any service can resolve a reference: the URI says where the bytes are.
    """
    if not _SHA256.match(blob.sha256):
        raise InvalidArgument(
            f"{field}.sha256 must be 64 lowercase hex characters", field=f"{field}.sha256"
        )
    parsed = urlparse(blob.uri)
    if parsed.scheme != "file":
        raise InvalidArgument(
            f"{field}.uri must be a file:// URI, got {blob.uri!r}", field=f"{field}.uri"
        )
    path = blob.path
    if not path.is_file():
        raise NotFound(f"media blob {blob.sha256} not found at {blob.uri}", field=f"{field}.uri")
    size = path.stat().st_size
    if size == 0:
        raise InvalidArgument("media is empty (0 bytes)", field=field)
    if size > max_bytes:
        raise ResourceExhausted(
            f"media is {size} bytes, over the limit of {max_bytes} bytes", field=field
        )
    if blob.size_bytes and blob.size_bytes != size:
        raise InvalidArgument(
            f"{field}.size_bytes says {blob.size_bytes} but the blob has {size} bytes",
            field=f"{field}.size_bytes",
        )
    return path
