"""From per-hash neighbours to matched items, vPDQ style.

Each query run's neighbours (from one bank's index) are grouped by the known item they
belong to. An item matches when the matched runs cover at least the bank's
`min_match_percent` of the query's duration *or* of the item's duration: a trimmed
excerpt of a known clip matches by the first, a known clip embedded in a longer upload
by the second, while one coincident frame in a long video matches by neither.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from modmesh.contracts.evidence import TimeRange
from modmesh.similarity.audio import FRAME_SECONDS as AUDIO_FRAME_SECONDS
from modmesh.similarity.audio import WINDOW_SECONDS as AUDIO_WINDOW_SECONDS
from modmesh.similarity.audio import AudioHit, Fingerprint
from modmesh.similarity.domain import Bank, ItemSummary, Match
from modmesh.similarity.hashing import HashRun
from modmesh.similarity.index import POSITION_BITS, Neighbours

_POSITION_MASK = (1 << POSITION_BITS) - 1


@dataclass
class Hits:
    """Where one known item met the query: (query run, item run, distance) per pair."""

    pairs: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def distance(self) -> int:
        return min(distance for _, _, distance in self.pairs)

    @property
    def query_runs(self) -> set[int]:
        return {query_run for query_run, _, _ in self.pairs}

    @property
    def item_runs(self) -> set[int]:
        return {item_run for _, item_run, _ in self.pairs}

    def without(self, query_runs: Collection[int]) -> Hits | None:
        """These hits less those of the given query runs; None when none are left."""
        pairs = [pair for pair in self.pairs if pair[0] not in query_runs]
        return Hits(pairs) if pairs else None


def group_hits(neighbours: Sequence[Neighbours]) -> dict[int, Hits]:
    """Which query runs and which item runs met, per item (index owner)."""
    hits: dict[int, Hits] = {}
    for query_position, found in enumerate(neighbours):
        for key, distance in zip(found.keys.tolist(), found.distances.tolist(), strict=True):
            owner, item_position = key >> POSITION_BITS, key & _POSITION_MASK
            hits.setdefault(owner, Hits()).pairs.append((query_position, item_position, distance))
    return hits


def matches(
    query: Sequence[HashRun],
    hits: Mapping[int, Hits],
    items: Mapping[int, ItemSummary],
    bank: Bank,
    snapshot: str,
) -> dict[int, Match]:
    """Per item (index owner), the match of each item whose hits pass the bank's
    threshold (items removed meanwhile are absent from `items` and skipped)."""
    query_spans = spans_of(query)
    found = {}
    for owner, item_hits in hits.items():
        item = items.get(owner)
        if item is None:
            continue
        query_runs, item_runs = item_hits.query_runs, item_hits.item_runs
        query_percent = share(query_spans, query_runs)
        item_percent = share(item.spans, item_runs)
        if max(query_percent, item_percent) < bank.min_match_percent:
            continue
        found[owner] = Match(
            item_id=item.item_id,
            bank=item.bank,
            distance=item_hits.distance,
            query_match_percent=query_percent,
            item_match_percent=item_percent,
            query_ranges=merge_ranges(query_spans[i] for i in query_runs),
            item_ranges=merge_ranges(item.spans[i] for i in item_runs if i < len(item.spans)),
            label=item.label,
            index_snapshot=snapshot,
            source=item.source,
            stale=item.stale,
        )
    return found


def spans_of(runs: Sequence[HashRun]) -> list[tuple[float, float]]:
    return [(run.start_seconds, run.end_seconds) for run in runs]


def share(spans: Sequence[tuple[float, float]], chosen: Iterable[int]) -> float:
    """Percent of the spans' total duration covered by the chosen ones (by count when
    the spans have no duration). Equal spans count once: an item's crop variants of a
    frame span the same time as the frame."""
    every = set(spans)
    matched = {spans[i] for i in chosen if i < len(spans)}
    total = sum(end - start for start, end in every)
    if total <= 0:
        return 100.0 * len(matched) / len(every) if every else 0.0
    return min(100.0, 100.0 * sum(end - start for start, end in matched) / total)


def merge_ranges(spans: Iterable[tuple[float, float]]) -> tuple[TimeRange, ...]:
    """The time covered by the spans, touching or overlapping ones merged."""
    merged: list[TimeRange] = []
    for start, end in sorted(spans):
        # A small tolerance: consecutive samples at 1/fps touch up to float rounding.
        if merged and start <= merged[-1].end_seconds + 1e-6:
            last = merged[-1]
            merged[-1] = TimeRange(last.start_seconds, max(last.end_seconds, end))
        else:
            merged.append(TimeRange(start, end))
    return tuple(merged)


def audio_matches(
    query: Fingerprint,
    hits: Sequence[AudioHit],
    items: Mapping[int, ItemSummary],
    prints: Mapping[int, Fingerprint],
    bank: Bank,
    snapshot: str,
) -> list[Match]:
    """Audio hits as matches, under the bank's share threshold; the distance is the bit
    error rate scaled to 256 bits, comparable with PDQ's."""
    found = []
    for hit in hits:
        item, item_print = items.get(hit.owner), prints.get(hit.owner)
        if item is None or item_print is None:
            continue
        query_percent = min(100.0, 100.0 * hit.length / len(query))
        item_percent = min(100.0, 100.0 * hit.length / len(item_print))
        if max(query_percent, item_percent) < bank.min_match_percent:
            continue
        query_start = hit.query_start * AUDIO_FRAME_SECONDS
        item_start = (hit.query_start + hit.offset) * AUDIO_FRAME_SECONDS
        seconds = (hit.length - 1) * AUDIO_FRAME_SECONDS + AUDIO_WINDOW_SECONDS
        found.append(
            Match(
                item_id=item.item_id,
                bank=item.bank,
                distance=round(hit.bit_error_rate * 256),
                query_match_percent=query_percent,
                item_match_percent=item_percent,
                query_ranges=(TimeRange(query_start, query_start + seconds),),
                item_ranges=(TimeRange(item_start, item_start + seconds),),
                label=item.label,
                index_snapshot=snapshot,
                signal="audio",
                source=item.source,
            )
        )
    return found
