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

from google.protobuf.message import Message
from hypothesis import given

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz.grpc_contracts import (
    SERVER_ERRORS,
    Method,
    answer,
    fuzzed_methods,
    messages,
    requests,
)
from tests.fuzz.test_grpc_contracts import CALL_TIMEOUT_SECONDS, mesh_of
from tests.support import LoopbackSettings, mesh_channel

RESULTS = Path(__file__).resolve().parents[1] / "results" / "fuzz.json"


def fuzz(mesh: LoopbackSettings, method: Method, examples: int) -> dict[str, Any]:
    calls = 0
    statuses: Counter[str] = Counter()
    errors: list[str] = []
    started = time.monotonic()
    with mesh_channel(mesh, getattr(mesh, method.address_setting)) as channel:

        @requests(examples)
        @given(messages(method.descriptor.input_type))
        def call(request: Message) -> None:
            nonlocal calls
            calls += 1
            code, details = answer(method, channel, request, CALL_TIMEOUT_SECONDS)
            statuses[code.name] += 1
            if code in SERVER_ERRORS:
                errors.append(f"{method.path}({request!r}): {code.name}: {details}")
                print(errors[-1], flush=True)

        call()
    seconds = round(time.monotonic() - started, 1)
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
