"""Sends generated requests to every gRPC method of a real mesh (tests/fuzz/grpc_contracts.py)
and counts the answers by status; server errors (INTERNAL, UNKNOWN, DATA_LOSS) must be none.

    python bench/fuzz/services.py --examples 300        # per method

Each server error is printed with its request. Writes calls, seconds, statuses and errors
per method to bench/results/fuzz.json (key "grpc"). Run from the repository root.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.message import Message

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz.grpc_contracts import (
    SERVER_ERRORS,
    Method,
    fuzzed_methods,
    mesh_of,
    send_generated,
)
from tests.support import LoopbackSettings

RESULTS = Path(__file__).resolve().parents[1] / "results" / "fuzz.json"


def fuzz(mesh: LoopbackSettings, method: Method, examples: int) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    errors: list[str] = []

    def tally(request: Message, code: grpc.StatusCode, details: str) -> None:
        statuses[code.name] += 1
        if code in SERVER_ERRORS:
            errors.append(f"{method.path}({request!r}): {code.name}: {details}")
            print(errors[-1], flush=True)

    started = time.monotonic()
    send_generated(mesh, method, examples, tally)
    seconds = round(time.monotonic() - started, 1)
    calls = sum(statuses.values())
    return {"calls": calls, "seconds": seconds, "statuses": dict(statuses), "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="requests per method")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="modmesh-grpc-fuzz-") as work,
        mesh_of(Path(work)) as mesh,
    ):
        for method in fuzzed_methods():
            report[method.path] = fuzz(mesh, method, args.examples)
            print(method.path, report[method.path]["calls"], "calls", flush=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["grpc"] = {
        "engine": "hypothesis, requests generated from the services' descriptors",
        "examples_per_method": args.examples,
        "methods": len(report),
        "calls": sum(r["calls"] for r in report.values()),
        "server_errors": sum(len(r["errors"]) for r in report.values()),
        "statuses": dict(sum((Counter(r["statuses"]) for r in report.values()), Counter())),
        "by_method": report,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
