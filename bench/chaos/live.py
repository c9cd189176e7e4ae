"""Live streams through decision.ModerateStream, paced like a broadcast, resumed from
the last acknowledged offset whenever the call breaks (a killed decision replica):
the flags that arrive are counted by sequence number, so a flag sent twice or never
shows."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import numpy as np

from modmesh.cli.samples import make_clip
from modmesh.cli.stream import paced
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.runtime.identity import Identity, TokenInterceptor
from modmesh.runtime.media import AUDIO_SAMPLE_RATE, PCM16, chunked, decode_audio

#: Said over and over: terms of the sample list that rules queue but never act on
#: (spam, phishing), so a stream is flagged again and again and never ended.
SCRIPT = (
    "Hello and welcome back to the stream.",
    "Verify your account before the end of the show.",
    "Today we are cooking pasta with fresh basil.",
    "Act now, the offer ends at midnight.",
)
#: Client-side balancing over decision's replicas: each call goes to the next one.
ROUND_ROBIN = json.dumps({"loadBalancingConfig": [{"round_robin": {}}]})
Request = decision_pb2.ModerateStreamRequest


def broadcast(work: Path, seconds: float) -> bytes:
    """PCM16 of SCRIPT's phrases, each after a second's pause, repeated up to `seconds`."""
    phrases = [
        decode_audio(make_clip(work / f"live-{n}.wav", text, lead_silence=1.0, video=None))
        for n, text in enumerate(SCRIPT)
    ]
    samples = np.concatenate(phrases)
    repeats = int(np.ceil(seconds * AUDIO_SAMPLE_RATE / len(samples)))
    looped = np.tile(samples, repeats)[: int(seconds * AUDIO_SAMPLE_RATE)]
    return bytes((np.clip(looped, -1.0, 1.0) * 32767).astype("<i2").tobytes())


@dataclass
class LiveStream:
    stream_id: str
    pcm: bytes
    calls: int = 0
    acked_seconds: float = 0.0
    sequences: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    ended: bool = False

    @property
    def duplicated(self) -> dict[int, int]:
        return {seq: count - 1 for seq, count in self.sequences.items() if count > 1}

    def requests(self, resume_from: float) -> Iterator[Request]:
        yield Request(
            open=decision_pb2.LiveStreamOpen(
                stream_id=self.stream_id,
                account_id="chaos-streamer",
                format=PCM16,
                resume_from_seconds=resume_from,
            )
        )
        start = round(resume_from * AUDIO_SAMPLE_RATE) * 2
        for chunk in paced(chunked(self.pcm[start:])):
            yield Request(audio=chunk)
        yield Request(end=decision_pb2.LiveStreamEnd())

    def run(
        self,
        decision_target: str,
        identity: Identity,
        budget_seconds: float,
        stop: threading.Event,
    ) -> None:
        """Plays the broadcast to its end, resuming after every broken call, until
        `budget_seconds` have passed or `stop` is set."""
        deadline = time.monotonic() + budget_seconds
        with grpc.intercept_channel(
            grpc.insecure_channel(decision_target, options=[("grpc.service_config", ROUND_ROBIN)]),
            TokenInterceptor(identity),
        ) as channel:
            stub = decision_pb2_grpc.DecisionServiceStub(channel)
            failures = 0
            while not self.ended and time.monotonic() < deadline and not stop.is_set():
                self.calls += 1
                call = stub.ModerateStream(
                    self.requests(self.acked_seconds),
                    timeout=max(1.0, deadline - time.monotonic()),
                    wait_for_ready=True,
                )
                try:
                    for reply in call:
                        kind = reply.WhichOneof("message")
                        if kind == "ack":
                            self.acked_seconds = reply.ack.moderated_seconds
                            failures = 0
                        elif kind == "flag":
                            self.sequences[reply.flag.sequence] += 1
                    self.ended = True
                except grpc.RpcError as error:
                    self.errors.append(f"{error.code().name}: {error.details()}")
                    # Backs off as a broadcaster's client does: quickly after a crash,
                    # longer while the mesh keeps refusing (RESOURCE_EXHAUSTED says
                    # "resume in 10 s").
                    failures += 1
                    time.sleep(min(10.0, 0.5 * 2 ** (failures - 1)))
