"""`modmesh lists import/export`: term lists in bulk, as CSV or JSON Lines files.

    modmesh lists import FILE --list ID [--format csv|jsonl] [--replace] [--create]
    modmesh lists export ID [--format csv|jsonl] [--version N] [--output FILE]

Both talk to termmatch directly over gRPC, streaming the terms in batches, and print
progress on stderr. An import is all or nothing: the first bad row is named by its line
and nothing of the file is applied.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import grpc

from modmesh.cli.remote import open_channel, report_rpc_error
from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.termmatch.v1 import termmatch_pb2_grpc
from modmesh.runtime.errors import InvalidArgument
from modmesh.runtime.settings import MeshSettings
from modmesh.termmatch import client as termmatch

#: Rows per ImportTerms message.
BATCH = 5000
#: Rows between two progress lines.
PROGRESS_EVERY = 100_000
#: A million-term import is validated, compiled and stored within this deadline.
IMPORT_TIMEOUT_SECONDS = 1800.0


def register(commands: Any) -> None:
    lists = commands.add_parser("lists", help="import or export a term list in bulk")
    actions = lists.add_subparsers(dest="lists_command", required=True)

    load = actions.add_parser("import", help="import terms from a CSV or JSON Lines file")
    load.add_argument("file", type=Path)
    load.add_argument("--list", dest="list_id", required=True, help="the list to import into")
    load.add_argument("--format", choices=termmatch.FORMATS, help="default: from the file name")
    load.add_argument(
        "--replace", action="store_true", help="the file becomes the whole list (default: merge)"
    )
    load.add_argument("--create", action="store_true", help="create the list when it is missing")
    load.add_argument("--actor", default=getpass.getuser(), help="who imports (audited)")
    _add_common(load)
    load.set_defaults(run=cmd_import)

    dump = actions.add_parser("export", help="export a list's terms to a file or stdout")
    dump.add_argument("list_id")
    dump.add_argument("--format", choices=termmatch.FORMATS, default="csv")
    dump.add_argument("--version", type=int, default=0, help="an earlier version (default: now)")
    dump.add_argument("--output", type=Path, default=None, help="default: stdout")
    _add_common(dump)
    dump.set_defaults(run=cmd_export)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--termmatch", default=None, help="termmatch address (default: settings)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def _progress(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


def _connect(args: argparse.Namespace) -> tuple[str, grpc.Channel]:
    settings = MeshSettings.from_env()
    address = args.termmatch or settings.termmatch_addr
    return address, open_channel(settings, address)


def _failed(error: grpc.RpcError, address: str) -> int:
    report_rpc_error(error, "termmatch", address)
    return 1


def cmd_import(args: argparse.Namespace) -> int:
    fmt = args.format or ("jsonl" if args.file.suffix in {".jsonl", ".ndjson"} else "csv")
    if not args.file.is_file():
        print(f"error: {args.file} is not a file", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        with args.file.open(encoding="utf-8", newline="") as file:
            # Read and checked completely before anything is sent: a bad row late in a
            # big file fails fast, and nothing of it reaches the service.
            rows = []
            for line, draft in termmatch.read_terms(file, fmt):
                rows.append(pb.ImportRow(line=line, term=termmatch.draft_to_pb(draft)))
                if len(rows) % PROGRESS_EVERY == 0:
                    _progress(args, f"read {len(rows):,} rows…")
    except InvalidArgument as error:
        print(f"error: {args.file}: {error.message}", file=sys.stderr)
        return 1
    except UnicodeDecodeError as error:
        print(f"error: {args.file} is not UTF-8 text ({error.reason})", file=sys.stderr)
        return 1
    _progress(args, f"read {len(rows):,} rows from {args.file}; sending…")
    address, channel = _connect(args)
    with channel:
        stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
        try:
            if args.create:
                _create_if_missing(stub, args.list_id, args.actor)
            reply = stub.ImportTerms(
                _requests(args, rows), timeout=IMPORT_TIMEOUT_SECONDS, wait_for_ready=False
            )
        except grpc.RpcError as error:
            return _failed(error, address)
    summary = reply.list
    _progress(
        args,
        f"imported {reply.rows:,} rows into {summary.list_id}: version {summary.version}, "
        f"{summary.term_count:,} terms ({time.monotonic() - started:.1f}s)",
    )
    return 0


def _create_if_missing(
    stub: termmatch_pb2_grpc.TermMatchServiceStub, list_id: str, actor: str
) -> None:
    try:
        request = pb.CreateListRequest(list_id=list_id, name=list_id, actor=actor)
        stub.CreateList(request, timeout=30)
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise


def _requests(
    args: argparse.Namespace, rows: list[pb.ImportRow]
) -> Iterator[pb.ImportTermsRequest]:
    yield pb.ImportTermsRequest(list_id=args.list_id, replace=args.replace, actor=args.actor)
    for first in range(0, len(rows), BATCH):
        yield pb.ImportTermsRequest(rows=rows[first : first + BATCH])
        sent = min(first + BATCH, len(rows))
        if sent % PROGRESS_EVERY < BATCH:
            _progress(args, f"sent {sent:,} rows…")
    _progress(args, "validating, compiling and storing the new version…")


def cmd_export(args: argparse.Namespace) -> int:
    address, channel = _connect(args)
    with channel:
        stub = termmatch_pb2_grpc.TermMatchServiceStub(channel)
        try:
            if args.output is None:
                return _export(args, stub, sys.stdout)
            with args.output.open("w", encoding="utf-8", newline="") as output:
                return _export(args, stub, output)
        except grpc.RpcError as error:
            return _failed(error, address)


def _export(
    args: argparse.Namespace, stub: termmatch_pb2_grpc.TermMatchServiceStub, output: TextIO
) -> int:
    replies = stub.ExportTerms(
        pb.ExportTermsRequest(list_id=args.list_id, version=args.version), timeout=600
    )
    written = 0
    output.write(termmatch.header(args.format))
    for reply in replies:
        if reply.HasField("list"):
            _progress(args, f"exporting {reply.list.list_id} version {reply.list.version}…")
        terms = [termmatch.term_from_pb(term) for term in reply.terms]
        output.writelines(termmatch.write_terms(terms, args.format))
        written += len(terms)
        if written and written % PROGRESS_EVERY < len(terms):
            _progress(args, f"wrote {written:,} terms…")
    _progress(args, f"exported {written:,} terms")
    return 0
