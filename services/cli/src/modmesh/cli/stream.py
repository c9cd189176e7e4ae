"""`modmesh stream`: plays a media file to decision.ModerateStream as a live broadcast and
prints each flag as it arrives (stream offsets, term, list and version, the words around
it), the clip of audio decision keeps around it (the offsets it covers, its blob) and
each action a rule takes.

    modmesh stream FILE [--realtime] [--stream-id ID] [--account ID]

Any file ffmpeg reads is decoded as it is sent, to PCM16 at 16 kHz, mono. Without
--realtime the audio goes as fast as the service takes it; with it, paced like a live
broadcast. Exit status 0: the stream ended and every flag was printed; 1: it failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import grpc

from modmesh.cli.remote import open_channel, report_rpc_error, settings_of
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import (
    CHUNK_BYTES,
    PCM16,
    pcm16_chunks,
    pcm16_seconds,
    probe,
)


def paced(
    chunks: Iterable[bytes],
    *,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[bytes]:
    """Holds each PCM16 chunk back until the moment its audio would be live."""
    started = now()
    sent_seconds = 0.0
    for chunk in chunks:
        ahead = started + sent_seconds - now()
        if ahead > 0:
            sleep(ahead)
        yield chunk
        sent_seconds += pcm16_seconds(len(chunk))


def requests(stream_id: str, account_id: str, audio: Iterable[bytes]) -> Iterator[Any]:
    """Opens the stream and sends the audio (the caller ends the broadcast)."""
    yield decision_pb2.ModerateStreamRequest(
        open=decision_pb2.LiveStreamOpen(
            stream_id=stream_id,
            account_id=account_id,
            format=PCM16,
        )
    )
    for chunk in audio:
        yield decision_pb2.ModerateStreamRequest(audio=chunk)


def describe_flag(flag: decision_pb2.LiveStreamFlag) -> str:
    hit = flag.hit
    words = " ".join(word.text for word in flag.context)
    return (
        f"{hit.time_range.start_seconds:9.2f} {hit.time_range.end_seconds:9.2f}  "
        f'#{flag.sequence} "{hit.term}" {hit.list_id}@v{hit.list_version}  '
        f"... {words} ..."
    )


def describe_clip(clip: decision_pb2.LiveClip) -> str:
    covered = clip.time_range
    return (
        f"{covered.start_seconds:9.2f} {covered.end_seconds:9.2f}  "
        f"#{clip.flag_sequence} clip {clip.media.uri}"
    )


def describe_action(action: decision_pb2.LiveStreamAction) -> str:
    kind = decision_pb2.ActionType.Name(action.type).removeprefix("ACTION_TYPE_")
    return (
        f"action: {kind} by rule {action.rule.rule_id}@v{action.rule.version}, "
        f"case {action.case_id}"
    )


def cmd_stream(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    path: Path = args.file
    try:
        if not probe(path).has_audio:
            print(f"error: {path} has no audio track", file=sys.stderr)
            return 1
    except InvalidArgument as error:
        print(f"error: {path}: {error.message}", file=sys.stderr)
        return 1
    undecodable: list[InvalidArgument] = []

    def decoded() -> Iterator[bytes]:
        # gRPC reads the requests on its own thread and would report a failure there
        # only as a cancelled call; the reason is kept for the operator instead.
        try:
            yield from pcm16_chunks(path, CHUNK_BYTES)
        except InvalidArgument as error:
            undecodable.append(error)

    audio = paced(decoded()) if args.realtime else decoded()
    stream_id = args.stream_id or path.name
    print(f"streaming {path} as {stream_id} to {settings.decision_addr}", file=sys.stderr)
    print(f"{'start s':>9} {'end s':>9}  flag")
    moderated = 0.0

    def sent() -> Iterator[Any]:
        yield from requests(stream_id, args.account, audio)
        if not undecodable:  # a file that breaks off leaves the stream open to resume
            yield decision_pb2.ModerateStreamRequest(end=decision_pb2.LiveStreamEnd())

    with open_channel(settings, settings.decision_addr) as channel:
        stub = decision_pb2_grpc.DecisionServiceStub(channel)
        try:
            for reply in stub.ModerateStream(sent()):
                kind = reply.WhichOneof("message")
                if kind == "flag":
                    print(describe_flag(reply.flag))
                elif kind == "clip":
                    print(describe_clip(reply.clip))
                elif kind == "action":
                    print(describe_action(reply.action))
                elif kind == "ack":
                    moderated = reply.ack.moderated_seconds
                sys.stdout.flush()
        except grpc.RpcError as error:
            report_rpc_error(error, "decision", settings.decision_addr)
            return 1
    if undecodable:
        print(f"error: {path}: {undecodable[0].message} after {moderated:.1f} s", file=sys.stderr)
        return 1
    print(f"stream ended after {moderated:.1f} s", file=sys.stderr)
    return 0


def _media_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{value} is not a file")
    return path


def register(commands: Any) -> None:
    stream = commands.add_parser(
        "stream",
        help="play a media file to decision as a live stream; print flags and actions",
    )
    stream.add_argument("file", type=_media_file, help="any file ffmpeg reads")
    stream.add_argument(
        "--realtime", action="store_true", help="send the audio no faster than it plays"
    )
    stream.add_argument("--stream-id", default=None, help="the stream's id (default: file name)")
    stream.add_argument(
        "--account", default="modmesh-cli", help="the broadcasting account (default: modmesh-cli)"
    )
    stream.set_defaults(run=cmd_stream)
