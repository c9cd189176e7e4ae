"""`modmesh rules`: check, publish, show and dry-run the operator's rule sets.

modmesh rules check FILE                     check a rule set here, without a mesh
modmesh rules publish FILE --reason WHY      publish it (a new version, audited)
modmesh rules show [--version N]             the rules in force (or version N)
modmesh rules dry-run FILE [--days N]        what it would change on recent cases
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from modmesh.cli.remote import call, decision, settings_of
from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.decision.client import RuleSetInvalid, load_document, parse_rule_set


def _read(path: Path) -> str | None:
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return None
    return path.read_text()


def cmd_check(args: argparse.Namespace) -> int:
    text = _read(args.file)
    if text is None:
        return 2
    try:
        rule_set = parse_rule_set(load_document(text), version=0)
    except RuleSetInvalid as error:
        print(f"{args.file}: refused", file=sys.stderr)
        for violation in error.violations:
            print(f"  {violation.field}: {violation.description}", file=sys.stderr)
        return 1
    print(f"{args.file}: {len(rule_set.rules)} rules, all valid")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    text = _read(args.file)
    if text is None:
        return 2
    request = decision_pb2.PutRulesRequest(document=text, actor=args.actor, reason=args.reason)
    settings = settings_of(args)
    with decision(settings) as stub:
        reply = call(settings, lambda: stub.PutRules(request, timeout=30))
    if reply is None:
        return 1
    print(f"published rule set version {reply.rule_set.version}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    with decision(settings) as stub:
        reply = call(
            settings,
            lambda: stub.GetRules(decision_pb2.GetRulesRequest(version=args.version), timeout=30),
        )
    if reply is None:
        return 1
    rules = reply.rule_set
    print(f"# rule set version {rules.version}, by {rules.actor}: {rules.reason}")
    print(rules.source)
    return 0


def _outcome(status: int, priority: int, rule: Any) -> str:
    name = decision_pb2.CaseStatus.Name(status).removeprefix("CASE_STATUS_").lower()
    if priority:
        name += "/" + decision_pb2.Priority.Name(priority).removeprefix("PRIORITY_").lower()
    return f"{name} by {rule.rule_id or '(no rule)'}"


def cmd_dry_run(args: argparse.Namespace) -> int:
    text = _read(args.file)
    if text is None:
        return 2
    request = decision_pb2.DryRunRulesRequest(document=text, days=args.days, limit=args.limit)
    settings = settings_of(args)
    with decision(settings) as stub:
        report = call(settings, lambda: stub.DryRunRules(request, timeout=120))
    if report is None:
        return 1
    print(
        f"{report.cases_changed} of {report.cases_considered} cases of the last {args.days} "
        f"days would change (compared with rule set version {report.compared_with_version})"
    )
    for change in report.changes:
        before = _outcome(change.before_status, change.before_priority, change.before_rule)
        after = _outcome(change.after_status, change.after_priority, change.after_rule)
        print(f"  {change.case_id}: {before} → {after}")
    return 0


def register(commands: Any) -> None:
    rules = commands.add_parser("rules", help="check, publish, show and dry-run rule sets")
    sub = rules.add_subparsers(dest="rules_command", required=True)

    check = sub.add_parser("check", help="check a rule set file without a mesh")
    check.add_argument("file", type=Path)
    check.set_defaults(run=cmd_check)

    publish = sub.add_parser("publish", help="publish a rule set file (YAML or JSON)")
    publish.add_argument("file", type=Path)
    publish.add_argument("--reason", required=True, help="why the rules change (audited)")
    publish.add_argument("--actor", default=getpass.getuser(), help="who publishes (audited)")
    publish.set_defaults(run=cmd_publish)

    show = sub.add_parser("show", help="print the rules in force")
    show.add_argument("--version", type=int, default=0, help="an earlier version")
    show.set_defaults(run=cmd_show)

    dry = sub.add_parser("dry-run", help="what a rule set would change on recent cases")
    dry.add_argument("file", type=Path)
    dry.add_argument("--days", type=int, default=7, help="cases of this many last days")
    dry.add_argument("--limit", type=int, default=100, help="list at most this many changes")
    dry.set_defaults(run=cmd_dry_run)
