"""Statements of reasons written into a case: the rule, its verdict and every piece of
evidence, in words a person can check against the media."""

from __future__ import annotations

from collections.abc import Sequence

from modmesh.contracts.evidence import TimeRange
from modmesh.decision.domain import Evidence, ModelScore, RuleRef, SimilarityMatch, TermHit
from modmesh.decision.policy.conditions import Facts

#: Time ranges shown per similar item before the rest are only counted.
_MAX_RANGES_SHOWN = 5


def explain(rule: RuleRef, verdict: str, evidence: Evidence) -> str:
    lines = [f"Rule {rule.rule_id} version {rule.version}: {verdict}.", "Evidence:"]
    lines += [f"- {_describe_hit(hit)}" for hit in evidence.term_hits]
    lines += [f"- {_describe_match(match)}" for match in evidence.similarity_matches]
    lines += _score_lines(evidence)
    if evidence.transcript is not None and evidence.transcript.untranscribed:
        lines += ["Not transcribed:", *_untranscribed_lines(evidence)]
    return "\n".join(lines + _language_note(evidence))


def explain_no_rule(version: int, facts: Facts) -> str:
    evidence = facts.evidence
    if facts.has_evidence:
        lines = [
            f"Rule set version {version}: no rule applies to this evidence, so nothing is "
            "queued for review and nothing was actioned.",
            "Evidence:",
            *(f"- {_describe_hit(hit)}" for hit in evidence.term_hits),
            *(f"- {_describe_match(match)}" for match in evidence.similarity_matches),
            *_score_lines(evidence),
        ]
    else:
        lines = [
            f"Rule set version {version}: no evidence found. No listed term was heard and "
            "no known item is similar. Nothing is queued for review and nothing was actioned."
        ]
    return "\n".join(lines + _language_note(evidence))


def explain_untranscribed(version: int, facts: Facts) -> str:
    """Why a case no rule decided is queued all the same: speech nobody has read."""
    lines = [
        f"Rule set version {version}: no rule applies, but speech was heard in a language "
        "the recogniser does not transcribe, so no list could be matched against it. "
        "Queued with priority low for a reviewer who speaks it; nothing was actioned.",
        "Not transcribed:",
    ]
    return "\n".join(lines + _untranscribed_lines(facts.evidence) + _language_note(facts.evidence))


def _untranscribed_lines(evidence: Evidence) -> list[str]:
    speech = () if evidence.transcript is None else evidence.transcript.untranscribed
    return [
        f"- Speech in {s.language} ({s.language_probability:.2f}) at {_seconds(s.time_range)}."
        for s in speech
    ]


def _language_note(evidence: Evidence) -> list[str]:
    transcript = evidence.transcript
    if transcript is None or not transcript.language:
        return []
    return [
        f"Transcript language: {transcript.language} "
        f"({transcript.language_probability:.2f}), for reviewer routing only; "
        "language is never evidence."
    ]


def _score_lines(evidence: Evidence) -> list[str]:
    lines = [f"- {_describe_score(score)}" for score in evidence.model_scores]
    if evidence.scores_missing:
        lines.append(f"- No model scores: {evidence.scores_missing}.")
    return lines


def _describe_score(score: ModelScore) -> str:
    if not score.category:  # stored before the scoring service: a model and a score
        return f"Model {score.model} scored {score.score:.2f}."
    where = ""
    if score.window is not None:
        w = score.window
        where = (
            f" on words {w.word_start + 1}–{w.word_end} "
            f"({w.start_seconds:.1f}–{w.end_seconds:.1f} s)"
        )
    nearest = [
        f'{name}: "{n.text}" {n.similarity:.2f}'
        for name, near in (
            ("nearest", score.nearest_positives),
            ("nearest counter-example", score.nearest_negatives),
        )
        for n in near[:1]
    ]
    return (
        f"Model {score.model} {score.model_version} scored {score.score:.2f} "
        f"{'≥' if score.flagged else '<'} {score.threshold:.2f} for {score.category} "
        f"(example set {score.set_id} v{score.set_version}){where}"
        + "".join(f", {part}" for part in nearest)
        + "."
    )


def _describe_hit(hit: TermHit) -> str:
    if hit.time_range is not None:
        where = f"at {_seconds(hit.time_range)}"
    else:
        where = f"at characters {hit.span_start}–{hit.span_end} of the transcript"
    heard = "" if hit.matched_text == hit.term else f', heard as "{hit.matched_text}"'
    if hit.sound_confidence is not None:
        heard = (
            f', by sound only: heard "{hit.matched_text}", which sounds like it '
            f"(confidence {hit.sound_confidence:.2f})"
        )
    return (
        f'Term "{hit.term}" from list {hit.list_id} v{hit.list_version}, '
        f"severity {hit.severity.name.lower()}, category {hit.category or 'none'}, "
        f"{where}{heard}."
    )


#: How a statement names the signal that matched (SimilarityMatch.signal).
_SIGNALS = {"pdq": "by its video frames or image (PDQ)", "audio": "by its audio fingerprint"}


def _describe_match(match: SimilarityMatch) -> str:
    label = f' ("{match.label}")' if match.label else ""
    signal = f" {_SIGNALS.get(match.signal, f'by {match.signal}')}" if match.signal else ""
    return (
        f"Similar to item {match.item_id}{label} in bank {match.bank}{signal}, "
        f"distance {match.distance} of 256 bits, "
        f"{match.query_match_percent:.0f}% of this media matched "
        f"and {match.item_match_percent:.0f}% of the item; "
        f"this media at {_ranges(match.query_ranges)}, the item at {_ranges(match.item_ranges)}."
    )


def _seconds(time_range: TimeRange) -> str:
    return f"{time_range.start_seconds:.2f}–{time_range.end_seconds:.2f} s"


def _ranges(ranges: Sequence[TimeRange]) -> str:
    if not ranges:
        return "no recorded time"
    shown = ", ".join(_seconds(r) for r in ranges[:_MAX_RANGES_SHOWN])
    hidden = len(ranges) - _MAX_RANGES_SHOWN
    return f"{shown} and {hidden} more" if hidden > 0 else shown
