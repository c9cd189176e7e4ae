"""Wrapping a gRPC method handler's behaviour, whatever its streaming shape: what every
server interceptor of the runtime needs, written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

Behavior = Callable[..., Any]
#: Given (behaviour, method name), returns the wrapped behaviour.
Wrapper = Callable[[Behavior, str], Behavior]


def wrap_behavior(
    handler: grpc.RpcMethodHandler, method: str, unary: Wrapper, stream: Wrapper
) -> grpc.RpcMethodHandler:
    """The handler with its behaviour wrapped by `unary` (one response) or `stream`."""
    if handler.unary_unary:
        return handler._replace(unary_unary=unary(handler.unary_unary, method))
    if handler.stream_unary:
        return handler._replace(stream_unary=unary(handler.stream_unary, method))
    if handler.unary_stream:
        return handler._replace(unary_stream=stream(handler.unary_stream, method))
    return handler._replace(stream_stream=stream(handler.stream_stream, method))
