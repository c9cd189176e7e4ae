"""What rules see about a case (`Facts`) and the conditions a rule may put on it."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.contracts.evidence import Severity
from modmesh.decision.domain import Evidence, SimilarityMatch, TermHit


@dataclass(frozen=True)
class Facts:
    """What rules see about one case: its evidence, its account's operator flags and
    whether the account is protected (never auto-actioned)."""

    evidence: Evidence
    account_flags: frozenset[str] = frozenset()
    protected: bool = False

    @property
    def has_evidence(self) -> bool:
        """Something points at the content: a hit, a known item or a score at its
        category's threshold (a lower score is no evidence)."""
        e = self.evidence
        return bool(e.term_hits or e.similarity_matches or any(s.flagged for s in e.model_scores))


@dataclass(frozen=True)
class TermHitsCondition:
    """At least `min_count` term hits from these lists/categories, at least this severe;
    hits by sound (the words heard only sound like the term) count only with
    `sounds_like`."""

    lists: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    min_severity: Severity = Severity.UNSPECIFIED
    min_count: int = 1
    sounds_like: bool = False

    def holds(self, facts: Facts) -> bool:
        return len(self.hits(facts.evidence)) >= self.min_count

    def hits(self, evidence: Evidence) -> list[TermHit]:
        return [
            hit
            for hit in evidence.term_hits
            if (self.lists is None or hit.list_id in self.lists)
            and (self.categories is None or hit.category in self.categories)
            and hit.severity >= self.min_severity
            and (self.sounds_like or hit.sound_confidence is None)
        ]


@dataclass(frozen=True)
class SimilarityCondition:
    """A match in one of these banks covering at least this share of the media."""

    banks: frozenset[str] | None = None
    min_match_percent: float = 0.0
    max_distance: int | None = None

    def holds(self, facts: Facts) -> bool:
        return bool(self.matches(facts.evidence))

    def matches(self, evidence: Evidence) -> list[SimilarityMatch]:
        return [
            match
            for match in evidence.similarity_matches
            if (self.banks is None or match.bank in self.banks)
            and match.query_match_percent >= self.min_match_percent
            and (self.max_distance is None or match.distance <= self.max_distance)
        ]


@dataclass(frozen=True)
class AccountFlagsCondition:
    """The account carries at least one of these operator flags."""

    any_of: frozenset[str]

    def holds(self, facts: Facts) -> bool:
        return bool(self.any_of & facts.account_flags)


@dataclass(frozen=True)
class ModelScoreCondition:
    """The model scored a category (any, when None) at least `min_score`, or at least
    the example set's own threshold for it when None. Absent scores never hold."""

    model: str
    min_score: float | None = None
    category: str | None = None

    def holds(self, facts: Facts) -> bool:
        return any(
            s.model == self.model
            and self.category in (None, s.category)
            and (s.flagged if self.min_score is None else s.score >= self.min_score)
            for s in facts.evidence.model_scores
        )


@dataclass(frozen=True)
class LanguageCondition:
    """The transcript's detected language is one of these. Only ever a refinement next to
    evidence: a rule that language alone would trigger is refused."""

    languages: frozenset[str]

    def holds(self, facts: Facts) -> bool:
        transcript = facts.evidence.transcript
        return transcript is not None and transcript.language in self.languages


Condition = (
    TermHitsCondition
    | SimilarityCondition
    | AccountFlagsCondition
    | ModelScoreCondition
    | LanguageCondition
)
