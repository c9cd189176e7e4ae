"""Runs the fuzz targets of tests/fuzz/targets.py (hypothesis) for a time budget each:
the termmatch normaliser, the decision rules parser, the similarity exchange-file readers
and the media probe.

    python bench/fuzz/targets.py --minutes 15        # per target

A crash stops that target and is printed with the input hypothesis shrank it to (make it
an example in tests/fuzz/test_targets.py). Writes inputs run, seconds and crashes per
target to bench/results/fuzz.json (key "targets"). Run from the repository root.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz.targets import TARGETS

RESULTS = Path(__file__).resolve().parents[1] / "results" / "fuzz.json"


class _Budget(Exception):
    """The target's time is up."""


def fuzz(name: str, seconds: float) -> dict[str, Any]:
    """Runs one target until its time is up or it crashes."""
    target, inputs = TARGETS[name]
    count = 0
    deadline = time.monotonic() + seconds

    @settings(
        max_examples=10**9,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs)
    def run(arguments: tuple[Any, ...]) -> None:
        nonlocal count
        if time.monotonic() > deadline:
            raise _Budget
        count += 1
        target(*arguments)

    started = time.monotonic()
    crash = ""
    try:
        run()
    except _Budget:
        pass
    except ExceptionGroup as group:
        # Hypothesis replays the input the budget stopped and, finding it passes, reports
        # the stop as a flaky failure: only the budget inside means no crash.
        if group.split(_Budget)[1] is not None:
            crash = traceback.format_exc(limit=8)
            print(crash, flush=True)
    except Exception:  # noqa: BLE001 - any crash is what the bench exists to find
        crash = traceback.format_exc(limit=8)
        print(crash, flush=True)
    return {
        "inputs": count,
        "seconds": round(time.monotonic() - started, 1),
        "crashes": [crash] if crash else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=15.0, help="per target")
    parser.add_argument("--targets", default=",".join(TARGETS))
    args = parser.parse_args()
    report: dict[str, Any] = {}
    for name in args.targets.split(","):
        report[name] = fuzz(name, args.minutes * 60)
        print(name, report[name]["inputs"], "inputs", report[name]["seconds"], "s", flush=True)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["targets"] = {
        "engine": "hypothesis (atheris not installed)",
        "minutes_per_target": args.minutes,
        "total_seconds": round(sum(r["seconds"] for r in report.values()), 1),
        "peak_rss_mib": round(peak_mib, 1),
        "by_target": report,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
