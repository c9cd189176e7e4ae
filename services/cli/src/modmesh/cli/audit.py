"""`modmesh audit verify`: checks the decision audit log's hash chain, straight from the
database (the verifier trusts no service), and names the first broken entry.

    modmesh audit verify [--database-url URL]

Exit status 0: the chain is whole (the head hash is printed; record it to anchor the
log); 1: it is broken or cannot be read.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from modmesh.cli.remote import settings_of
from modmesh.decision.client import read_entries, verify
from modmesh.runtime.database import open_engine
from modmesh.runtime.settings import ENV_PREFIX

#: Decision's own database setting; read from the environment because decision's
#: settings are its own (the CLI imports only decision's client).
DECISION_DATABASE_URL_ENV = ENV_PREFIX + "DECISION_DATABASE_URL"


def cmd_verify(args: argparse.Namespace) -> int:
    own = os.environ.get(DECISION_DATABASE_URL_ENV, "")
    url = args.database_url or settings_of(args).database_url_for("decision", own)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        print(f"error: no decision database at {parsed.database}", file=sys.stderr)
        return 1
    engine = open_engine(url)
    try:
        result = verify(read_entries(engine))
    except SQLAlchemyError as error:
        print(f"error: cannot read the audit log: {error.__class__.__name__}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if not result.ok:
        print(
            f"audit log BROKEN at entry {result.broken_entry}: {result.problem}. "
            f"The {result.entries - 1} entries before it are intact.",
            file=sys.stderr,
        )
        return 1
    print(f"audit log intact: {result.entries} entries, head hash {result.head_hash}")
    return 0


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="verify the audit log's hash chain")
    sub = audit.add_subparsers(dest="audit_command", required=True)
    check = sub.add_parser("verify", help="check every entry; name the first broken one")
    check.add_argument(
        "--database-url",
        default=None,
        help="the decision database (default: from MODMESH_* settings)",
    )
    check.set_defaults(run=cmd_verify)
