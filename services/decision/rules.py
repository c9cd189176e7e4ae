"""Rules turn evidence into a case outcome and a statement of reasons a person can check.

A rule only ever queues a case for human review: nothing is actioned automatically.
The statement names the rule and its version and every piece of evidence, so the
reviewer (and later the affected user) can see exactly why the case exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from modmesh.common.evidence import Severity, TimeRange
from modmesh.decision.domain import (
    CaseStatus,
    Evidence,
    Outcome,
    Priority,
    RuleRef,
    SimilarityMatch,
    TermHit,
)

DEFAULT_RULE = RuleRef("default-any-evidence", 1)

#: A near-duplicate of a known item is as serious as a high-severity term.
SIMILARITY_SEVERITY = Severity.HIGH

_PRIORITY_FOR = {
    # A hit whose list gave no severity is still evidence, so it is queued, but last.
    Severity.UNSPECIFIED: Priority.LOW,
    Severity.LOW: Priority.LOW,
    Severity.MEDIUM: Priority.MEDIUM,
    Severity.HIGH: Priority.HIGH,
    Severity.CRITICAL: Priority.URGENT,
}

#: Time ranges shown per similar item before the rest are only counted.
_MAX_RANGES_SHOWN = 5


def apply_default_rule(evidence: Evidence) -> Outcome:
    """Any term hit or similarity match opens a case, as urgent as its worst evidence."""
    severities = [hit.severity for hit in evidence.term_hits]
    if evidence.similarity_matches:
        severities.append(SIMILARITY_SEVERITY)
    if not severities:
        return Outcome(CaseStatus.NO_EVIDENCE, None, DEFAULT_RULE, statement_of_reasons(evidence))
    priority = _PRIORITY_FOR[max(severities)]
    return Outcome(
        CaseStatus.OPEN, priority, DEFAULT_RULE, statement_of_reasons(evidence, priority)
    )


def statement_of_reasons(evidence: Evidence, priority: Priority | None = None) -> str:
    rule = f"Rule {DEFAULT_RULE.rule_id} version {DEFAULT_RULE.version}"
    if priority is None:
        lines = [
            f"{rule}: no evidence found. No listed term was heard and no known item is "
            "similar. Nothing is queued for review and nothing was actioned."
        ]
    else:
        lines = [
            f"{rule}: queued for human review with priority {priority.name.lower()}. "
            "Nothing was actioned automatically; a reviewer decides.",
            "Evidence:",
        ]
        lines += [f"- {_describe_hit(hit)}" for hit in evidence.term_hits]
        lines += [f"- {_describe_match(match)}" for match in evidence.similarity_matches]
    transcript = evidence.transcript
    if transcript is not None and transcript.language:
        lines.append(
            f"Transcript language: {transcript.language} "
            f"({transcript.language_probability:.2f}), for reviewer routing only; "
            "language is never evidence."
        )
    return "\n".join(lines)


def _describe_hit(hit: TermHit) -> str:
    if hit.time_range is not None:
        where = f"at {_seconds(hit.time_range)}"
    else:
        where = f"at characters {hit.span_start}–{hit.span_end} of the transcript"
    heard = "" if hit.matched_text == hit.term else f', heard as "{hit.matched_text}"'
    return (
        f'Term "{hit.term}" from list {hit.list_id} v{hit.list_version}, '
        f"severity {hit.severity.name.lower()}, category {hit.category or 'none'}, "
        f"{where}{heard}."
    )


def _describe_match(match: SimilarityMatch) -> str:
    label = f' ("{match.label}")' if match.label else ""
    return (
        f"Similar to item {match.item_id}{label} in bank {match.bank}, "
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
