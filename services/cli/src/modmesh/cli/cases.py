"""`modmesh cases retry`: analyse FAILED cases again.

    modmesh cases retry CASE_ID [CASE_ID…]   these cases (each must be FAILED)
    modmesh cases retry --all-failed         every FAILED case (500 per run; run it again for more)

Each retry is audited under --actor. Cases whose engine was only unavailable need no
operator: they are RETRYING and analysed again by themselves (docs/operations.md).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from modmesh.cli.remote import call, decision, settings_of
from modmesh.contracts.decision.v1 import decision_pb2


def cmd_retry(args: argparse.Namespace) -> int:
    if bool(args.case_ids) == args.all_failed:
        print("error: name the cases to retry, or --all-failed (not both)", file=sys.stderr)
        return 2
    settings = settings_of(args)
    request = decision_pb2.RetryCasesRequest(
        case_ids=args.case_ids, all_failed=args.all_failed, actor=args.actor
    )
    with decision(settings) as stub:
        reply = call(settings, lambda: stub.RetryCases(request))
    if reply is None:
        return 1
    for case in reply.cases:
        print(f"{case.case_id}  retrying")
    print(f"{len(reply.cases)} FAILED cases are analysed again", file=sys.stderr)
    return 0


def register(commands: Any) -> None:
    cases = commands.add_parser("cases", help="operate on cases: retry FAILED ones")
    actions = cases.add_subparsers(dest="action", required=True)
    retry = actions.add_parser("retry", help="analyse FAILED cases again (audited)")
    retry.add_argument("case_ids", nargs="*", metavar="CASE_ID", help="the FAILED cases")
    retry.add_argument("--all-failed", action="store_true", help="every FAILED case")
    retry.add_argument("--actor", default=getpass.getuser(), help="who retries them (audited)")
    retry.set_defaults(run=cmd_retry)
