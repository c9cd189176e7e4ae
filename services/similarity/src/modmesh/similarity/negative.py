"""Negative banks: known-good content whose near-copies are never flagged.

A query's frames (PDQ runs) that match an item of a negative bank, under that bank's
thresholds, are known-good. A positive bank's match is judged again on its other frames
only: if what is left still passes the bank's `min_match_percent` it stands, narrowed
to those frames; if not, it is withheld and the answer says which known-good item
covered it. So a known intro or a stock clip cannot flag an upload on its own, while a
known scam spliced after it still matches on the scam's frames.

Audio matches have one aligned time range each: a positive audio match is withheld when
negative matches cover at least half of its query range (the same recording).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from modmesh.similarity.domain import Bank, ItemSummary, Match, Suppressed
from modmesh.similarity.hashing import HashRun
from modmesh.similarity.matching import Hits, matches, merge_ranges, spans_of


@dataclass(frozen=True)
class KnownGood:
    """The negative banks' matches of one query, and which of its runs each covers."""

    #: Query run -> the negative match that covers it (the first found).
    cover: Mapping[int, Match]

    @classmethod
    def of(cls, found: Sequence[tuple[Match, Hits]]) -> KnownGood:
        cover: dict[int, Match] = {}
        for match, hits in sorted(found, key=lambda pair: pair[0].distance):
            for run in hits.query_runs:
                cover.setdefault(run, match)
        return cls(cover)


def judge(
    query: Sequence[HashRun],
    hits: Mapping[int, Hits],
    items: Mapping[int, ItemSummary],
    bank: Bank,
    snapshot: str,
    known_good: KnownGood,
) -> tuple[list[Match], list[Suppressed]]:
    """A positive bank's matches on the query's frames that are not known-good, and
    those of its matches withheld because they rest on known-good frames."""
    full = matches(query, hits, items, bank, snapshot)
    if not known_good.cover:
        return list(full.values()), []
    rest = {
        owner: left
        for owner, item_hits in hits.items()
        if (left := item_hits.without(known_good.cover)) is not None
    }
    kept = matches(query, rest, items, bank, snapshot)
    withheld = [
        _withheld(full[owner], hits[owner], known_good, query)
        for owner in full
        if owner not in kept
    ]
    return list(kept.values()), withheld


def _withheld(
    match: Match, hits: Hits, known_good: KnownGood, query: Sequence[HashRun]
) -> Suppressed:
    covered = [run for run in hits.query_runs if run in known_good.cover]
    # Named after the known-good item that covers most of the match's frames.
    good, _ = Counter(id(known_good.cover[run]) for run in covered).most_common(1)[0]
    known = next(known_good.cover[run] for run in covered if id(known_good.cover[run]) == good)
    spans = spans_of(query)
    ranges = ", ".join(
        f"{r.start_seconds:g}-{r.end_seconds:g} s" for r in merge_ranges(spans[i] for i in covered)
    )
    reason = (
        f"withheld: the query frames it matched at {ranges} are known-good, matching item "
        f"{known.item_id!r} of negative bank {known.bank!r} (distance {known.distance}); "
        f"its other frames do not reach the threshold of bank {match.bank!r}"
    )
    return Suppressed(match, known, reason)


def judge_audio(
    positives: Sequence[Match], negatives: Sequence[Match]
) -> tuple[list[Match], list[Suppressed]]:
    """The positive audio matches that stand, and those withheld by a negative match."""
    kept: list[Match] = []
    withheld: list[Suppressed] = []
    for match in positives:
        [span] = match.query_ranges
        seconds = span.end_seconds - span.start_seconds
        for known in sorted(negatives, key=lambda m: m.distance):
            [good] = known.query_ranges
            overlap = min(span.end_seconds, good.end_seconds) - max(
                span.start_seconds, good.start_seconds
            )
            if seconds > 0 and overlap >= seconds / 2:
                reason = (
                    f"withheld: the query audio it matched at {span.start_seconds:g}-"
                    f"{span.end_seconds:g} s is known-good, matching item {known.item_id!r} "
                    f"of negative bank {known.bank!r}"
                )
                withheld.append(Suppressed(match, known, reason))
                break
        else:
            kept.append(match)
    return kept, withheld
