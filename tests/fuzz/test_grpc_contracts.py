"""No request a caller can send any service gets a server error: generated from the
services' own descriptors (tests/fuzz/grpc_contracts.py), a few per method here;
`bench/fuzz/services.py` sends thousands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from google.protobuf.message import Message
from hypothesis import given

from tests.fuzz.grpc_contracts import (
    SERVER_ERRORS,
    Method,
    answer,
    fuzzed_methods,
    messages,
    requests,
)
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel

#: Requests per method in `make test` (about a second per method): a smoke pass within CI's
#: time; the bench sends hundreds.
EXAMPLES = 8
#: A call that takes longer is no server error, only slow (an engine that is not there).
CALL_TIMEOUT_SECONDS = 10.0


@contextmanager
def mesh_of(data_dir: Path) -> Iterator[LoopbackSettings]:
    """Every service in its own process, data in `data_dir`."""
    # Decision's engines are there, but a case's media never is (no blob of the fuzzer's
    # is in the store): its calls are refused, quickly.
    settings = loopback_settings(data_dir, engine_timeout_seconds=5, engine_wait_seconds=1)
    with ExitStack() as processes:
        for service in ("termmatch", "similarity", "transcription", "decision"):
            processes.enter_context(ServiceProcess(service, settings))
        yield settings


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackSettings]:
    with mesh_of(tmp_path_factory.mktemp("grpc-fuzz")) as settings:
        yield settings


@pytest.mark.parametrize("method", fuzzed_methods(), ids=lambda m: m.path.rsplit(".", 1)[-1])
def test_no_generated_request_gets_a_server_error(mesh: LoopbackSettings, method: Method) -> None:
    with mesh_channel(mesh, getattr(mesh, method.address_setting)) as channel:

        @requests(EXAMPLES)
        @given(messages(method.descriptor.input_type))
        def call(request: Message) -> None:
            code, details = answer(method, channel, request, CALL_TIMEOUT_SECONDS)
            assert code not in SERVER_ERRORS, f"{method.path}({request!r}): {code.name}: {details}"

        call()
