"""The model scores a live stream keeps: of each model, example set and category, the
highest heard so far, so that its case shows (and its rules read) the words that scored
most. Scoring sees the stream's latest committed words (moderation.WINDOW_WORDS), so a
score's word indexes count within those words; its seconds are the stream's."""

from __future__ import annotations

from collections.abc import Sequence

from modmesh.decision.domain import ModelScore


def strongest(
    kept: Sequence[ModelScore], heard: Sequence[ModelScore]
) -> tuple[tuple[ModelScore, ...], bool]:
    """The highest of each model, set and category among the scores kept and those heard
    now, highest first; and whether one heard now reached its threshold for the first
    time in the stream (then the rules decide again: a higher flagged score does not)."""
    best = {_key(score): score for score in kept}
    newly_flagged = False
    for score in heard:
        before = best.get(_key(score))
        if before is None or score.score > before.score:
            best[_key(score)] = score
            newly_flagged |= score.flagged and not (before is not None and before.flagged)
    return tuple(sorted(best.values(), key=lambda s: s.score, reverse=True)), newly_flagged


def _key(score: ModelScore) -> tuple[str, str, str]:
    return score.model, score.set_id, score.category
