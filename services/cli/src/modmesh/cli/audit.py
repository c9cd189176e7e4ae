"""`modmesh audit`: checks and anchors an audit log straight from the database (the
verifier trusts no service): decision's by default, or termmatch's, similarity's or scoring's.

    modmesh audit verify [--log NAME] [--database-url URL] [--checkpoint FILE]
                         [--public-key HEX]
    modmesh audit checkpoint [--log NAME] [--database-url URL] > FILE

`verify` checks the keyed hash chain (MODMESH_AUDIT_KEY, or the local mesh's key), for
decision's log that the state tables agree with it and, given a checkpoint taken earlier,
that the log still holds its head: a rewritten chain or a cut tail fails. Exit status 0: all holds;
1: something does not, named on stderr. `checkpoint` prints the head, signed with
MODMESH_AUDIT_SIGNING_KEY (or the local mesh's), to keep somewhere else.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from modmesh.cli.credentials import AUDIT_KEY_ENV, AUDIT_SIGNING_KEY_ENV, audit_secret
from modmesh.cli.remote import settings_of
from modmesh.decision.client import AUDIT_LOG_NAME, AUDIT_TABLE, disagreement
from modmesh.runtime import checkpoint
from modmesh.runtime.audit import (
    AuditKey,
    AuditKeyError,
    Verification,
    audit_table,
    read_entries,
    read_entry,
    verify,
)
from modmesh.runtime.database import open_engine
from modmesh.runtime.settings import ENV_PREFIX

AUDIT_PUBLIC_KEY_ENV = ENV_PREFIX + "AUDIT_PUBLIC_KEY"
#: Each service's audit log by name: its table.
LOGS = {
    AUDIT_LOG_NAME: AUDIT_TABLE,
    "termmatch": audit_table("termmatch", MetaData()),
    "similarity": audit_table("similarity", MetaData()),
    "scoring": audit_table("scoring", MetaData()),
}


class Refused(Exception):
    """Why the command cannot go on, for stderr."""


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        key = _audit_key(args)
        expected = _read_checkpoint(args) if args.checkpoint else None
        engine, table = _engine(args), LOGS[args.log]
        try:
            result = verify(read_entries(engine, table), key)
            if not result.ok:
                raise Refused(
                    f"audit log BROKEN at entry {result.broken_entry}: {result.problem}. "
                    f"The {result.entries - 1} entries before it are intact."
                )
            # The state tables are decision's: the other logs have no check of theirs yet.
            problem = (
                disagreement(engine, read_entries(engine, table)) if table is AUDIT_TABLE else ""
            )
            if problem:
                raise Refused(f"the state tables DISAGREE with the audit log: {problem}")
            if expected is not None:
                head = read_entry(engine, table, expected.head_id)
                problem = checkpoint.check(expected, _public_key(args), args.log, head)
                if problem:
                    raise Refused(f"audit log does NOT hold the checkpoint: {problem}")
        finally:
            engine.dispose()
    except Refused as refused:
        print(refused, file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"error: cannot read the audit log: {error.__class__.__name__}", file=sys.stderr)
        return 1
    print(f"audit log intact: {_summary(result)}")
    if expected is not None:
        print(f"it holds the checkpoint of {expected.at} (entry {expected.head_id})")
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    try:
        key = _audit_key(args)
        seed = audit_secret(settings_of(args), AUDIT_SIGNING_KEY_ENV)
        signer = checkpoint.signing_key(seed, AUDIT_SIGNING_KEY_ENV)
        engine = _engine(args)
        try:
            result = verify(read_entries(engine, LOGS[args.log]), key)
        finally:
            engine.dispose()
        signed = checkpoint.sign(args.log, result, signer, datetime.now(UTC))
    except Refused as refused:
        print(refused, file=sys.stderr)
        return 1
    except checkpoint.CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"error: cannot read the audit log: {error.__class__.__name__}", file=sys.stderr)
        return 1
    print(signed.to_json())
    return 0


def _summary(result: Verification) -> str:
    unkeyed = f" ({result.unkeyed} unkeyed before the anchor)" if result.unkeyed else ""
    return f"{result.entries} entries{unkeyed}, head {result.head_id} hash {result.head_hash}"


def _engine(args: argparse.Namespace) -> Engine:
    # The service's own database setting, read from the environment because each
    # service's settings are its own (the CLI imports only their clients).
    own = os.environ.get(f"{ENV_PREFIX}{args.log.upper()}_DATABASE_URL", "")
    url = args.database_url or settings_of(args).database_url_for(args.log, own)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise Refused(f"error: no {args.log} database at {parsed.database}")
    return open_engine(url)


def _audit_key(args: argparse.Namespace) -> AuditKey:
    try:
        return AuditKey.from_setting(audit_secret(settings_of(args), AUDIT_KEY_ENV), AUDIT_KEY_ENV)
    except AuditKeyError as error:
        raise Refused(f"error: {error}") from None


def _read_checkpoint(args: argparse.Namespace) -> checkpoint.Checkpoint:
    try:
        return checkpoint.Checkpoint.from_json(Path(args.checkpoint).read_text())
    except (OSError, checkpoint.CheckpointError) as error:
        raise Refused(f"error: cannot read the checkpoint {args.checkpoint}: {error}") from None


def _public_key(args: argparse.Namespace) -> checkpoint.PublicKey:
    """The key checkpoints are checked with: --public-key, MODMESH_AUDIT_PUBLIC_KEY, or
    the public half of the signing key."""
    try:
        given = args.public_key or os.environ.get(AUDIT_PUBLIC_KEY_ENV, "")
        if given:
            return checkpoint.public_key(given, "--public-key")
        seed = audit_secret(settings_of(args), AUDIT_SIGNING_KEY_ENV)
        return checkpoint.signing_key(seed, AUDIT_SIGNING_KEY_ENV).public_key()
    except checkpoint.CheckpointError as error:
        raise Refused(f"error: {error}") from None


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="verify the audit log; export its signed head")
    sub = audit.add_subparsers(dest="audit_command", required=True)
    check = sub.add_parser(
        "verify", help="check every entry and the state tables; name the first problem"
    )
    check.add_argument(
        "--checkpoint", default=None, help="a checkpoint the log must still hold (a file)"
    )
    check.add_argument(
        "--public-key",
        default=None,
        help="hex Ed25519 key the checkpoint was signed with (default: "
        "MODMESH_AUDIT_PUBLIC_KEY, or the public half of the signing key)",
    )
    check.set_defaults(run=cmd_verify)
    head = sub.add_parser("checkpoint", help="print the log's head, signed (JSON)")
    head.set_defaults(run=cmd_checkpoint)
    for command in (check, head):
        command.add_argument(
            "--log", choices=sorted(LOGS), default=AUDIT_LOG_NAME, help="whose audit log"
        )
        command.add_argument(
            "--database-url",
            default=None,
            help="the service's database (default: from MODMESH_* settings)",
        )
