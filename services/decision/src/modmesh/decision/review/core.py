"""Who may review what: the routing of open cases to reviewers, as plain rules.

A case goes to the queue of its account (protected accounts have their own); within a
queue a reviewer sees the cases whose transcript language they read (or that have none)
and whose term categories they judge (or that have none): a rule applied in SQL
(`review.store._within_skills`), so that the queue pages and counts in the database.
Language only routes: it is never evidence.
"""

from __future__ import annotations

from modmesh.decision.domain import Queue, Reviewer

#: Lease length when the claimant asks for none, and the longest allowed.
DEFAULT_LEASE_SECONDS = 15 * 60
MAX_LEASE_SECONDS = 4 * 60 * 60


def refusal(reviewer: Reviewer, queue: Queue) -> str | None:
    """Why the reviewer may not work this queue, or None."""
    if queue is Queue.PROTECTED and not reviewer.protected_queue:
        return f"reviewer {reviewer.reviewer_id} is not cleared for the protected accounts' queue"
    return None
