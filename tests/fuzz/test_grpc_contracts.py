"""No request a caller can send any service gets a server error: generated from the
services' own descriptors (tests/fuzz/grpc_contracts.py), a few per method here;
`bench/fuzz/services.py` sends thousands."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.protobuf.message import Message

from tests.fuzz.grpc_contracts import (
    SERVER_ERRORS,
    Method,
    fuzzed_methods,
    mesh_of,
    send_generated,
)
from tests.support import LoopbackSettings

#: Requests per method in `make test` (about a second per method): a smoke pass within CI's
#: time; the bench sends hundreds.
EXAMPLES = 8


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    with mesh_of(tmp_path_factory.mktemp("grpc-fuzz")) as settings:
        yield settings


@pytest.mark.parametrize("method", fuzzed_methods(), ids=lambda m: m.path.rsplit(".", 1)[-1])
def test_no_generated_request_gets_a_server_error(mesh: LoopbackSettings, method: Method) -> None:
    def no_server_error(request: Message, code: grpc.StatusCode, details: str) -> None:
        assert code not in SERVER_ERRORS, f"{method.path}({request!r}): {code.name}: {details}"

    send_generated(mesh, method, EXAMPLES, no_server_error)
