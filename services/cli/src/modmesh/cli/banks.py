"""`modmesh banks`: similarity banks of a running mesh, and hash exchange files.

modmesh banks list
modmesh banks create NAME [--max-distance 31] [--min-match-percent 50] [--description …]
                          [--negative]
modmesh banks import NAME FILE.csv|FILE.jsonl|FILE.vpdq|FOLDER (see modmesh.similarity.exchange)
modmesh banks import NAME FILE --format file|dataset|match   (HMA / ThreatExchange files,
                                                   see modmesh.similarity.signals)
modmesh banks export NAME FILE.csv|FILE.jsonl|FOLDER     (a folder: one vPDQ file an item)
modmesh banks export NAME FILE --format file|dataset|match
modmesh banks fetch NAME --exchange fb_threatexchange|ncmec|stop_ncii --collaboration C
                    [--privacy-group ID] [--ncmec-environment Industry]
modmesh banks remove NAME ITEM_ID
"""

from __future__ import annotations

import argparse
import getpass
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import grpc

from modmesh.cli.remote import open_channel, report_rpc_error
from modmesh.contracts.similarity.v1 import similarity_pb2, similarity_pb2_grpc
from modmesh.runtime.settings import MeshSettings
from modmesh.similarity.client import (
    EXCHANGES,
    FORMATS,
    ExchangedItem,
    ExchangeError,
    HashRun,
    fetch,
    frame_hashes,
    parse_pdq_hex,
    read_items,
    read_signals,
    signal_source,
    write_items,
    write_signals,
)

TIMEOUT_SECONDS = 60.0


def register(commands: Any) -> None:
    banks = commands.add_parser(
        "banks", help="similarity banks: list, create, import, export, fetch"
    )
    actions = banks.add_subparsers(dest="banks_command", required=True)

    actions.add_parser("list", help="every bank with its size and index snapshot")

    create = actions.add_parser("create", help="create a bank with its thresholds")
    create.add_argument("name")
    create.add_argument("--max-distance", type=int, default=None, help="default 31 of 256 bits")
    create.add_argument(
        "--min-match-percent", type=float, default=None, help="default 50 (of duration)"
    )
    create.add_argument("--description", default="")
    create.add_argument(
        "--negative",
        action="store_true",
        help="known-good content: its matches withhold other banks' matches on those frames",
    )

    for name, help_text in (
        (
            "import",
            "add the items of a .csv, .jsonl or .vpdq hash file (or a folder of "
            ".vpdq files) to a bank",
        ),
        (
            "export",
            "write a bank's items to a .csv or .jsonl hash file, or to a folder of "
            "vPDQ files (a name without a suffix)",
        ),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("name")
        action.add_argument("file", type=Path)
        action.add_argument(
            "--format",
            choices=FORMATS,
            help="an HMA / ThreatExchange signal file: pytx's local file exchange (file), "
            "`threatexchange dataset -P --csv` (dataset), or a hash a line (match)",
        )

    fetch_ = actions.add_parser("fetch", help="import a collaboration of an API exchange")
    fetch_.add_argument("name")
    fetch_.add_argument("--exchange", choices=EXCHANGES, required=True)
    fetch_.add_argument("--collaboration", required=True, help="its name, kept as the source")
    fetch_.add_argument("--privacy-group", type=int, help="ThreatExchange privacy group id")
    fetch_.add_argument("--ncmec-environment", default="Industry")

    remove = actions.add_parser("remove", help="remove an item from a bank")
    remove.add_argument("name")
    remove.add_argument("item_id")
    banks.add_argument("--actor", default=getpass.getuser(), help="who makes changes (audited)")
    banks.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = MeshSettings.from_env()
    with open_channel(settings, settings.similarity_addr) as channel:
        stub = similarity_pb2_grpc.SimilarityServiceStub(channel)
        try:
            return COMMANDS[args.banks_command](stub, args)
        except grpc.RpcError as error:
            report_rpc_error(error, "similarity", settings.similarity_addr)
            return 1
        except ExchangeError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1


def _list(stub: similarity_pb2_grpc.SimilarityServiceStub, args: argparse.Namespace) -> int:
    reply = stub.ListBanks(similarity_pb2.ListBanksRequest(), timeout=TIMEOUT_SECONDS)
    for status in reply.banks:
        bank = status.bank
        print(
            f"{bank.name}: {status.item_count} items, distance ≤ {bank.max_distance}, "
            f"≥ {bank.min_match_percent:g}% matched{'; negative' if bank.negative else ''}; "
            f"index {status.index_snapshot} "
            f"(base {status.base_size}, delta {status.delta_size} hashes)"
        )
        if status.stale_item_count:
            print(
                f"  {status.stale_item_count} items hashed before modmesh's PDQ matched Meta's "
                "reference (8-24 bits off): re-add them from their media, or re-import them "
                "if they came from another platform"
            )
    return 0


def _create(stub: similarity_pb2_grpc.SimilarityServiceStub, args: argparse.Namespace) -> int:
    request = similarity_pb2.CreateBankRequest(
        name=args.name, description=args.description, actor=args.actor, negative=args.negative
    )
    if args.max_distance is not None:
        request.max_distance = args.max_distance
    if args.min_match_percent is not None:
        request.min_match_percent = args.min_match_percent
    created = stub.CreateBank(request, timeout=TIMEOUT_SECONDS).bank
    print(f"created bank {created.bank.name}")
    return 0


def _import(stub: similarity_pb2_grpc.SimilarityServiceStub, args: argparse.Namespace) -> int:
    if args.format is None:
        return _add(stub, args, read_items(args.file))
    signals = read_signals(args.file, args.format, negative=_bank(stub, args.name).negative)
    return _add(stub, args, signals.items, signals.skipped)


def _fetch(stub: similarity_pb2_grpc.SimilarityServiceStub, args: argparse.Namespace) -> int:
    signals = fetch(
        args.exchange,
        args.collaboration,
        negative=_bank(stub, args.name).negative,
        privacy_group=args.privacy_group,
        environment=args.ncmec_environment,
    )
    return _add(stub, args, signals.items, signals.skipped)


def _bank(stub: similarity_pb2_grpc.SimilarityServiceStub, name: str) -> similarity_pb2.Bank:
    """The bank's settings (whether it is negative decides which signals it takes)."""
    reply: similarity_pb2.ListBanksResponse = stub.ListBanks(
        similarity_pb2.ListBanksRequest(), timeout=TIMEOUT_SECONDS
    )
    for status in reply.banks:
        if status.bank.name == name:
            bank: similarity_pb2.Bank = status.bank
            return bank
    raise ExchangeError(f"bank {name!r} does not exist: create it first (modmesh banks create)")


def _add(
    stub: similarity_pb2_grpc.SimilarityServiceStub,
    args: argparse.Namespace,
    items: Iterable[ExchangedItem],
    ignored: Mapping[str, int] | None = None,
) -> int:
    added = skipped = 0
    for item in items:
        try:
            stub.AddHashes(
                similarity_pb2.AddHashesRequest(
                    bank=args.name,
                    item_id=item.item_id,
                    label=item.label,
                    hashes=frame_hashes(item.runs),
                    actor=args.actor,
                    source=signal_source(item.source) if item.source else None,
                ),
                timeout=TIMEOUT_SECONDS,
            )
            added += 1
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
            skipped += 1  # imports are re-runnable: items already there stay as they are
    print(f"imported {added} items into {args.name} ({skipped} already there)")
    if ignored:
        print("not imported: " + ", ".join(f"{n} {why}" for why, n in sorted(ignored.items())))
    return 0


def _export(stub: similarity_pb2_grpc.SimilarityServiceStub, args: argparse.Namespace) -> int:
    negative = args.format is not None and _bank(stub, args.name).negative
    replies = stub.ExportBank(
        similarity_pb2.ExportBankRequest(bank=args.name), timeout=TIMEOUT_SECONDS
    )
    # Written beside the target and renamed: a refused or broken export leaves no file.
    partial = args.file.with_name(f".{args.file.stem}-partial{args.file.suffix}")
    try:
        if args.format is None:
            count = write_items(_exchanged(replies), partial)
        else:
            count = write_signals(
                _exchanged(replies), partial, args.format, bank=args.name, negative=negative
            )
        partial.replace(args.file)
    finally:
        if partial.is_dir():  # a folder of vPDQ files
            shutil.rmtree(partial)
        partial.unlink(missing_ok=True)
    what = "items" if args.format is None else "signals"
    print(f"exported {count} {what} of {args.name} to {args.file}")
    return 0


def _exchanged(replies: Iterator[similarity_pb2.ExportBankResponse]) -> Iterator[ExchangedItem]:
    for reply in replies:
        yield ExchangedItem(
            reply.item_id,
            reply.label,
            tuple(
                HashRun(
                    parse_pdq_hex(frame.pdq_hex, "pdq_hex"),
                    frame.timestamp_seconds,
                    frame.timestamp_seconds + frame.duration_seconds,
                    frame.quality,
                )
                for frame in reply.hashes.frames
            ),
        )


def _remove(stub: similarity_pb2_grpc.SimilarityServiceStub, args: argparse.Namespace) -> int:
    reply = stub.RemoveItem(
        similarity_pb2.RemoveItemRequest(bank=args.name, item_id=args.item_id, actor=args.actor),
        timeout=TIMEOUT_SECONDS,
    )
    print(f"removed {args.item_id} from {args.name} (index {reply.index_snapshot})")
    return 0


COMMANDS = {
    "list": _list,
    "create": _create,
    "import": _import,
    "export": _export,
    "fetch": _fetch,
    "remove": _remove,
}
