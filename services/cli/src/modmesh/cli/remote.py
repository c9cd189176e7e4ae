"""What the operator commands share: settings, a channel to a service of the running
mesh, and one way of telling the operator why a call failed."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import grpc

from modmesh.contracts.decision.v1 import decision_pb2_grpc
from modmesh.runtime.clients import blocking_channel
from modmesh.runtime.identity import Identity
from modmesh.runtime.settings import MeshSettings

T = TypeVar("T")


def settings_of(args: argparse.Namespace) -> MeshSettings:
    settings = MeshSettings.from_env()
    if getattr(args, "data_dir", None) is not None:
        settings = dataclasses.replace(settings, data_dir=args.data_dir)
    return settings


def open_channel(settings: MeshSettings, address: str) -> grpc.Channel:
    """A channel to a service of the mesh, each call signed with the cli's service key
    (the file `modmesh up` creates, or MODMESH_SERVICE_KEY_FILE) as the caller `cli`."""
    return blocking_channel(address, Identity.load(settings, "cli"))


@contextmanager
def decision(settings: MeshSettings) -> Iterator[decision_pb2_grpc.DecisionServiceStub]:
    with open_channel(settings, settings.decision_addr) as channel:
        yield decision_pb2_grpc.DecisionServiceStub(channel)


def report_rpc_error(error: grpc.RpcError, service: str, address: str) -> None:
    """Tells the operator why a call failed: how to start a service that cannot be
    reached, or else the status and what the service said."""
    if error.code() is grpc.StatusCode.UNAVAILABLE:
        print(
            f"error: cannot reach {service} at {address}; start the mesh with `modmesh up`",
            file=sys.stderr,
        )
    else:
        print(f"error: {error.code().name}: {error.details()}", file=sys.stderr)


def call(settings: MeshSettings, what: Callable[[], T]) -> T | None:
    """Runs one RPC to decision; on failure reports it and returns None."""
    try:
        return what()
    except grpc.RpcError as error:
        report_rpc_error(error, "decision", settings.decision_addr)
        return None
