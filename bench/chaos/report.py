"""The figures of a run and bench/results/chaos.json, which keeps the latest run of
each mode ("chaos" and "no_kills") side by side."""

from __future__ import annotations

import json
import math
import os
import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.chaos.workload import Tracked

#: Items per minute the replica counts are extrapolated to.
TARGET_ITEMS_PER_MINUTE = 1000


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; infinities (never finished) count like any value."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def seconds(value: float) -> float | str | None:
    """JSON has no infinity: a never-finished percentile is written "infinity"; none
    (no item) is null."""
    if math.isinf(value):
        return "infinity"
    return None if math.isnan(value) else round(value, 2)


def latency(tracked: Sequence[Tracked]) -> dict[str, Any]:
    """Submit to case finished over every item that was acceptable (all but uploads
    refused for what they are); an item whose case never finished is infinity."""
    counted = [t.seconds_to_case for t in tracked if not t.refused]
    return {
        "p50_seconds": seconds(percentile(counted, 0.50)),
        "p95_seconds": seconds(percentile(counted, 0.95)),
        "max_seconds": seconds(max(counted, default=math.nan)),
        "samples": len(counted),
        "never_finished": sum(math.isinf(v) for v in counted),
    }


def throughput(tracked: Sequence[Tracked]) -> float:
    """Finished items per minute, from the first upload to the last case finished."""
    finished = [t.finished_at for t in tracked if t.finished_at is not None]
    sent = [t.sent_at for t in tracked if t.sent_at is not None]
    if not finished or not sent:
        return 0.0
    window = max(finished) - min(sent)
    return round(60.0 * len(finished) / window, 1) if window > 0 else 0.0


def cpu(
    cpu_by_replica: Mapping[str, float],
    replicas: Mapping[str, int],
    window_seconds: float,
    finished_items: int,
) -> dict[str, Any]:
    """CPU per replica and per service over the workload (start-up excluded); the busiest
    service per replica saturates first. Replicas per TARGET_ITEMS_PER_MINUTE are
    extrapolated from CPU seconds per item, a replica using at most one core."""
    services: dict[str, Any] = {}
    for service, count in replicas.items():
        total = sum(v for name, v in cpu_by_replica.items() if name.rsplit("-", 1)[0] == service)
        per_item = total / finished_items if finished_items else math.inf
        cores = per_item * TARGET_ITEMS_PER_MINUTE / 60.0
        services[service] = {
            "replicas": count,
            "cpu_seconds": round(total, 1),
            "cores_busy_per_replica": round(total / window_seconds / count, 2),
            "cpu_seconds_per_item": seconds(per_item),
            "extrapolated_replicas_per_1000_items_per_minute": (
                math.ceil(cores) if math.isfinite(cores) else None
            ),
        }
    busiest = max(services, key=lambda s: services[s]["cores_busy_per_replica"])
    return {
        "by_replica_cpu_seconds": {k: round(v, 1) for k, v in sorted(cpu_by_replica.items())},
        "by_service": services,
        "saturates_first": busiest,
        "note": "replicas per 1,000 items/minute are extrapolated from CPU seconds per "
        "item on this machine, one core per replica, assuming linear scaling",
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def write(path: Path, mode: str, run: Mapping[str, Any]) -> None:
    """Stores this run under its mode, keeping the other mode's latest run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        kept = {}
    kept[mode] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), **run}
    path.write_text(json.dumps(kept, indent=2, sort_keys=False) + "\n")
