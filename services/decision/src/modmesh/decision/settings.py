"""Decision's settings: the shared mesh settings plus its database, the engine timeout
and how actions are carried out (MODMESH_ACTION_*), including the webhook's secret."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.runtime.settings import MeshSettings


@dataclass(frozen=True)
class DecisionSettings(MeshSettings):
    #: A database of decision's own instead of database_url.
    decision_database_url: str = ""
    #: Seconds decision waits for one engine call before failing the case.
    engine_timeout_seconds: float = 300.0
    #: How decision carries out actions: "log" (write them to its log), "webhook" (POST
    #: them, HMAC-signed, to action_webhook_url) or "dry-run" (log what would be sent).
    action_adapter: str = "log"
    action_webhook_url: str = ""
    #: Key of the webhook's HMAC-SHA256 signature; never logged.
    action_webhook_secret: str = ""
    action_webhook_timeout_seconds: float = 10.0
    #: Attempts per delivery before it goes to the dead-letter queue, and the first
    #: retry delay (doubled after each failure).
    action_max_attempts: int = 6
    action_retry_seconds: float = 5.0
    #: How long a replica's claim on an outbox delivery, a backfill slice or a live stream
    #: lasts unless renewed: a replica that dies loses its work to another after this.
    #: Longer than action_webhook_timeout_seconds, so a slow send keeps its delivery.
    work_lease_seconds: float = 30.0
    #: How long Submit remembers an idempotency key (at least a day, as clients retry).
    idempotency_key_hours: float = 24.0

    @property
    def store_url(self) -> str:
        """The SQLAlchemy URL of the cases' store."""
        return self.database_url_for("decision", self.decision_database_url)
