"""Who may review what: the routing of open cases to reviewers, as plain rules.

A case goes to the queue of its account (protected accounts have their own); within a
queue a reviewer sees the cases whose transcript language they read and whose term
categories they judge. Language only routes: it is never evidence.
"""

from __future__ import annotations

from collections.abc import Iterable

from modmesh.decision.domain import Case, Queue, Reviewer

#: Lease length when the claimant asks for none, and the longest allowed.
DEFAULT_LEASE_SECONDS = 15 * 60
MAX_LEASE_SECONDS = 4 * 60 * 60


def categories_of(case: Case) -> frozenset[str]:
    if case.evidence is None:
        return frozenset()
    return frozenset(hit.category for hit in case.evidence.term_hits if hit.category)


def language_of(case: Case) -> str:
    transcript = None if case.evidence is None else case.evidence.transcript
    return "" if transcript is None else transcript.language


def refusal(reviewer: Reviewer, queue: Queue) -> str | None:
    """Why the reviewer may not work this queue, or None."""
    if queue is Queue.PROTECTED and not reviewer.protected_queue:
        return f"reviewer {reviewer.reviewer_id} is not cleared for the protected accounts' queue"
    return None


def suits(reviewer: Reviewer, language: str, categories: Iterable[str]) -> bool:
    """Whether the case's language and categories are within the reviewer's skills."""
    if reviewer.languages and language and language not in reviewer.languages:
        return False
    wanted = frozenset(categories)
    return not (reviewer.categories and wanted and not wanted & reviewer.categories)
