"""`python -m bench.chaos`: runs the chaos harness (see bench/chaos/__init__.py) and
writes bench/results/chaos.json. Exit status 0: every invariant held; 1: something was
lost or duplicated (the report names it); 2: the mesh could not be run."""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import sqlalchemy as sa

from bench.chaos import corpus, report
from bench.chaos.database import fresh_database
from bench.chaos.invariants import check
from bench.chaos.killer import Killer
from bench.chaos.live import LiveStream, broadcast
from bench.chaos.mesh import SERVICES, Mesh, MeshError
from bench.chaos.workload import Submitter
from modmesh.cli.credentials import AUDIT_KEY_ENV, local_audit_keys
from modmesh.cli.seed import seed_samples
from modmesh.contracts.decision.v1 import decision_pb2, decision_pb2_grpc
from modmesh.runtime.clients import blocking_channel
from modmesh.runtime.identity import Identity, ensure_local_keys
from modmesh.runtime.roles import Role
from modmesh.runtime.settings import MeshSettings
from tests.webhook_receiver import WebhookReceiver, webhook_receiver

RESULTS = Path(__file__).resolve().parents[1] / "results" / "chaos.json"
DEFAULT_REPLICAS = "gateway=2,decision=3,transcription=2,termmatch=2,similarity=2"
#: Scam terms remove the content at once (so actions are delivered); any other listed
#: term queues the case (live streams say only those, so no stream is ended).
RULES = """
rules:
  - id: remove-scams
    when: {all: [{term_hits: {categories: [scam]}}]}
    then: {auto_action: {action: remove_content, policy: "chaos scam policy"}}
  - id: queue-listed-terms
    when: {all: [{term_hits: {}}]}
    then: {queue: {priority: medium, sla_hours: 24}}
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--items", type=int, default=1000, help="short items (default 1000)")
    parser.add_argument("--kill-interval", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-kills", action="store_true", help="the load figure: no chaos")
    parser.add_argument(
        "--min-kills-each",
        type=int,
        default=0,
        help="keep killing after the load is sent until each service was killed this often",
    )
    parser.add_argument(
        "--long-files",
        type=int,
        default=2,
        help="long files, and as many highly compressed long ones (default 2)",
    )
    parser.add_argument("--long-seconds", type=float, default=3600.0)
    parser.add_argument("--live-streams", type=int, default=2)
    parser.add_argument("--live-seconds", type=float, default=120.0)
    parser.add_argument(
        "--in-flight", type=int, default=16, help="unfinished items at most (the load offered)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="items per second at most (0: as fast as --in-flight allows)",
    )
    parser.add_argument(
        "--replicas",
        default=DEFAULT_REPLICAS,
        help=f"replicas per service (default {DEFAULT_REPLICAS})",
    )
    parser.add_argument(
        "--item-timeout",
        type=float,
        default=900.0,
        help="seconds after which an unfinished item stops counting as in flight "
        "(it is reported, and lost unless it finishes later)",
    )
    parser.add_argument(
        "--quiet-timeout",
        type=float,
        default=600.0,
        help="seconds to wait for the mesh to finish the work after the load",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="folder for media, data and logs (default: a temporary one, kept when the run fails)",
    )
    return parser.parse_args(argv)


def replica_counts(text: str) -> dict[str, int]:
    counts = dict.fromkeys(SERVICES, 1)
    for part in filter(None, text.split(",")):
        service, _, count = part.partition("=")
        if service not in counts or not count.isdigit() or int(count) < 1:
            raise SystemExit(f"--replicas: {part!r} is not <service>=<count ≥ 1> of {SERVICES}")
        counts[service] = int(count)
    return counts


def say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def stop_on_sigterm() -> None:
    """SIGTERM ends the run as Ctrl-C does: through the finally blocks that stop every
    replica and drop the database."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counts = replica_counts(args.replicas)
    work = args.work or Path(tempfile.mkdtemp(prefix="modmesh-chaos-"))
    stop_on_sigterm()
    rng = random.Random(args.seed)  # noqa: S311 - a seeded, repeatable run; no secret
    say(f"making media in {work / 'media'}…")
    items = corpus.build(work / "media", args.items, args.long_files, args.long_seconds, rng)
    pcm = broadcast(work / "media", args.live_seconds) if args.live_streams else b""
    try:
        run, ok = _run(args, counts, work, items, pcm, rng)
    except MeshError as error:
        say(f"error: {error}\nlogs kept in {work / 'logs'}")
        return 2
    mode = "no_kills" if args.no_kills else "chaos"
    report.write(args.output, mode, run)
    print(json.dumps(summary(run), indent=2))
    say(f"written to {args.output} ({mode})")
    if ok and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    elif not ok:
        say(f"invariants broken; logs kept in {work / 'logs'}")
    return 0 if ok else 1


def summary(run: Mapping[str, Any]) -> dict[str, Any]:
    """What the terminal shows: the figures without the long lists of details."""
    return {k: v for k, v in run.items() if not k.endswith("_details")}


def _run(
    args: argparse.Namespace,
    counts: dict[str, int],
    work: Path,
    items: list[corpus.Item],
    pcm: bytes,
    rng: random.Random,
) -> tuple[dict[str, Any], bool]:
    api_key = secrets.token_urlsafe(32)
    webhook_secret = secrets.token_urlsafe(32)
    data_dir = work / "data"
    with (
        fresh_database(f"chaos_{os.getpid()}") as database_url,
        webhook_receiver(webhook_secret) as received,
    ):
        shared = {
            "MODMESH_DATA_DIR": str(data_dir),
            "MODMESH_DATABASE_URL": database_url,
            "MODMESH_DRAIN_SECONDS": "2",
        }
        roles = "+".join(role.value for role in Role)
        audit_keys = local_audit_keys(MeshSettings(data_dir=data_dir))
        own = {
            "termmatch": {AUDIT_KEY_ENV: audit_keys[AUDIT_KEY_ENV]},
            "similarity": {AUDIT_KEY_ENV: audit_keys[AUDIT_KEY_ENV]},
            "decision": {
                **audit_keys,
                "MODMESH_ACTION_ADAPTER": "webhook",
                "MODMESH_ACTION_WEBHOOK_URL": received.url,
                "MODMESH_ACTION_WEBHOOK_SECRET": webhook_secret,
                # The receiver listens on loopback, beside the mesh.
                "MODMESH_ACTION_WEBHOOK_ALLOW_PRIVATE": "true",
                "MODMESH_ACTION_RETRY_SECONDS": "1",
            },
            "gateway": {"MODMESH_API_KEYS": f"chaos:{roles}:{api_key}"},
        }
        # As `modmesh up` does: the services' key pairs, which every replica reads from
        # the shared data dir and our own clients sign their calls with.
        ensure_local_keys(MeshSettings(data_dir=data_dir))
        mesh = Mesh.plan(counts, shared, own, work / "logs")
        try:
            say(f"starting {sum(counts.values())} replicas on database chaos_{os.getpid()}…")
            mesh.start(timeout=300, say=say)
            _seed(mesh, data_dir)
            identity = Identity.load(MeshSettings(data_dir=data_dir), "cli")
            return _load(
                args,
                mesh,
                database_url,
                api_key,
                identity,
                audit_keys[AUDIT_KEY_ENV],
                received,
                items,
                pcm,
                rng,
            )
        finally:
            say("stopping every replica…")
            mesh.stop(grace=10)


def _seed(mesh: Mesh, data_dir: Path) -> None:
    """The sample term list and bank (through similarity's index-building replica) and
    the run's rules."""
    settings = MeshSettings(
        data_dir=data_dir,
        termmatch_addr=mesh.target("termmatch"),
        similarity_addr=mesh.replicas["similarity"][0].address,
    )
    # The chaos mesh runs no scoring service: its cases are decided without scores, as
    # any case is while scoring is down (a score never holds a case).
    for line in seed_samples(settings, scoring=False):
        say(f"  loaded {line}")
    with blocking_channel(mesh.target("decision"), Identity.load(settings, "cli")) as channel:
        decision_pb2_grpc.DecisionServiceStub(channel).PutRules(
            decision_pb2.PutRulesRequest(
                document=RULES, actor="chaos-harness", reason="scams removed, terms queued"
            ),
            timeout=60,
        )


def _every(seconds: float, stop: threading.Event, what: Callable[[], None]) -> threading.Thread:
    def loop() -> None:
        while not stop.wait(seconds):
            what()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def _load(
    args: argparse.Namespace,
    mesh: Mesh,
    database_url: str,
    api_key: str,
    identity: Identity,
    audit_key: str,
    received: WebhookReceiver,
    items: list[corpus.Item],
    pcm: bytes,
    rng: random.Random,
) -> tuple[dict[str, Any], bool]:
    stop = threading.Event()
    mesh.sample_cpu()
    cpu_at_start = {r.name: r.cpu_total for r in mesh.all()}
    _every(1.0, stop, mesh.sample_cpu)
    killer = Killer(mesh, args.kill_interval, rng, say)
    if not args.no_kills:
        threading.Thread(target=killer.run, daemon=True).start()
    streams = [LiveStream(f"chaos-live-{n}", pcm) for n in range(args.live_streams)]
    live_budget = args.live_seconds * 4 + 120
    players = [
        threading.Thread(
            target=s.run,
            args=(mesh.target("decision"), identity, live_budget, stop),
            daemon=True,
        )
        for s in streams
    ]
    for player in players:
        player.start()
    submitter = Submitter(
        mesh.urls("gateway"), api_key, database_url, args.in_flight, 300, args.item_timeout, say
    )
    started = time.monotonic()
    say(f"submitting {len(items)} items, {len(streams)} live streams"
        + ("" if args.no_kills else f", a kill every {args.kill_interval:g}s"))  # fmt: skip
    try:
        submitter.run(items, args.rate)
        for player in players:
            player.join(max(0.0, live_budget - (time.monotonic() - started)))
        if not args.no_kills:
            # Work still in flight meets these kills too.
            killer.wait_for_kills(args.min_kills_each, timeout=args.quiet_timeout)
        killer.stop.set()
        say("load sent; restarting what is down and waiting for the work to finish…")
        killer.join_restarts(240)
        if not submitter.wait_settled(args.quiet_timeout):
            say(f"  not every item settled within {args.quiet_timeout:g}s")
        _wait_deliveries(database_url, args.quiet_timeout)
        mesh.sample_cpu()
        window = time.monotonic() - started
    finally:
        stop.set()
        killer.stop.set()
        submitter.stopping.set()
    say("checking the invariants…")
    findings = check(database_url, submitter.tracked, received, streams, audit_key)
    tracked = submitter.tracked
    finished = sum(t.finished_at is not None for t in tracked)
    cpu_used = {r.name: r.cpu_total - cpu_at_start[r.name] for r in mesh.all()}
    run: dict[str, Any] = {
        "mode": "no_kills" if args.no_kills else "chaos",
        "ok": findings.ok,
        "items": {
            "submitted": len(tracked),
            "accepted": sum(t.accepted for t in tracked),
            "refused": sum(t.refused for t in tracked),
            "finished": finished,
            "by_kind": dict(sorted(Counter(t.item.kind for t in tracked).items())),
        },
        "kills": {"total": sum(killer.kills.values()), **dict(sorted(killer.kills.items()))},
        "restart_failures": killer.restart_failures,
        "lost": len(findings.lost),
        "duplicated": len(findings.duplicated),
        "audit_verify": {"ok": findings.audit_ok, "output": findings.audit_verify},
        "seconds_to_case": report.latency(tracked),
        "seconds_to_case_by_kind": {
            kind: report.latency([t for t in tracked if t.item.kind == kind])
            for kind in sorted({t.item.kind for t in tracked})
        },
        "throughput_items_per_minute": report.throughput(tracked),
        "wall_seconds": round(window, 1),
        "live": [
            {
                "stream": s.stream_id,
                "calls": s.calls,
                "flags": sum(s.sequences.values()),
                "ended": s.ended,
                "acked_seconds": s.acked_seconds,
                "errors": s.errors[-5:],
            }
            for s in streams
        ],
        "cpu": report.cpu(
            cpu_used, {s: len(r) for s, r in mesh.replicas.items()}, window, finished
        ),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": report.machine(),
        "lost_details": findings.lost,
        "duplicated_details": findings.duplicated,
    }
    return run, findings.ok


def _wait_deliveries(database_url: str, timeout: float) -> None:
    """Waits until no delivery is pending (each delivered or dead-lettered)."""
    engine = sa.create_engine(database_url, pool_size=1)
    query = sa.text("SELECT count(*) FROM deliveries WHERE status = 'PENDING'")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if not connection.execute(query).scalar_one():
                    return
            time.sleep(1.0)
        say(f"  deliveries still pending after {timeout:g}s")
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
