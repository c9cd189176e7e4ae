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
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np

from modmesh.contracts.evidence import Severity
from modmesh.termmatch.automaton import warm_up
from modmesh.termmatch.domain import Flags, ListSettings, Term, TermList
from modmesh.termmatch.matcher import SWITCH_INTERVAL_S, CompiledLists, Reaper
from modmesh.termmatch.normalize import is_unspaced

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


def whole_word(text: str, start: int, end: int) -> bool:
    """The engine's word boundary on a text whose phrases use single spaces."""

    def boundary(outside: int, inside: int) -> bool:
        if outside < 0 or outside >= len(text):
            return True
        return (
            not text[outside].isalnum() or is_unspaced(text[outside]) or is_unspaced(text[inside])
        )

    return boundary(start - 1, start) and boundary(end, end - 1)


_UNSPACED = "\u0e00-\u0eff\u3040-\u30ff\u3400-\u9fff"  # the scripts the text uses
_SPACED_WORD = f"[^\\W_{_UNSPACED}]"
# A run of separators, and one between two characters of a script written without spaces.
_SEPARATORS = re.compile(r"[\W_]+")
_UNSPACED_GAP = re.compile(f"(?<=[{_UNSPACED}])[\\W_]+(?=[{_UNSPACED}])")


def separated(text: str) -> str:
    """The text as plain mode reads its separators (see Separated)."""
    return _SEPARATORS.sub(" ", _UNSPACED_GAP.sub("", text))


class Separated:
    """The text as plain mode reads its separators, with a map back to the original.

    The baselines scan this, not the raw text: a phrase matches across any run of
    whitespace or punctuation ("dexda, loka" is the term "dexda loka"), and separators
    between two characters of an unspaced script do not count ("\u4ea5 \u4e40" is
    "\u4ea5\u4e40", as "\u514d \u8d39" is "\u514d\u8d39"). A bare scan of the raw text misses
    those hits; they were the engine's only differences from it (3 of 18,826 hits at 100k
    terms, 7 of 16,320 at 1M, all of the engine's and all right by those rules).
    """

    def __init__(self, text: str) -> None:
        kept = np.ones(len(text), dtype=bool)  # of the original characters
        gaps = {m.start() for m in _UNSPACED_GAP.finditer(text)}

        def one_space(run: re.Match[str]) -> str:
            dropped = run.start() if run.start() in gaps else run.start() + 1
            kept[dropped : run.end()] = False
            return "" if run.start() in gaps else " "

        self.text = _SEPARATORS.sub(one_space, text)
        self.origin = np.flatnonzero(kept)  # original position of each character of .text

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of self.text[start:end] (non-empty, no edge separators)."""
        return int(self.origin[start]), int(self.origin[end - 1]) + 1


def bare_hits(bare: Bare, terms: list[Term], text: Separated) -> set[tuple[int, int, str]]:
    found = set()
    for last, index in bare.automaton.iter(text.text):
        start = last - bare.lengths[index] + 1
        if whole_word(text.text, start, last + 1):
            found.add((*text.span(start, last + 1), terms[index].term_id))
    return found


@dataclass(frozen=True)
class Bare:
    """An automaton of the terms as the baselines read them (see Separated); it reports
    the term's index, whose key has `lengths[index]` characters."""

    automaton: Any
    lengths: list[int]


def build_bare(terms: list[Term]) -> Bare:
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    lengths = []
    for index, term in enumerate(terms):
        key = separated(term.text)
        automaton.add_word(key, index)
        lengths.append(len(key))
    automaton.make_automaton()
    return Bare(automaton, lengths)


def re_pattern(terms: list[Term]) -> re.Pattern[str]:
    """All terms as one alternation, longest first, with the engine's boundaries: none
    next to a character of an unspaced script, else no word character outside."""
    alternation = "|".join(
        re.escape(key) for key in sorted({separated(t.text) for t in terms}, key=len, reverse=True)
    )
    start = f"(?:(?=[{_UNSPACED}])|(?<!{_SPACED_WORD}))"
    end = f"(?:(?<=[{_UNSPACED}])|(?!{_SPACED_WORD}))"
    return re.compile(f"(?=({start}(?:{alternation}){end}))")


def longest_per_start(hits: set[tuple[int, int, str]]) -> set[tuple[int, int]]:
    longest: dict[int, int] = {}
    for start, end, _ in hits:
        longest[start] = max(end, longest.get(start, 0))
    return set(longest.items())


def engine_hits(lists: CompiledLists, text: str) -> set[tuple[int, int, str]]:
    return {(o.start, o.end, o.term.term_id) for o in lists.find(text, ["bench"], NOW)}


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def best_of(runs: int, function: Any, *args: Any) -> float:
    """The shortest of `runs` timings of function(*args), in seconds."""
    return min(timed(function, *args)[1] for _ in range(runs))


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


def run_size(count: int, text_bytes: int, rng: random.Random) -> dict[str, Any]:
    print(f"\n== {count:,} terms ==", flush=True)
    terms = make_terms(count, rng)
    text = make_text(terms, text_bytes, rng)
    megabytes = len(text.encode("utf-8")) / 1e6
    chunks = [text[i : i + 1000] for i in range(0, min(len(text), 3_000_000), 1000)]
    result: dict[str, Any] = {"terms": count, "text_mb": round(megabytes, 2)}

    gc.collect()
    before = rss_mib()
    plain, result["build_plain_s"] = timed(CompiledLists, [term_list(terms, Flags.none())])
    result["rss_plain_mib"] = rss_mib() - before
    print(f"built plain in {result['build_plain_s']:.1f}s", flush=True)
    before = rss_mib()
    full, result["build_all_flags_s"] = timed(CompiledLists, [term_list(terms, Flags.all())])
    result["rss_all_flags_mib"] = rss_mib() - before
    print(f"built with every flag in {result['build_all_flags_s']:.1f}s", flush=True)
    bare, result["build_bare_s"] = timed(build_bare, terms)

    found_bare, bare_s = timed(bare_hits, bare, terms, Separated(text))
    raw_scan_s = timed(lambda: sum(1 for _ in bare.automaton.iter(text)))[1]
    found_plain, plain_s = timed(engine_hits, plain, text)
    _, full_s = timed(engine_hits, full, text)
    result["hits_plain"] = len(found_plain)
    result["identical_to_bare_pct"] = _identity(found_plain, found_bare)
    result["mb_s_bare_scan"] = megabytes / raw_scan_s
    result["mb_s_bare_scan_with_boundaries"] = megabytes / bare_s
    result["mb_s_plain"] = megabytes / plain_s
    result["mb_s_all_flags"] = megabytes / full_s
    result["all_flags_vs_bare_scan"] = full_s / raw_scan_s
    print(
        f"bare scan {result['mb_s_bare_scan']:.1f} MB/s, plain {result['mb_s_plain']:.1f}, "
        f"all flags {result['mb_s_all_flags']:.1f}",
        flush=True,
    )

    if count <= 100_000:
        pattern, result["build_re_s"] = timed(re_pattern, terms)
        # `re` slows down with every term: it gets a slice sized to take it a fraction of
        # a second, and the engine is timed on the same slice. Best of several runs of
        # each, so that a busy moment of the machine does not decide the ratio.
        piece = text[: max(2_000, min(len(text), 2_000_000_000 // (count * 100)))]
        separated = Separated(piece)
        found_re = {separated.span(m.start(1), m.end(1)) for m in pattern.finditer(separated.text)}
        re_s = best_of(5, lambda: sum(1 for _ in pattern.finditer(separated.text)))
        plain_slice_s = best_of(50, plain.find, piece, ["bench"], NOW)
        slice_plain = {h for h in found_plain if h[1] <= len(piece)}
        result["re_slice_chars"] = len(piece)
        result["identical_to_re_pct"] = _identity(longest_per_start(slice_plain), found_re)
        result["mb_s_re"] = len(piece.encode("utf-8")) / 1e6 / re_s
        result["plain_vs_re"] = re_s / plain_slice_s
        print(f"re {result['mb_s_re']:.4f} MB/s on {len(piece):,} chars", flush=True)
        del pattern

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

    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        (
            "plain hits identical to bare scan / to `re`",
            lambda r: (
                f"{number(r['identical_to_bare_pct'], 2)}% / "
                + (
                    f"{number(r.get('identical_to_re_pct'), 2)}%"
                    if "identical_to_re_pct" in r
                    else "not run"
                )
            ),
        ),
        (
            "`re` alternation, MB/s",
            lambda r: number(r.get("mb_s_re"), 4) if "mb_s_re" in r else "not feasible",
        ),
        ("bare pyahocorasick scan, MB/s", lambda r: number(r["mb_s_bare_scan"])),
        ("engine, plain, MB/s", lambda r: number(r["mb_s_plain"])),
        ("engine, every flag on, MB/s", lambda r: number(r["mb_s_all_flags"])),
        (
            "plain engine ÷ `re`",
            lambda r: f"{number(r.get('plain_vs_re'), 0)}x" if "plain_vs_re" in r else "n/a",
        ),
        ("every flag on ÷ bare scan (time)", lambda r: f"{number(r['all_flags_vs_bare_scan'])}x"),
        (
            "p50 / p99 per 1 KB chunk, ms",
            lambda r: f"{number(r['p50_ms_1kb'], 3)} / {number(r['p99_ms_1kb'], 3)}",
        ),
        (
            "build, plain / every flag, s",
            lambda r: f"{number(r['build_plain_s'])} / {number(r['build_all_flags_s'])}",
        ),
        (
            "resident memory added, plain / every flag, MiB",
            lambda r: f"{number(r['rss_plain_mib'], 0)} / {number(r['rss_all_flags_mib'], 0)}",
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
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # as the service sets it
    warm_up()  # as the service does at start: no compiling inside a timed build
    # Seeded for a reproducible corpus, not for secrecy.
    rng = random.Random(args.seed)  # noqa: S311
    results = [
        run_size(int(size), int(args.text_mb * 1_000_000), rng) for size in args.sizes.split(",")
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
