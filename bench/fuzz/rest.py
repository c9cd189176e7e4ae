"""Schemathesis over the gateway's OpenAPI document, with the API key of each role, against
a real gateway process in front of real termmatch, similarity and decision processes.

    python bench/fuzz/rest.py --examples 100        # ~ cases = examples x operations x roles

Every generated request must get no 5xx, a response its schema describes, a status the
document lists, and refusals of what the schema forbids (schemathesis' `--checks all`).
Writes the cases run and the failures by kind to bench/results/fuzz.json (key "rest").
Run from the repository root (it starts the processes as tests/support.py does).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from modmesh.runtime.roles import Role
from tests.fuzz.mesh import key_of, mesh

RESULTS = Path(__file__).resolve().parents[1] / "results" / "fuzz.json"


def fuzz_as(url: str, role: Role, examples: int, report: Path, seed: int) -> dict[str, Any]:
    """One schemathesis run with `role`'s key: its exit status, output and JSON report."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--continue-on-failure",
        "--no-color",
        "--header",
        f"X-API-Key: {key_of(role)}",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--request-timeout",
        "30",
        # /readyz answers 503 by design while a service is down, and this mesh runs
        # without transcription (no speech model to load).
        "--exclude-path",
        "/readyz",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    return {"returncode": done.returncode, "output": done.stdout + done.stderr}


def tally(report: Path) -> tuple[int, Counter[str]]:
    """Cases run and failures by kind, from a schemathesis NDJSON event report."""
    cases, failures = 0, Counter[str]()
    for line in report.read_text().splitlines():
        event = json.loads(line)
        for name, body in event.items():
            if name != "ScenarioFinished":
                continue
            recorder = body.get("recorder", {})
            cases += len(recorder.get("cases", {}))
            for checks in recorder.get("checks", {}).values():
                for check in checks:
                    if check.get("status") == "failure":
                        failures[check.get("name", "?")] += 1
    return cases, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="per operation and role")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--roles", default=",".join(r.value for r in Role))
    parser.add_argument("--work-dir", help="where the mesh's data and each role's report go")
    args = parser.parse_args()
    started = time.monotonic()
    summary: dict[str, Any] = {"examples_per_operation": args.examples, "roles": {}}
    total, kinds = 0, Counter[str]()
    scratch = Path(args.work_dir or tempfile.mkdtemp(prefix="modmesh-fuzz-"))
    print(f"reports: {scratch}", flush=True)
    with mesh(scratch / "data") as url:
        for name in args.roles.split(","):
            role = Role(name)
            report = scratch / f"{role.value}.ndjson"
            run = fuzz_as(url, role, args.examples, report, args.seed)
            cases, failures = tally(report)
            total += cases
            kinds += failures
            summary["roles"][role.value] = {"cases": cases, "failures": dict(failures)}
            print(f"{role.value}: {cases} cases, failures {dict(failures)}", flush=True)
            (scratch / f"{role.value}.txt").write_text(run["output"])
            # Written after each role: a run cut short still leaves its figures.
            summary |= {
                "cases": total,
                "failures_by_kind": dict(kinds),
                "seconds": round(time.monotonic() - started, 1),
            }
            _record(summary)


def _record(summary: dict[str, Any]) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["rest"] = summary
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
