"""`modmesh`: run a local mesh, moderate a file through it, or run the demo.

    modmesh up                     start the gateway and the four services; Ctrl-C stops them
    modmesh moderate FILE [--json] upload FILE through a running mesh and print its case
    modmesh demo                   start a mesh, moderate the bundled sample clip, and keep
                                   the mesh up for the console (--exit: stop at once)
    modmesh lists import|export    term lists in bulk (CSV, JSON Lines)
    modmesh rules …                check, publish, show and dry-run rule sets
    modmesh audit verify           check the audit log's hash chain
    modmesh backfill --list L …    match stored transcripts of past content with a list again
    modmesh cases retry ID…|--all-failed  analyse FAILED cases again
    modmesh banks …                similarity banks: list, create, import, export, fetch, remove
    modmesh stream FILE [--realtime]  play FILE to transcription as a live stream

Settings come from MODMESH_* environment variables (see README); every default runs
on one machine with its data under ./.modmesh.
"""

from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from modmesh.cli import backfill, cases, stream
from modmesh.cli.credentials import api_key
from modmesh.cli.mesh import GATEWAY, SERVICES, Mesh, MeshError
from modmesh.cli.moderate import ModerationError, moderate, render_case
from modmesh.cli.remote import settings_of
from modmesh.cli.samples import CLIP
from modmesh.cli.seed import register_local_reviewer, seed_samples
from modmesh.runtime.identity import Identity, ServiceKeyError, ensure_service_keys
from modmesh.runtime.settings import MeshSettings, SettingsError


def _start(settings: MeshSettings, seed: bool) -> Mesh:
    mesh = Mesh(settings)
    print(f"starting the mesh (data in {settings.data_dir.resolve()})…", file=sys.stderr)
    try:
        mesh.start()
        if seed:
            for line in seed_samples(settings):
                print(f"  loaded {line}", file=sys.stderr)
        if registered := register_local_reviewer(settings):
            print(f"  registered {registered}", file=sys.stderr)
    except BaseException:
        mesh.stop()
        raise
    for name in (GATEWAY, *SERVICES):
        print(f"  {name:<14} {mesh.address(name)}", file=sys.stderr)
    print(f"  console        {mesh.gateway_url}/console/", file=sys.stderr)
    print(f"  logs           {mesh.log_dir.resolve()}", file=sys.stderr)
    return mesh


def _stop(mesh: Mesh) -> int:
    codes = mesh.stop()
    failed = {name: code for name, code in codes.items() if code != 0}
    if failed:
        print(f"stopped; non-zero exits: {failed} (see {mesh.log_dir})", file=sys.stderr)
        return 1
    print("stopped cleanly", file=sys.stderr)
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    return _serve(_start(settings_of(args), seed=not args.no_samples))


def _serve(mesh: Mesh) -> int:
    """Keeps the mesh up until Ctrl-C (or SIGTERM), then stops it."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print("ready; press Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        while not stop.wait(1.0):
            mesh.check_alive()
    except MeshError as error:
        print(f"error: {error}", file=sys.stderr)
        _stop(mesh)
        return 1
    print("stopping…", file=sys.stderr)
    return _stop(mesh)


def _print_case(case: dict[str, Any], as_json: bool) -> None:
    print(json.dumps(case, indent=2) if as_json else render_case(case))


def cmd_moderate(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if not args.file.is_file():
        print(f"error: {args.file} is not a file", file=sys.stderr)
        return 2
    gateway = args.gateway or f"http://{settings.gateway_addr}"
    case = moderate(
        gateway,
        args.file,
        account_id=args.account,
        content_id=args.content_id,
        timeout=args.timeout,
        progress=not args.quiet,
        api_key=api_key(settings),
    )
    _print_case(case, args.json)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    mesh = _start(settings, seed=True)
    try:
        print(f"moderating the sample clip {CLIP.name}…", file=sys.stderr)
        case = moderate(
            f"http://{settings.gateway_addr}",
            CLIP,
            account_id="demo-account",
            timeout=args.timeout,
            api_key=api_key(settings),
        )
        _print_case(case, args.json)
    except BaseException:
        _stop(mesh)
        raise
    if args.exit:
        return _stop(mesh)
    # The credential rides in the link's fragment, which a browser never sends, so it
    # reaches no server log; the sign-in page reads it from there.
    sign_in = f"http://{settings.gateway_addr}/console/sign-in"
    key = api_key(settings)
    print(
        f"\nReview it in the console: {sign_in}#credential={quote(key)}"
        if key
        else f"\nReview it in the console: {sign_in} (sign in with a key of MODMESH_API_KEYS)",
        file=sys.stderr,
    )
    return _serve(mesh)


def cmd_service_keys(args: argparse.Namespace) -> int:
    # For Kubernetes (docs/operations.md, "Secrets"): a Secret per private key, one
    # ConfigMap of the public keys.
    directory = ensure_service_keys(args.directory)
    print(f"a key pair for every service in {directory} (existing ones kept)")
    return 0


def cmd_service_token(args: argparse.Namespace) -> int:
    # For grpcurl and other raw gRPC clients of a local mesh; valid a few minutes.
    print(Identity.load(settings_of(args), "cli").mint())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modmesh",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the mesh keeps its data (default: $MODMESH_DATA_DIR or ./.modmesh)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start the gateway and the four services")
    up.add_argument(
        "--no-samples", action="store_true", help="do not load the sample term list and sample bank"
    )
    up.set_defaults(run=cmd_up)

    mod = commands.add_parser("moderate", help="moderate a media file through a running mesh")
    mod.add_argument("file", type=Path)
    mod.add_argument("--account", default="cli-user", help="account id of the uploader")
    mod.add_argument("--content-id", default=None, help="content id (default: file name)")
    mod.add_argument("--gateway", default=None, help="gateway URL (default: from settings)")
    mod.add_argument("--json", action="store_true", help="print the case as JSON")
    mod.add_argument("--quiet", action="store_true", help="no progress output")
    mod.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for a case")
    mod.set_defaults(run=cmd_moderate)

    demo = commands.add_parser(
        "demo", help="moderate the sample clip on a new mesh; serve the console"
    )
    demo.add_argument("--json", action="store_true", help="print the case as JSON")
    demo.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for a case")
    demo.add_argument("--exit", action="store_true", help="stop the mesh once the case is printed")
    demo.set_defaults(run=cmd_demo)

    token = commands.add_parser(
        "service-token",
        help="print a service token for raw gRPC calls (grpcurl -H 'authorization: Bearer …')",
    )
    token.set_defaults(run=cmd_service_token)

    keys = commands.add_parser(
        "service-keys",
        help="make a key pair for every service in DIRECTORY (for Kubernetes Secrets)",
    )
    keys.add_argument("directory", type=Path)
    keys.set_defaults(run=cmd_service_keys)

    for name, service in SERVICE_COMMANDS.items():
        _register_service_command(commands, name, service)
    backfill.register(commands)
    cases.register(commands)
    stream.register(commands)
    return parser


#: Commands that work on a service's own files, and the service whose client each imports
#: (an extra of modmesh-cli). The other commands need only the runtime.
SERVICE_COMMANDS = {
    "lists": "termmatch",
    "rules": "decision",
    "audit": "decision",
    "banks": "similarity",
}


def _register_service_command(commands: Any, name: str, service: str) -> None:
    try:
        module = importlib.import_module(f"modmesh.cli.{name}")
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith(f"modmesh.{service}"):
            raise
        package = f"modmesh-{service}"
        missing = commands.add_parser(name, help=f"(needs {package}, which is not installed)")
        missing.add_argument("arguments", nargs=argparse.REMAINDER)
        missing.set_defaults(run=lambda _: _not_installed(name, service))
        return
    module.register(commands)


def _not_installed(command: str, service: str) -> int:
    print(
        f"error: `modmesh {command}` needs the modmesh-{service} package; "
        f"install it with: pip install 'modmesh-cli[{service}]'",
        file=sys.stderr,
    )
    return 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (SettingsError, ServiceKeyError, MeshError, ModerationError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
