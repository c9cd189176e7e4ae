"""Cases, reviewer actions and a hash-chained audit log in one SQL database.

SQLite by default, PostgreSQL by URL: the schema uses only portable types and is built
and upgraded by the Alembic migrations in `modmesh.decision.migrations` (the models here
must match them; a test compares the two). Every mutation appends its audit entry in the
same transaction, so the log cannot miss a change that was committed nor record one that
was not.
"""

from modmesh.decision.storage.appeals import Appeals
from modmesh.decision.storage.backfills import BackfillItem, BackfillRun, Backfills
from modmesh.decision.storage.base import utc_now
from modmesh.decision.storage.deliveries import Deliveries, Delivery
from modmesh.decision.storage.reviewers import Reviewing
from modmesh.decision.storage.rule_sets import PublishedRuleSet
from modmesh.decision.storage.streams import LiveStreams

__all__ = ["BackfillItem", "BackfillRun", "CaseStore", "Delivery", "PublishedRuleSet", "utc_now"]


class CaseStore(LiveStreams, Backfills, Appeals, Reviewing, Deliveries):
    """The decision service's database, one area per module. Methods are blocking; call
    them off the event loop."""
