"""Decision's settings: the shared mesh settings plus its database, the engine timeout
and how actions are carried out (MODMESH_ACTION_*), including the webhook's secret."""

from __future__ import annotations

from dataclasses import dataclass

from modmesh.runtime.settings import ENV_PREFIX, MeshSettings

AUDIT_KEY_ENV = ENV_PREFIX + "AUDIT_KEY"
AUDIT_SIGNING_KEY_ENV = ENV_PREFIX + "AUDIT_SIGNING_KEY"


@dataclass(frozen=True)
class DecisionSettings(MeshSettings):
    #: A database of decision's own instead of database_url.
    decision_database_url: str = ""
    #: Seconds decision waits for one engine call before failing the case.
    engine_timeout_seconds: float = 300.0
    #: Media longer than this is transcribed window by window, each window one call
    #: under the deadline above and kept once heard (docs/operations.md, "Windows").
    transcribe_window_seconds: float = 120.0
    #: Seconds a case's media call waits for an engine that is down (a pod restarting)
    #: to be ready; past that the case is RETRYING, analysed again after a backoff.
    engine_wait_seconds: float = 30.0
    #: How decision carries out actions: "log" (write them to its log), "webhook" (POST
    #: them, HMAC-signed, to action_webhook_url) or "dry-run" (log what would be sent).
    action_adapter: str = "log"
    #: https; http only to a loopback address (development), which is private too.
    action_webhook_url: str = ""
    #: Allow a webhook whose host is or resolves to a loopback, private or link-local
    #: address: without it such a URL stops start-up, so a mistyped or planted URL
    #: cannot make decision call into the cluster's own network.
    action_webhook_allow_private: bool = False
    #: Key of the webhook's HMAC-SHA256 signature, at least 32 bytes; never logged.
    action_webhook_secret: str = ""
    action_webhook_timeout_seconds: float = 10.0
    #: Attempts per delivery before it goes to the dead-letter queue, and the first
    #: retry delay (doubled after each failure).
    action_max_attempts: int = 6
    action_retry_seconds: float = 5.0
    #: A replica holds a case it analyses for this long, renewing the lease while it
    #: works; a replica that dies loses its cases to another this long after its last
    #: renewal (docs/operations.md, "Leases and retries of case analysis").
    case_lease_seconds: float = 30.0
    #: How often each replica looks for cases to take over: expired leases, due retries.
    case_claim_interval_seconds: float = 5.0
    #: A case whose engine is unavailable is retried after this delay, doubled after
    #: each failure up to the maximum (each with jitter), and FAILED once it has been
    #: retrying for longer than the budget.
    case_retry_first_seconds: float = 5.0
    case_retry_max_seconds: float = 300.0
    case_retry_budget_seconds: float = 3600.0

    #: Decision owns the references to media (its cases), so it sweeps the blob store:
    #: every blob_sweep_seconds (0: never) it removes blobs no case refers to that are
    #: older than blob_grace_seconds (the time from an upload to its Submit).
    blob_sweep_seconds: float = 3600.0
    blob_grace_seconds: float = 86400.0

    #: HMAC key of the audit chain (at least 32 bytes, from a Secret; `modmesh up` makes
    #: one under data_dir). The database never holds it; never logged.
    audit_key: str = ""
    #: Ed25519 private key (64 hex digits) that signs audit checkpoints; empty: decision
    #: gives none (the CLI can sign from the database with its own copy).
    audit_signing_key: str = ""

    #: A live flag keeps the stream's audio from this long before its hit's start to this
    #: long after its end, as a WAV clip in the blob store (docs/operations.md, "Live
    #: streams"); each call holds their sum plus 30 s of its latest audio for it.
    live_clip_before_seconds: float = 10.0
    live_clip_after_seconds: float = 5.0

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
