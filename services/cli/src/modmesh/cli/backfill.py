"""`modmesh backfill`: scan stored transcripts of past content with a list again.

    modmesh backfill --list L --since DATE [--dry-run] [--rate N]

Run it with --dry-run first to see the counts. A run cut short (Ctrl-C, a crash)
resumes where it stopped when the same command runs again; no item ever gets a
second case for one list.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

import grpc

from modmesh.cli.remote import decision, report_rpc_error, settings_of
from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.timestamps import to_timestamp


def _date(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD or an ISO 8601 time)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def cmd_backfill(args: argparse.Namespace) -> int:
    request = decision_pb2.BackfillRequest(
        list_id=args.list,
        since=to_timestamp(args.since),
        dry_run=args.dry_run,
        rate_per_second=args.rate,
        actor=args.actor,
    )
    mode = "dry run: counting only" if args.dry_run else "creating cases"
    print(
        f"scanning content captured since {args.since.date()} with list {args.list} ({mode})…",
        file=sys.stderr,
    )
    last = None
    settings = settings_of(args)
    with decision(settings) as stub:
        try:
            for progress in stub.Backfill(request):
                if last is None and progress.resumed:
                    print(f"  resuming run {progress.run_id}", file=sys.stderr)
                last = progress
                print(
                    f"  scanned {progress.scanned}/{progress.total}, with new hits "
                    f"{progress.matched}, cases created {progress.created}",
                    file=sys.stderr,
                    flush=True,
                )
        except KeyboardInterrupt:
            print("interrupted; run the same command again to resume", file=sys.stderr)
            return 130
        except grpc.RpcError as error:
            # decision answers UNAVAILABLE itself when termmatch is down, and says so.
            if "termmatch" in (error.details() or ""):
                print(f"error: {error.details()}", file=sys.stderr)
            else:
                report_rpc_error(error, "decision", settings.decision_addr)
            if last is not None:
                print("run the same command again to resume", file=sys.stderr)
            return 1
    if last is None or not last.done:
        # decision ends a backfill with its final progress; anything else is a broken stream.
        raise RuntimeError("decision ended the backfill without its final progress")
    verb = "would get new evidence" if args.dry_run else "got new evidence"
    print(
        f"{last.scanned} items scanned, {last.matched} {verb} ({last.new_hits} new hits), "
        f"{last.created} cases created"
    )
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "backfill", help="match stored transcripts of past content against a list again"
    )
    parser.add_argument("--list", required=True, help="the term list to scan with")
    parser.add_argument(
        "--since", required=True, type=_date, help="scan content captured since (YYYY-MM-DD)"
    )
    parser.add_argument("--dry-run", action="store_true", help="count only; create nothing")
    parser.add_argument("--rate", type=float, default=20.0, help="termmatch calls per second")
    parser.add_argument("--actor", default=getpass.getuser(), help="who runs it (audited)")
    parser.set_defaults(run=cmd_backfill)
