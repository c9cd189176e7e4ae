"""`modmesh stream`: plays a media file to the transcription service as a live stream and
prints each word as it is committed, with its offset in the stream.

    modmesh stream FILE [--realtime] [--stream-id ID]

Any file ffmpeg reads is decoded as it is sent, to PCM16 at 16 kHz, mono. Without
--realtime the audio goes as fast as the service takes it; with it, paced like a live
broadcast. Exit status 0: the stream ended and every word was printed; 1: it failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import grpc

from modmesh.cli.remote import report_rpc_error, settings_of
from modmesh.common.v1 import audio_pb2
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, pcm16_chunks, probe
from modmesh.transcription.v1 import transcription_pb2, transcription_pb2_grpc

#: 100 ms of audio per message, as a live encoder sends it.
CHUNK_SECONDS = 0.1
CHUNK_BYTES = round(CHUNK_SECONDS * AUDIO_SAMPLE_RATE) * 2


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
        sent_seconds += len(chunk) / 2 / AUDIO_SAMPLE_RATE


def requests(stream_id: str, audio: Iterable[bytes]) -> Iterator[Any]:
    yield transcription_pb2.TranscribeStreamRequest(
        open=transcription_pb2.StreamOpen(
            stream_id=stream_id,
            format=audio_pb2.AudioFormat(
                encoding=audio_pb2.AUDIO_ENCODING_PCM_S16LE,
                sample_rate_hz=AUDIO_SAMPLE_RATE,
                channels=1,
            ),
        )
    )
    for chunk in audio:
        yield transcription_pb2.TranscribeStreamRequest(audio=chunk)


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
    print(f"streaming {path} to {settings.transcription_addr}", file=sys.stderr)
    print(f"{'start s':>9} {'end s':>9}  word")
    heard = 0.0
    with grpc.insecure_channel(settings.transcription_addr) as channel:
        stub = transcription_pb2_grpc.TranscriptionServiceStub(channel)
        try:
            for update in stub.TranscribeStream(requests(args.stream_id or path.name, audio)):
                for word in update.committed:
                    print(f"{word.start_seconds:9.2f} {word.end_seconds:9.2f}  {word.text}")
                sys.stdout.flush()
                heard = update.heard_seconds
        except grpc.RpcError as error:
            report_rpc_error(error, "transcription", settings.transcription_addr)
            return 1
    if undecodable:
        print(f"error: {path}: {undecodable[0].message} after {heard:.1f} s", file=sys.stderr)
        return 1
    print(f"stream ended after {heard:.1f} s", file=sys.stderr)
    return 0


def _media_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{value} is not a file")
    return path


def register(commands: Any) -> None:
    stream = commands.add_parser(
        "stream",
        help="play a media file to transcription as a live stream; print words as committed",
    )
    stream.add_argument("file", type=_media_file, help="any file ffmpeg reads")
    stream.add_argument(
        "--realtime", action="store_true", help="send the audio no faster than it plays"
    )
    stream.add_argument("--stream-id", default=None, help="the stream's id (default: file name)")
    stream.set_defaults(run=cmd_stream)
