"""termmatch benchmark: the engine against Python `re` alternation and a bare
pyahocorasick scan, on synthetic lists and a text with planted hits.

    .venv/bin/python bench/termmatch/run.py                       # 10k, 100k, 1M terms; 10 MB
    .venv/bin/python bench/termmatch/run.py --sizes 2000 --text-mb 0.5   # a quick look

For each list size it reports, in one process:
- identity: the engine's plain-mode hits (no folding flags) against the bare scan's
  whole-word hits on the whole text, and against `re` on a slice (longest hit per start,
  the most an alternation reports); both must be 100%. Both baselines read separators
  as plain mode does (see Separated);
- throughput (MB/s) of the bare scan of the raw text, the engine in plain mode and with
  every flag on; `re` against the plain engine on the same slice, best of several runs;
- p50/p99 latency of matching one 1 KB chunk (all flags on), from the best of three
  passes over up to 3,000 chunks;
- build time of the engine (plain and all flags), resident memory it added;
- swap pause: the longest 1 KB match while edits of one term are compiled beside the
  serving lists and swapped in, and while the list is compiled from nothing (a restart
  or new flags), each until a second after its swap (the replaced versions are freed
  meanwhile), p99 and longest, against a second without a rebuild. Runs with the
  switch interval the service sets.
It prints a table and writes JSON to bench/results/termmatch.json. Timings are noisy on
a shared machine: compare the ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from baselines import (
    AhoCorasickRs,
    Baseline,
    Hyperscan,
    PyAhoCorasick,
    Re,
    Separated,
    longest_per_start,
)

from modmesh.contracts.evidence import Severity
from modmesh.termmatch.automaton import code_points, warm_up
from modmesh.termmatch.domain import Flags, ListSettings, Term, TermList
from modmesh.termmatch.matcher import SWITCH_INTERVAL_S, CompiledLists, Reaper

NOW = datetime.now(UTC)
RESULTS = Path(__file__).resolve().parents[1] / "results" / "termmatch.json"
LATIN = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "se", "pi", "da", "gu", "zo", "be", "fi"]
LATIN += ["tor", "ban", "sel", "qui", "mar", "dex", "lin", "pra", "gol", "ves", "cra", "nop"]
CYRILLIC = [
    "\u043a\u0430",
    "\u043b\u043e",
    "\u043c\u0438",
    "\u043d\u0435",
    "\u0440\u0443",
    "\u0442\u0430",
    "\u0432\u043e",
    "\u0441\u0435",
    "\u043f\u0438",
    "\u0434\u0430",
    "\u0433\u0443",
    "\u0437\u043e",
]
HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 400)]
# Filler words are built from other syllables and characters, so that the text's hits
# are the planted ones (and the rare term inside a Han run).
FILLER_LATIN = ["ha", "we", "yo", "ji", "xu", "hu", "wa", "yi", "jo", "xe", "hy", "wu"]
FILLER_CYRILLIC = ["\u0436\u0443", "\u0448\u0430", "\u0449\u0438", "\u044e\u0445", "\u044f\u0436"]
FILLER_HAN = [chr(c) for c in range(0x4E00 + 400, 0x4E00 + 800)]
SEPARATORS = [" "] * 12 + [", ", ". ", "! ", "\n"]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_word(rng: random.Random, filler: bool = False) -> str:
    kind = rng.random()
    if kind < 0.08:
        han = FILLER_HAN if filler else HAN
        return "".join(rng.choice(han) for _ in range(rng.randint(2, 4)))
    if kind < 0.16:
        syllables = FILLER_CYRILLIC if filler else CYRILLIC
    else:
        syllables = FILLER_LATIN if filler else LATIN
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


def make_terms(count: int, rng: random.Random) -> list[Term]:
    """Words and multi-word phrases (Latin, Cyrillic, Han), unique as written."""
    texts: dict[str, None] = {}
    while len(texts) < count:
        words = [make_word(rng) for _ in range(rng.choice([1, 1, 2, 3]))]
        texts[" ".join(words)] = None
    return [Term(f"t{i}", text, Severity.MEDIUM, "bench") for i, text in enumerate(texts)]


def make_text(terms: list[Term], size: int, rng: random.Random) -> str:
    """Filler words with a planted term about every 40 words."""
    pieces: list[str] = []
    length = 0
    while length < size:
        piece = rng.choice(terms).text if rng.random() < 0.025 else make_word(rng, filler=True)
        pieces.append(piece)
        pieces.append(rng.choice(SEPARATORS))
        length += len(piece) + 1
    return "".join(pieces)[:size]


def term_list(terms: list[Term], flags: Flags, version: int = 1) -> TermList:
    return TermList("bench", version, ListSettings("bench", flags=flags), tuple(terms), NOW, NOW)


def engine_hits(lists: CompiledLists, text: str) -> set[tuple[int, int, str]]:
    return {(o.start, o.end, o.term.term_id) for o in lists.find(text, ["bench"], NOW)}


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


@dataclass
class Samples:
    """Wall-clock and CPU seconds of each run of one measure: on a shared machine the
    CPU time of this process moves less than the wall clock."""

    wall: list[float]
    cpu: list[float]

    def best(self) -> float:
        return min(self.wall)

    def as_json(self) -> dict[str, Any]:
        return {"wall_s": self.wall, "cpu_s": self.cpu}


def sampled(repeats: int, function: Any, *args: Any) -> tuple[Any, Samples]:
    """function(*args) run `repeats` times: its last result and every run's timing."""
    samples = Samples([], [])
    result = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(*args)
        samples.wall.append(time.perf_counter() - wall)
        samples.cpu.append(time.process_time() - cpu)
    return result, samples


def stages(lists: CompiledLists, text: str) -> dict[str, float]:
    """Where one match of the text spends its time: the match view (normalisation with
    its offset maps), the automaton scan, and the rest (hits mapped back in Python,
    sounds-like search, sorting), each once, CPU seconds."""
    group = lists._groups[0]  # the bench looks inside its one group
    cpu = time.process_time
    started = cpu()
    view = group.normalizer.normalize(text)
    codes = code_points(view.text)
    scanned = codes[codes != ord(" ")] if group.flags.join_words else codes
    normalized = cpu()
    for shard in group.shards:
        shard.automaton.iter(scanned)
    scanned_at = cpu()
    lists.find(text, ["bench"], NOW)
    total = cpu() - scanned_at
    return {
        "normalize_s": normalized - started,
        "scan_s": scanned_at - normalized,
        "rest_s": total - (scanned_at - started),
    }


def latencies(lists: CompiledLists, chunks: list[str]) -> list[float]:
    seconds = []
    for chunk in chunks:
        started = time.perf_counter()
        lists.find(chunk, ["bench"], NOW)
        seconds.append(time.perf_counter() - started)
    return seconds


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


#: Matching goes on this long after the last swap of each kind, while the replaced
#: versions are freed (see matcher.Reaper); its matches count for that kind.
FREEING_S = 1.0


def swap_pause(
    terms: list[Term], flags: Flags, current: CompiledLists, chunks: list[str], edits: int
) -> dict[str, float]:
    """Matches 1 KB chunks without pause while new versions are compiled and swapped in:
    first `edits` edits of one term each (the service's path: built from the serving
    lists), then a rebuild from nothing (a restart, or new flags: every key changes)."""
    holder = {"lists": current}
    reaper = Reaper()

    def swap(compiled: CompiledLists) -> None:  # as the service swaps: one assignment
        replaced, holder["lists"] = holder["lists"], compiled
        reaper.retire(replaced)

    done = threading.Event()
    seconds: list[tuple[float, float]] = []  # (when it ended, how long it took)

    def match_continuously() -> None:
        index = 0
        while not done.is_set():
            started = time.perf_counter()
            holder["lists"].find(chunks[index % len(chunks)], ["bench"], NOW)
            ended = time.perf_counter()
            seconds.append((ended, ended - started))
            index += 1

    def durations(since: float, until: float) -> list[float]:
        return [took for ended, took in seconds if since < ended <= until] or [0.0]

    matcher = threading.Thread(target=match_continuously)
    matcher.start()
    # Matches with nothing built beside them: on a shared machine, the scheduler
    # alone makes some matches wait tens of milliseconds.
    quiet_started = time.perf_counter()
    time.sleep(1.0)
    quiet_ended = time.perf_counter()
    edited = list(terms)
    edits_started = time.perf_counter()
    for number in range(edits):
        if number % 2:
            edited.pop()  # remove the term the edit before added
        else:
            edited.append(Term(f"new{number}", f"brand new term {number}", Severity.LOW, "b"))
        edit = term_list(edited, flags, version=2 + number)
        swap(CompiledLists([edit], holder["lists"]))
    edits_ended = time.perf_counter()
    time.sleep(FREEING_S)
    full_started = time.perf_counter()
    swap(CompiledLists([term_list(edited, flags, version=2 + edits)]))
    full_ended = time.perf_counter()
    time.sleep(FREEING_S)
    done.set()
    matcher.join()
    quiet = durations(quiet_started, quiet_ended)
    during_edits = durations(edits_started, full_started)
    during_full = durations(full_started, time.perf_counter())
    return {
        "edits": edits,
        "edit_rebuild_s": (edits_ended - edits_started) / edits,
        "max_ms_during_edits": max(during_edits) * 1000,
        "p99_ms_during_edits": percentile(during_edits, 0.99) * 1000,
        "full_rebuild_s": full_ended - full_started,
        "max_ms_during_full_rebuild": max(during_full) * 1000,
        "p99_ms_during_full_rebuild": percentile(during_full, 0.99) * 1000,
        "max_ms_quiet": max(quiet) * 1000,
        "p99_ms_quiet": percentile(quiet, 0.99) * 1000,
        "matches_during_run": len(seconds),
    }


#: Engine modes: no flag; every flag that normalises the text; and sounds-like on top.
MODES = {
    "plain": Flags.none(),
    "text_flags": replace(Flags.all(), sounds_like=False),
    "every_flag": Flags.all(),
}
BASELINES: dict[str, type[Baseline]] = {
    b.name: b for b in (PyAhoCorasick, AhoCorasickRs, Hyperscan, Re)
}
#: A one-hour transcript: about 150 words a minute of about 5 characters and a space.
HOUR_TRANSCRIPT_MB = 60 * 150 * 6 / 1e6


def run_size(
    count: int, text_bytes: int, rng: random.Random, args: argparse.Namespace
) -> dict[str, Any]:
    print(f"\n== {count:,} terms ==", flush=True)
    terms = make_terms(count, rng)
    text = make_text(terms, text_bytes, rng)
    megabytes = len(text.encode("utf-8")) / 1e6
    chunks = [text[i : i + 1000] for i in range(0, min(len(text), 3_000_000), 1000)]
    result: dict[str, Any] = {"terms": count, "text_mb": round(megabytes, 2)}
    repeats = args.repeats
    result["repeats"] = repeats

    for mode, flags in MODES.items():
        gc.collect()
        before = rss_mib()
        engine, result[f"build_{mode}_s"] = timed(CompiledLists, [term_list(terms, flags)])
        result[f"rss_{mode}_mib"] = rss_mib() - before
        found, samples = sampled(repeats, engine_hits, engine, text)
        result[f"hits_{mode}"] = len(found)
        result[f"mb_s_{mode}"] = megabytes / samples.best()
        result[f"mb_per_cpu_s_{mode}"] = megabytes / min(samples.cpu)
        result[f"samples_{mode}"] = samples.as_json()
        result[f"stages_{mode}"] = stages(engine, text)
        if mode == "plain":
            found_plain = found
        full = engine  # every flag, the last: the latency and swap measures use it
        del engine
        print(
            f"{mode}: built in {result[f'build_{mode}_s']:.1f}s, "
            f"{result[f'mb_s_{mode}']:.2f} MB/s, {len(found):,} hits, "
            f"stages {result[f'stages_{mode}']}",
            flush=True,
        )

    separated_text = Separated(text)
    for name in args.baselines.split(","):
        if name == "re" and count > args.re_max_terms:
            continue  # `re` slows down with every term: minutes per MB at 100k
        baseline, result[f"build_{name}_s"] = timed(BASELINES[name], terms)
        found, samples = sampled(repeats, baseline.hits, separated_text)
        engine = found_plain
        if name == "re":  # an alternation reports the longest hit per start only
            engine = longest_per_start(found_plain)
        result[f"identical_to_{name}_pct"] = _identity(engine, found)
        result[f"mb_s_{name}"] = megabytes / samples.best()
        result[f"mb_per_cpu_s_{name}"] = megabytes / min(samples.cpu)
        result[f"samples_{name}"] = samples.as_json()
        print(
            f"{name}: built in {result[f'build_{name}_s']:.1f}s, "
            f"{result[f'mb_s_{name}']:.3f} MB/s, plain hits identical "
            f"{result[f'identical_to_{name}_pct']:.2f}%",
            flush=True,
        )
        del baseline
    fastest = max(
        (name for name in BASELINES if f"mb_s_{name}" in result), key=lambda n: result[f"mb_s_{n}"]
    )
    result["fastest_baseline"] = fastest
    for mode in MODES:
        result[f"{mode}_vs_fastest_baseline"] = result[f"mb_s_{mode}"] / result[f"mb_s_{fastest}"]
        # The same ratio in CPU time: what one core does, less the shared machine's noise.
        result[f"{mode}_vs_fastest_baseline_cpu"] = (
            result[f"mb_per_cpu_s_{mode}"] / result[f"mb_per_cpu_s_{fastest}"]
        )
    if "mb_s_re" in result:
        result["plain_vs_re"] = result["mb_s_plain"] / result["mb_s_re"]
    result["backfill_hours_per_core"] = {
        mode: 1e6 * HOUR_TRANSCRIPT_MB / result[f"mb_s_{mode}"] / 3600 for mode in MODES
    }

    # Three passes over the chunks; the one with the shortest p99 counts, so that a busy
    # moment of a shared machine does not make the tail.
    passes = [latencies(full, chunks) for _ in range(3)]
    waits = min(passes, key=lambda seconds: percentile(seconds, 0.99))
    result["p50_ms_1kb"] = percentile(waits, 0.50) * 1000
    result["p99_ms_1kb"] = percentile(waits, 0.99) * 1000
    result["p99_ms_1kb_passes"] = [percentile(seconds, 0.99) * 1000 for seconds in passes]
    result["swap"] = swap_pause(terms, Flags.all(), full, chunks, edits=10)
    print(
        f"p50 {result['p50_ms_1kb']:.3f} ms, p99 {result['p99_ms_1kb']:.3f} ms per 1 KB; "
        f"swap {result['swap']}",
        flush=True,
    )
    return result


def _identity(engine: set[Any], baseline: set[Any]) -> float:
    union = engine | baseline
    return 100.0 if not union else 100.0 * len(engine & baseline) / len(union)


def table(results: list[dict[str, Any]]) -> str:
    def number(value: Any, digits: int = 1) -> str:
        return "n/a" if value is None else f"{value:,.{digits}f}"

    def identical(r: dict[str, Any]) -> str:
        return " / ".join(
            f"{number(r[f'identical_to_{n}_pct'], 2)}%" if f"identical_to_{n}_pct" in r else "-"
            for n in BASELINES
        )

    def stage(mode: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: " / ".join(number(v, 2) for v in r[f"stages_{mode}"].values())

    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("plain hits identical to " + " / ".join(BASELINES), identical),
        *[
            (f"{n}, MB/s", lambda r, n=n: number(r.get(f"mb_s_{n}"), 3 if n == "re" else 1))
            for n in BASELINES
        ],
        ("engine, plain, MB/s", lambda r: number(r["mb_s_plain"])),
        ("engine, every normalisation flag, MB/s", lambda r: number(r["mb_s_text_flags"])),
        ("engine, every flag and sounds-like, MB/s", lambda r: number(r["mb_s_every_flag"])),
        (
            "every normalisation flag ÷ fastest baseline, throughput: wall / CPU",
            lambda r: (
                f"{number(r['text_flags_vs_fastest_baseline'], 2)}x / "
                f"{number(r['text_flags_vs_fastest_baseline_cpu'], 2)}x ({r['fastest_baseline']})"
            ),
        ),
        (
            "plain engine ÷ `re` (throughput)",
            lambda r: f"{number(r['plain_vs_re'], 0)}x" if "plain_vs_re" in r else "not run",
        ),
        ("CPU s plain: view / scan / rest", stage("plain")),
        ("CPU s every normalisation flag: view / scan / rest", stage("text_flags")),
        ("CPU s every flag and sounds-like: view / scan / rest", stage("every_flag")),
        (
            "backfill of 1M one-hour transcripts, core-hours: normalisation / + sounds-like",
            lambda r: " / ".join(
                number(r["backfill_hours_per_core"][m], 0) for m in ("text_flags", "every_flag")
            ),
        ),
        (
            "p50 / p99 per 1 KB chunk (every flag), ms",
            lambda r: f"{number(r['p50_ms_1kb'], 3)} / {number(r['p99_ms_1kb'], 3)}",
        ),
        (
            "build, plain / every flag, s",
            lambda r: f"{number(r['build_plain_s'])} / {number(r['build_every_flag_s'])}",
        ),
        (
            "resident memory added, plain / every flag, MiB",
            lambda r: f"{number(r['rss_plain_mib'], 0)} / {number(r['rss_every_flag_mib'], 0)}",
        ),
        (
            "1 KB match in 1 s with no rebuild: p99 / longest, ms",
            lambda r: f"{number(r['swap']['p99_ms_quiet'])} / {number(r['swap']['max_ms_quiet'])}",
        ),
        (
            "one-term edit: rebuild s; 1 KB match meanwhile: p99 / longest, ms",
            lambda r: (
                f"{number(r['swap']['edit_rebuild_s'], 2)}; "
                f"{number(r['swap']['p99_ms_during_edits'])} / "
                f"{number(r['swap']['max_ms_during_edits'])}"
            ),
        ),
        (
            "rebuild from nothing: s; 1 KB match meanwhile: p99 / longest, ms",
            lambda r: (
                f"{number(r['swap']['full_rebuild_s'], 1)}; "
                f"{number(r['swap']['p99_ms_during_full_rebuild'])} / "
                f"{number(r['swap']['max_ms_during_full_rebuild'])}"
            ),
        ),
    ]
    lines = ["| measure | " + " | ".join(f"{r['terms']:,} terms" for r in results) + " |"]
    lines.append("|---|" + "---|" * len(results))
    for name, render in rows:
        lines.append(f"| {name} | " + " | ".join(render(r) for r in results) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--text-mb", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--baselines", default=",".join(BASELINES))
    parser.add_argument("--re-max-terms", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as the service sets it
    warm_up()  # as the service does at start: no compiling inside a timed build
    # Seeded for a reproducible corpus, not for secrecy.
    rng = random.Random(args.seed)  # noqa: S311
    results = [
        run_size(int(size), int(args.text_mb * 1_000_000), rng, args)
        for size in args.sizes.split(",")
    ]
    print()
    print(table(results))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "benchmark": "termmatch",
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "machine": platform.machine(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
