"""Contract fuzzing of the gRPC services, as schemathesis does for REST (it has no gRPC
support): every request message is generated from the services' own descriptors, every
unary and client- or server-streaming method is called on real service processes with
the operator's service token, and no answer may be a server error.

A server error is INTERNAL, UNKNOWN or DATA_LOSS: a refusal of bad input must name its
status (INVALID_ARGUMENT, NOT_FOUND...), and "unimplemented" or a slow call are not
errors of the contract. Live streams (bidirectional) are left to their own tests: their
opening decides everything after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.similarity.v1 import similarity_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2
from modmesh.contracts.transcription.v1 import transcription_pb2
from tests.support import LoopbackSettings, ServiceProcess, loopback_settings, mesh_channel

#: What a service must never answer.
SERVER_ERRORS = frozenset(
    {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS}
)
#: A call that takes longer is no server error, only slow (an engine that is not there).
CALL_TIMEOUT_SECONDS = 10.0
#: Services by the address setting that reaches them.
SERVICES = {
    "termmatch_addr": termmatch_pb2.DESCRIPTOR.services_by_name["TermMatchService"],
    "similarity_addr": similarity_pb2.DESCRIPTOR.services_by_name["SimilarityService"],
    "decision_addr": decision_pb2.DESCRIPTOR.services_by_name["DecisionService"],
    "transcription_addr": transcription_pb2.DESCRIPTOR.services_by_name["TranscriptionService"],
}
#: Nested messages deeper than this are left empty: requests are shallow, and the
#: generator stays fast.
MAX_DEPTH = 3

_TEXT = st.text(
    # Protobuf strings are UTF-8: a lone surrogate cannot be put in a message at all.
    alphabet=st.characters(exclude_categories=["Cs"]),
    max_size=40,
)
_SCALARS: dict[int, st.SearchStrategy[Any]] = {
    FieldDescriptor.TYPE_STRING: st.one_of(
        _TEXT, st.sampled_from(["sample-scams", "sample-known-scams", "a" * 300])
    ),
    FieldDescriptor.TYPE_BYTES: st.binary(max_size=64),
    FieldDescriptor.TYPE_BOOL: st.booleans(),
    FieldDescriptor.TYPE_DOUBLE: st.floats(width=64),
    FieldDescriptor.TYPE_FLOAT: st.floats(width=32),
    FieldDescriptor.TYPE_INT32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: st.integers(-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: st.integers(-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: st.integers(0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: st.integers(0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: st.integers(0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: st.integers(0, 2**64 - 1),
}


def requests(count: int) -> settings:
    """Hypothesis settings for `count` generated requests: calls take their time (no
    deadline), and each run starts afresh (no example database)."""
    return settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def messages(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    """Messages of `descriptor` with any subset of their fields set to any value of
    their type (unknown enum numbers included)."""
    cls = message_factory.GetMessageClass(descriptor)
    if depth >= MAX_DEPTH:
        return st.builds(cls)
    fields = {field.name: st.none() | _field(field, depth) for field in descriptor.fields}
    return st.fixed_dictionaries(fields).map(lambda values: _build(cls, values))


def _field(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        one: st.SearchStrategy[Any] = st.deferred(lambda: messages(field.message_type, depth + 1))
    elif field.type == FieldDescriptor.TYPE_ENUM:
        numbers = [value.number for value in field.enum_type.values]
        one = st.sampled_from(numbers) | st.integers(-5, 1000)
    else:
        one = _SCALARS[field.type]
    if field.is_repeated:
        return st.lists(one, max_size=3)
    return one


def _build(cls: Callable[[], Message], values: dict[str, Any]) -> Message:
    built = cls()
    for name, value in values.items():
        if value is None:
            continue
        field = built.DESCRIPTOR.fields_by_name[name]
        if field.is_repeated:
            container = getattr(built, name)
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                if field.message_type.GetOptions().map_entry:
                    continue  # no request of ours has a map
                for item in value:
                    container.add().CopyFrom(item)
            else:
                container.extend(value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            getattr(built, name).CopyFrom(value)
        else:
            setattr(built, name, value)
    return built


@dataclass(frozen=True)
class Method:
    """One RPC to fuzz: where it is served and how it is called."""

    address_setting: str
    descriptor: MethodDescriptor

    @property
    def path(self) -> str:
        return f"/{self.descriptor.containing_service.full_name}/{self.descriptor.name}"

    def call(self, channel: grpc.Channel, request: Message, timeout: float) -> None:
        """Sends the request (as the stream's only message when the method takes a
        stream) and reads the whole answer; raises grpc.RpcError on a refusal."""
        reply_class = message_factory.GetMessageClass(self.descriptor.output_type)
        options = {
            "request_serializer": type(request).SerializeToString,
            "response_deserializer": reply_class.FromString,
        }
        if self.descriptor.server_streaming:
            if self.descriptor.client_streaming:
                raise ValueError(f"{self.path} is a bidirectional stream")
            replies: Iterator[Message] = channel.unary_stream(self.path, **options)(
                request, timeout=timeout
            )
            for _ in replies:
                pass
        elif self.descriptor.client_streaming:
            channel.stream_unary(self.path, **options)(iter([request]), timeout=timeout)
        else:
            channel.unary_unary(self.path, **options)(request, timeout=timeout)


#: What a fuzzing run does with each answer: the request, its status and message.
OnAnswer = Callable[[Message, grpc.StatusCode, str], None]


def send_generated(mesh: LoopbackSettings, method: Method, count: int, on_answer: OnAnswer) -> None:
    """Sends `count` generated requests to `method` of the mesh with the operator's
    token and hands each answer to `on_answer` (which may assert: hypothesis then shrinks
    the request that failed)."""
    with mesh_channel(mesh, getattr(mesh, method.address_setting)) as channel:

        @requests(count)
        @given(messages(method.descriptor.input_type))
        def call(request: Message) -> None:
            try:
                method.call(channel, request, CALL_TIMEOUT_SECONDS)
            except grpc.RpcError as refused:
                on_answer(request, refused.code(), str(refused.details()))
            else:
                on_answer(request, grpc.StatusCode.OK, "")

        call()


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


def fuzzed_methods() -> list[Method]:
    """Every method of every service but the bidirectional live streams."""
    return [
        Method(setting, method)
        for setting, service in SERVICES.items()
        for method in service.methods
        if not (method.client_streaming and method.server_streaming)
    ]
