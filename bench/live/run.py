"""Live stream benchmark: real-time paced streams of espeak-ng speech through real
service processes, 1, 2, 4 and 8 at a time.

    .venv/bin/python bench/live/run.py                          # speech to flag, 1,2,4,8 streams
    .venv/bin/python bench/live/run.py --through transcription  # speech to committed word
    .venv/bin/python bench/live/run.py --streams 1,2 --seconds 30   # a quick look
    .venv/bin/python bench/live/run.py --compare-speech-gate        # gate off, then on

Each stream is phrases with pauses between, paced like a broadcast (100 ms chunks); half
of the phrases end with a term of the sample list. The truth is where each phrase's speech
ends. `--through decision` (the default) streams through decision.ModerateStream (with
transcription and termmatch behind it) and measures flags; `--through transcription`
streams through transcription.TranscribeStream and measures committed words. For each
concurrency level it reports:
- latency: from the moment the chunk holding a phrase's last sample went live (was
  offered to the service; one the service held back by flow control waited from then)
  to the moment its flag (or its last word, committed) arrived at the client (p50, p95,
  max), over every phrase (with a term, for flags): one that never arrived near its true
  offset counts as arriving never (infinity, `null` in the JSON), so a miss cannot make
  the percentiles look better; `samples` says how many phrases they rest on. Recall: the
  share that arrived; every miss is listed with its stream and offset;
- CPU RTF: CPU seconds the services spent per second of audio of one stream (2 cores:
  about 2 / RTF streams fit);
- lag (transcription only: decision's acks trail by the rolling buffer by design): per
  update, audio gone live so far minus audio the update reflects; the worst over the
  streams; bounded: no stream refused (transcription ends a stream that falls more than
  MODMESH_STREAM_MAX_LAG_SECONDS behind) and, where measured, every stream's worst lag
  under LAG_BOUND_SECONDS.
It prints a table and writes JSON to bench/results/live-decision.json (or
live-transcription.json). `--compare-speech-gate` runs every level twice on the same
streams, in fresh processes, first with transcription's speech gate off
(MODMESH_STREAM_SPEECH_GATE=0), then on, and reports the CPU ratio per level. Timings
are noisy on a shared machine: run it when nothing else is busy.

The sink is pluggable: a sink opens one stream for the audio it is given and yields
what arrives at the client with its arrival time, as words with stream offsets; the
decision sink turns each flag into its term's last word.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from socket import socket
from typing import Any

import grpc
import numpy as np
from google.protobuf import json_format

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.live.corpus import music
from modmesh.cli.credentials import local_audit_keys
from modmesh.cli.samples import TERM_LIST, make_clip
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.contracts.termmatch.v1 import termmatch_pb2, termmatch_pb2_grpc
from modmesh.contracts.transcription.v1 import transcription_pb2, transcription_pb2_grpc
from modmesh.runtime.clients import blocking_channel, connect, wait_until_serving
from modmesh.runtime.identity import Identity, ensure_local_keys
from modmesh.runtime.media import (
    AUDIO_SAMPLE_RATE,
    CHUNK_BYTES,
    CHUNK_SECONDS,
    PCM16,
    decode_audio,
    pcm16_seconds,
)
from modmesh.runtime.settings import MeshSettings
from modmesh.transcription.settings import TranscriptionSettings

RESULTS = Path(__file__).resolve().parents[1] / "results"
#: The services a live stream passes through, in start order.
LIVE_MESH = ["transcription", "termmatch", "decision"]
#: A stream whose worst lag stays under this kept up.
LAG_BOUND_SECONDS = 5.0
#: A committed word counts for a phrase when it lies this close to the phrase's speech.
TOLERANCE_SECONDS = 0.5
#: Phrases of everyday streaming talk, each stream says them in its own order; every
#: other one ends with a term of the sample list, so its last sample is the term's.
PHRASES = (
    "Hello everyone, and welcome back to the stream.",
    "Claim your free gift card.",
    "The weather today is sunny and warm.",
    "This week only, a crypto giveaway.",
    "Thanks for watching, see you tomorrow.",
    "Please wire the money.",
    "First, bring a large pot of water to the boil.",
    "For the recipe, click the link in my bio.",
)
TERMS = {"card", "giveaway", "money", "bio"}
#: Silence before each phrase, cycled: pauses as a speaker makes them.
PAUSES = (1.0, 0.6, 1.5, 0.8, 2.0)


@dataclass(frozen=True)
class HeardWord:
    """A word as it arrived at the client, with its stream offsets."""

    text: str
    start_seconds: float
    end_seconds: float


@dataclass(frozen=True)
class Arrival:
    """One message from the service: the words it brought, when, and the stream offset
    it reflects (for lag)."""

    words: tuple[HeardWord, ...]
    received_at: float
    #: None where the service does not say (decision acks trail by design).
    heard_seconds: float | None


#: Opens one stream named by the first argument for the PCM16 chunks of the second (a
#: paced async iterator) and yields what arrives at the client. Raises grpc.aio.AioRpcError
#: when the stream is refused.
Open = Callable[[str, AsyncIterator[bytes]], AsyncIterator[Arrival]]


@dataclass(frozen=True)
class Sink:
    open: Open
    #: Only phrases that end with a term arrive (as flags).
    terms_only: bool
    #: The processes whose CPU time counts.
    pids: tuple[int, ...]


@dataclass(frozen=True)
class Phrase:
    last_word: str
    start_seconds: float
    end_seconds: float


@dataclass(frozen=True)
class Script:
    pcm: bytes
    phrases: tuple[Phrase, ...]

    @property
    def seconds(self) -> float:
        return pcm16_seconds(len(self.pcm))


@dataclass
class StreamResult:
    latencies: list[float] = field(default_factory=list)
    phrases: int = 0
    #: The phrases whose word (or flag) never arrived near their offset.
    missed: list[Phrase] = field(default_factory=list)
    #: Per update: audio gone live so far minus audio the update reflects (where the
    #: service says how much it reflects).
    lags: list[float] = field(default_factory=list)
    refused: str = ""


def spoken(text: str) -> str:
    return text.strip().strip(".,!?;:\"'").lower()


def speech_clips(work: Path) -> list[np.ndarray]:
    """Each phrase as 16 kHz samples, trimmed to its audible speech."""
    clips = []
    for index, text in enumerate(PHRASES):
        clip = make_clip(work / f"{index}.wav", text, lead_silence=0, tail_silence=0, video=None)
        samples = decode_audio(clip)
        loud = np.flatnonzero(np.abs(samples) > 0.01)
        clips.append(samples[loud[0] : loud[-1] + 1])
    return clips


def make_script(
    clips: Sequence[np.ndarray], seconds: float, rotation: int, music_seconds: float = 0.0
) -> Script:
    """About `seconds` of phrases and pauses, starting at phrase `rotation`; with
    `music_seconds`, that much music before each pause."""
    parts: list[np.ndarray] = []
    phrases = []
    position = 0.0
    index = 0
    while position < seconds - 4.0:
        pause = PAUSES[index % len(PAUSES)]
        which = (rotation + index) % len(PHRASES)
        if music_seconds:
            parts.append(music(music_seconds, seed=rotation * 1000 + index))
            position += music_seconds
        parts.append(np.zeros(round(pause * AUDIO_SAMPLE_RATE), np.float32))
        position += pause
        speech = clips[which]
        length = len(speech) / AUDIO_SAMPLE_RATE
        phrases.append(Phrase(spoken(PHRASES[which].split()[-1]), position, position + length))
        parts.append(speech)
        position += length
        index += 1
    parts.append(np.zeros(round(2.0 * AUDIO_SAMPLE_RATE), np.float32))  # a closing pause
    samples = np.concatenate(parts)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return Script(pcm, tuple(phrases))


async def paced(pcm: bytes, live_at: list[float], delay: float) -> AsyncIterator[bytes]:
    """The stream's chunks, each offered when its audio is live. `live_at` gets the
    moment each chunk went live: a chunk the service held back by flow control waited
    from then on, as a broadcaster's audio would."""
    await asyncio.sleep(delay)
    started = time.perf_counter()
    for index, offset in enumerate(range(0, len(pcm), CHUNK_BYTES)):
        live = started + index * CHUNK_SECONDS
        live_at.append(live)
        if live > time.perf_counter():
            await asyncio.sleep(live - time.perf_counter())
        yield pcm[offset : offset + CHUNK_BYTES]


def transcription_sink(address: str, identity: Identity, pids: tuple[int, ...]) -> Sink:
    """Streams through transcription.TranscribeStream; committed words arrive."""

    async def open_stream(stream_id: str, chunks: AsyncIterator[bytes]) -> AsyncIterator[Arrival]:
        async def requests() -> AsyncIterator[transcription_pb2.TranscribeStreamRequest]:
            yield transcription_pb2.TranscribeStreamRequest(
                open=transcription_pb2.StreamOpen(stream_id=stream_id, format=PCM16)
            )
            async for chunk in chunks:
                yield transcription_pb2.TranscribeStreamRequest(audio=chunk)

        async with connect(address, identity) as channel:
            stub = transcription_pb2_grpc.TranscriptionServiceStub(channel)
            async for update in stub.TranscribeStream(requests()):
                words = tuple(
                    HeardWord(w.text, w.start_seconds, w.end_seconds) for w in update.committed
                )
                yield Arrival(words, time.perf_counter(), update.heard_seconds)

    return Sink(open_stream, terms_only=False, pids=pids)


def decision_sink(address: str, identity: Identity, pids: tuple[int, ...]) -> Sink:
    """Streams through decision.ModerateStream; flags arrive, each as its term's last
    word at the term's offsets."""

    async def open_stream(stream_id: str, chunks: AsyncIterator[bytes]) -> AsyncIterator[Arrival]:
        async def requests() -> AsyncIterator[decision_pb2.ModerateStreamRequest]:
            yield decision_pb2.ModerateStreamRequest(
                open=decision_pb2.LiveStreamOpen(
                    stream_id=stream_id, account_id=f"{stream_id}-account", format=PCM16
                )
            )
            async for chunk in chunks:
                yield decision_pb2.ModerateStreamRequest(audio=chunk)
            yield decision_pb2.ModerateStreamRequest(end=decision_pb2.LiveStreamEnd())

        async with connect(address, identity) as channel:
            stub = decision_pb2_grpc.DecisionServiceStub(channel)
            async for response in stub.ModerateStream(requests()):
                if response.WhichOneof("message") != "flag":
                    continue
                hit = response.flag.hit
                word = HeardWord(
                    hit.term.split()[-1], hit.time_range.start_seconds, hit.time_range.end_seconds
                )
                yield Arrival((word,), time.perf_counter(), None)

    return Sink(open_stream, terms_only=True, pids=pids)


async def run_stream(sink: Sink, stream_id: str, script: Script, delay: float) -> StreamResult:
    live_at: list[float] = []
    pending = [p for p in script.phrases if p.last_word in TERMS or not sink.terms_only]
    result = StreamResult(phrases=len(pending))
    try:
        async for arrival in sink.open(stream_id, paced(script.pcm, live_at, delay)):
            if arrival.heard_seconds is not None:
                live_seconds = min(arrival.received_at - live_at[0], script.seconds)
                result.lags.append(max(0.0, live_seconds - arrival.heard_seconds))
            for word in arrival.words:
                for phrase in pending:
                    if (
                        spoken(word.text) == phrase.last_word
                        and phrase.start_seconds - TOLERANCE_SECONDS
                        <= word.start_seconds
                        <= phrase.end_seconds + TOLERANCE_SECONDS
                    ):
                        # The phrase's last sample went live with the chunk holding it.
                        last_chunk = int(phrase.end_seconds / CHUNK_SECONDS)
                        result.latencies.append(arrival.received_at - live_at[last_chunk])
                        pending.remove(phrase)
                        break
    except grpc.aio.AioRpcError as error:
        result.refused = f"{error.code().name}: {error.details()}"
    result.missed = pending
    return result


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile as one of the values (never interpolated, so a miss's
    infinity is reported as such); nan where there are none."""
    return float(np.percentile(values, q, method="inverted_cdf")) if values else float("nan")


def seconds_or_null(value: float) -> float | None:
    """A latency for the JSON: a phrase that never arrived took forever, written null."""
    return None if value == float("inf") else value


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_level(sink: Sink, scripts: Sequence[Script], streams: int) -> dict[str, Any]:
    cpu_before = sum(cpu_seconds(pid) for pid in sink.pids)
    results = await asyncio.gather(
        *(
            # Streams start out of step, as independent broadcasts do.
            run_stream(sink, f"bench-{streams}-{i}", scripts[i % len(scripts)], i / streams)
            for i in range(streams)
        )
    )
    audio = sum(scripts[i % len(scripts)].seconds for i in range(streams))
    # None where not measured: JSON has no NaN.
    cpu = sum(cpu_seconds(pid) for pid in sink.pids) - cpu_before if sink.pids else None
    latencies = [v for r in results for v in r.latencies]
    # Every phrase counts: one that never arrived, at infinity.
    samples = latencies + [float("inf")] * sum(len(r.missed) for r in results)
    refused = [r.refused for r in results if r.refused]
    max_lag = max((lag for r in results for lag in r.lags), default=None)
    return {
        "streams": streams,
        "samples": len(samples),
        "recall": len(latencies) / max(1, len(samples)),
        "p50_seconds": seconds_or_null(percentile(samples, 50)),
        "p95_seconds": seconds_or_null(percentile(samples, 95)),
        "max_seconds": seconds_or_null(max(samples, default=float("nan"))),
        "mean_arrived_seconds": statistics.fmean(latencies) if latencies else None,
        "missed": [
            {"stream": index, "word": phrase.last_word, "at_seconds": round(phrase.end_seconds, 2)}
            for index, r in enumerate(results)
            for phrase in r.missed
        ],
        "cpu_rtf_per_stream": cpu / audio if cpu is not None and audio else None,
        "max_lag_seconds": max_lag,
        "bounded": not refused and (max_lag is None or max_lag < LAG_BOUND_SECONDS),
        "refused": refused,
    }


@contextmanager
def services(names: Sequence[str], extra_env: dict[str, str]) -> Any:
    """Each named service in a process of its own on a free loopback port, sharing one
    data directory; yields their settings and process ids."""
    with tempfile.TemporaryDirectory() as data, ExitStack() as stack:
        env = {**os.environ, **extra_env, "MODMESH_DATA_DIR": data}
        for name in names:
            with socket() as sock:
                sock.bind(("127.0.0.1", 0))
                env[f"MODMESH_{name.upper()}_ADDR"] = f"127.0.0.1:{sock.getsockname()[1]}"
        settings = MeshSettings.from_env(env)
        # As `modmesh up` does: service keys and audit secrets under the data dir.
        ensure_local_keys(settings)
        env.update(local_audit_keys(settings))
        pids = []
        for name in names:
            log = (Path(data) / f"{name}.log").open("wb")
            stack.callback(log.close)
            process = subprocess.Popen(  # noqa: S603 - python -m modmesh.<name>
                [sys.executable, "-m", f"modmesh.{name}"], env=env, stdout=log, stderr=log
            )
            stack.callback(process.wait, timeout=30)
            stack.callback(process.terminate)
            pids.append(process.pid)
        for name in names:
            wait_until_serving(getattr(settings, f"{name}_addr"), timeout=180)
        yield settings, tuple(pids)


def sink_through(through: str, settings: MeshSettings, pids: tuple[int, ...]) -> Sink:
    identity = Identity.load(settings, "cli")
    if through == "transcription":
        return transcription_sink(settings.transcription_addr, identity, pids)
    with blocking_channel(settings.termmatch_addr, identity) as channel:
        termmatch_pb2_grpc.TermMatchServiceStub(channel).CreateList(
            json_format.ParseDict(
                json.loads(TERM_LIST.read_text()), termmatch_pb2.CreateListRequest()
            )
        )
    return decision_sink(settings.decision_addr, identity, pids)


def shown(seconds: float | None) -> str:
    return f"{'never':>6}" if seconds is None else f"{seconds:>6.2f}"


def measured(value: float | None, width: int, places: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{places}f}"


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    header = (
        f"{'streams':>7} {'samples':>7} {'recall':>6} {'p50 s':>6} {'p95 s':>6} {'max s':>6} "
        f"{'CPU RTF':>7} {'max lag s':>9} {'bounded':>7}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['streams']:>7} {row['samples']:>7} {row['recall']:>6.0%} "
            f"{shown(row['p50_seconds'])} {shown(row['p95_seconds'])} {shown(row['max_seconds'])} "
            f"{measured(row['cpu_rtf_per_stream'], 7, 2)} "
            f"{measured(row['max_lag_seconds'], 9, 1)} "
            f"{'yes' if row['bounded'] else 'no':>7}"
        )
        for reason in row["refused"]:
            print(f"{'':>7} refused: {reason}")
        for miss in row["missed"]:
            where = f"at {miss['at_seconds']} s of stream {miss['stream']}"
            print(f"{'':>7} missed: {miss['word']!r} {where}")


async def measure(
    sink: Sink, levels: Sequence[int], seconds: float, music_seconds: float
) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as work:
        clips = speech_clips(Path(work))
    scripts = [
        make_script(clips, seconds, rotation, music_seconds) for rotation in range(len(PHRASES))
    ]
    rows = []
    for streams in levels:
        rows.append(await run_level(sink, scripts, streams))
        print_table(rows[-1:])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--through",
        choices=("decision", "transcription"),
        default="decision",
        help="measure flags through decision (default) or committed words of transcription",
    )
    parser.add_argument("--streams", default="1,2,4,8", help="concurrency levels, e.g. 1,2")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each stream")
    parser.add_argument(
        "--output", type=Path, default=None, help=f"default: {RESULTS}/live-THROUGH.json"
    )
    parser.add_argument(
        "--music-seconds",
        type=float,
        default=0.0,
        help="seconds of music before each pause (a broadcast that is not all talk)",
    )
    parser.add_argument(
        "--compare-speech-gate",
        action="store_true",
        help="run the levels with transcription's speech gate off, then on",
    )
    args = parser.parse_args()
    levels = [int(n) for n in args.streams.split(",")]
    output = args.output or RESULTS / (
        f"live-{args.through}"
        + ("-speech-gate" if args.compare_speech_gate else "")
        + (f"-music-{args.music_seconds:g}s" if args.music_seconds else "")
        + ".json"
    )
    gates = ["0", "1"] if args.compare_speech_gate else [None]

    started = datetime.now(UTC)
    names = ["transcription"] if args.through == "transcription" else LIVE_MESH
    runs = {}
    for gate in gates:
        extra = {} if gate is None else {"MODMESH_STREAM_SPEECH_GATE": gate}
        print(
            f"starting {', '.join(names)} {extra or ''}; streams of {args.seconds:g} s",
            file=sys.stderr,
        )
        with services(names, extra) as (settings, pids):
            runs[gate] = asyncio.run(
                measure(
                    sink_through(args.through, settings, pids),
                    levels,
                    args.seconds,
                    args.music_seconds,
                )
            )
    for gate, rows in runs.items():
        print()
        if gate is not None:
            print(f"speech gate {'on' if gate == '1' else 'off'}:")
        print_table(rows)
    rows = runs[gates[-1]]
    report: dict[str, Any] = {
        "benchmark": f"live streams through {args.through}, real-time paced",
        "started": started.isoformat(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "model": os.environ.get("MODMESH_WHISPER_MODEL") or "bundled tiny.en",
        "compute_type": TranscriptionSettings.from_env().whisper_compute_type,
        "stream_seconds": args.seconds,
        "music_seconds_before_each_pause": args.music_seconds,
        "chunk_seconds": CHUNK_SECONDS,
        "lag_bound_seconds": LAG_BOUND_SECONDS,
        "levels": rows,
    }
    if args.compare_speech_gate:
        report["speech_gate_off"] = runs["0"]
        report["cpu_ratio_gate_on_to_off"] = [
            round(on["cpu_rtf_per_stream"] / off["cpu_rtf_per_stream"], 2)
            if on["cpu_rtf_per_stream"] and off["cpu_rtf_per_stream"]
            else None
            for on, off in zip(runs["1"], runs["0"], strict=True)
        ]
        print(f"CPU per audio second, gate on / off: {report['cpu_ratio_gate_on_to_off']}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
