"""Streams a multipart upload's `file` part straight into the blob store.

FastAPI's `UploadFile` would first spool the whole body to a temporary file; here the
body is parsed as it arrives, so an upload over the size limit is refused as soon as it
passes the limit, and media never sits in memory or on disk twice. The blob store
writes synchronously, so parsing runs in a worker thread that pulls each chunk of the
body from the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio.from_thread
import anyio.to_thread
from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.runtime.blobs import Blob, BlobStore
from modmesh.runtime.errors import InvalidArgument

if TYPE_CHECKING:  # the type exists for checkers only
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
#: Text fields are ids and labels; anything longer is not a well-meant request.
MAX_FIELD_BYTES = 16 * 1024
MAX_FIELDS = 16


@dataclass(frozen=True)
class Upload:
    blob: Blob
    #: The text fields sent beside the file.
    fields: dict[str, str]
    #: The bytes were new to the blob store: this request's to remove if it fails.
    created: bool

    def media_ref(self) -> evidence_pb2.MediaRef:
        return evidence_pb2.MediaRef(
            sha256=self.blob.sha256,
            uri=self.blob.uri,
            size_bytes=self.blob.size_bytes,
            mime_type=self.blob.mime_type,
        )


class MissingFile(Exception):
    """The form has no `file` part; reported like any other missing form field (422)."""


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)


class _FormReader:
    """Drives python-multipart over the body; the file part's bytes come out as a stream."""

    def __init__(self, boundary: bytes, next_chunk: Callable[[], bytes]) -> None:
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
        }
        self._parser = MultipartParser(boundary, callbacks)
        self._next_chunk = next_chunk
        self._part = _Part()
        self._header_name = b""
        self._header_value = b""
        self._file_data: list[bytes] = []
        self._file_state = "absent"  # → "streaming" → "done"
        self._body_done = False
        self.fields: dict[str, str] = {}
        self.mime_type = ""

    def find_file(self) -> None:
        """Reads up to the start of the file part; raises MissingFile when there is none."""
        while self._file_state == "absent" and not self._body_done:
            self._feed()
        if self._file_state == "absent":
            raise MissingFile

    def file_chunks(self) -> Iterator[bytes]:
        """The file part's bytes as they arrive; ends with the part."""
        while True:
            yield from self._file_data
            self._file_data.clear()
            if self._file_state == "done":
                return
            if self._body_done:
                raise InvalidArgument("the body ended inside the file", field=FILE_FIELD)
            self._feed()

    def read_rest(self) -> None:
        while not self._body_done:
            self._feed()

    def _feed(self) -> None:
        chunk = self._next_chunk()
        try:
            if chunk:
                self._parser.write(chunk)
            else:
                self._parser.finalize()
                self._body_done = True
        except FormParserError:
            raise InvalidArgument("the body is not valid multipart/form-data") from None

    def _on_part_begin(self) -> None:
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._part.headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._part.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise InvalidArgument("every form part needs a name in its Content-Disposition")
        self._part.name = options[b"name"].decode("utf-8", errors="replace")
        if self._part.name != FILE_FIELD:
            if len(self.fields) >= MAX_FIELDS:
                raise InvalidArgument(f"the form has more than {MAX_FIELDS} fields")
            return
        if self._file_state != "absent":
            raise InvalidArgument("send one file per request", field=FILE_FIELD)
        self._part.is_file = True
        self._file_state = "streaming"
        self.mime_type = self._part.headers.get(b"content-type", b"").decode("latin-1")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.is_file:
            self._file_data.append(data[start:end])
            return
        if len(self._part.data) + end - start > MAX_FIELD_BYTES:
            raise InvalidArgument(
                f"form field {self._part.name!r} is longer than {MAX_FIELD_BYTES} bytes",
                field=self._part.name,
            )
        self._part.data += data[start:end]

    def _on_part_end(self) -> None:
        if self._part.is_file:
            self._file_state = "done"
        else:
            self.fields[self._part.name] = self._part.data.decode("utf-8", errors="replace")


def _boundary(content_type: str) -> bytes:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise InvalidArgument("the body must be multipart/form-data with a boundary")
    return options[b"boundary"]


async def receive_upload(request: Request, store: BlobStore) -> Upload:
    """Stores the request's `file` part in `store` and returns it with the form's fields.

    Raises the store's ResourceExhausted (over the limit, nothing kept) or
    InvalidArgument (empty file, malformed form), or MissingFile.
    """
    boundary = _boundary(request.headers.get("content-type", ""))
    body = request.stream()

    async def next_chunk() -> bytes:
        # The stream ends with b"" and then stops; both mean "no more body".
        return await anext(body, b"")

    def parse_and_store() -> Upload:
        reader = _FormReader(boundary, lambda: anyio.from_thread.run(next_chunk))
        reader.find_file()
        blob, created = store.add(reader.file_chunks(), reader.mime_type)
        try:
            reader.read_rest()
        except BaseException:
            if created:
                store.discard(blob)
            raise
        return Upload(blob, reader.fields, created)

    return await anyio.to_thread.run_sync(parse_and_store)
