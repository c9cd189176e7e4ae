"""The decision database's tables as the store reads and writes them.

The Alembic migrations in `modmesh.decision.migrations` build these tables; a test
compares the two, so a change here needs a new revision there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from modmesh.runtime.audit import audit_table


class Base(DeclarativeBase):
    """The tables the migrations create, as the store reads and writes them."""


class CaseRow(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # The same media from the same source is one case: re-submissions find it.
        # (retro_key is empty for submissions; a backfill case names its origin and list.)
        # Tenants never share a case: each finds only its own submissions again.
        UniqueConstraint(
            "media_sha256",
            "account_id",
            "content_id",
            "retro_key",
            "tenant",
            name="uq_cases_submission",
        ),
        # The review queue reads OPEN cases by priority, then age.
        Index("ix_cases_queue", "status", "priority", "created_at"),
        # An account's cases, newest first (the console's "earlier cases of the account").
        Index("ix_cases_account", "account_id", "created_at", "id"),
        # Dry runs and retroactive scans read cases by age.
        Index("ix_cases_created_at", "created_at"),
        # The analysis claimer reads PROCESSING cases by lease expiry, RETRYING by due time.
        Index("ix_cases_analysis", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int | None] = mapped_column(Integer)
    media_sha256: Mapped[str] = mapped_column(String(64))
    media_uri: Mapped[str] = mapped_column(Text)
    media_size: Mapped[int] = mapped_column(BigInteger)
    media_mime: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[str] = mapped_column(String(255))
    content_id: Mapped[str] = mapped_column(String(255))
    capture_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rule_id: Mapped[str | None] = mapped_column(String(255))
    rule_version: Mapped[int | None] = mapped_column(BigInteger)
    statement: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Routing facts copied from the evidence, so the queue can be read without it.
    language: Mapped[str] = mapped_column(String(32), server_default="")
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    lease_holder: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: For a case a retroactive scan found: the case of the same item it was found in.
    retro_of: Mapped[str | None] = mapped_column(String(32))
    retro_key: Mapped[str] = mapped_column(String(255), server_default="")
    #: The decision replica analysing the case, and until when (the database's clock);
    #: apart from the reviewer's lease above, which is on OPEN cases only.
    analysis_holder: Mapped[str | None] = mapped_column(String(255))
    analysis_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Retries after an engine was unavailable: how many, when the next, since when.
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retrying_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The credential that submitted the case; "" for cases the mesh opened itself.
    tenant: Mapped[str] = mapped_column(String(255), server_default="")
    actions: Mapped[list[ActionRow]] = relationship(order_by="ActionRow.created_at")
    appeals: Mapped[list[AppealRow]] = relationship(order_by="AppealRow.created_at")
    #: A live stream's case: its flags that have a clip (read only; the stream writes them).
    live_clips: Mapped[list[LiveFlagRow]] = relationship(
        secondary="live_streams",
        primaryjoin="CaseRow.id == LiveStreamRow.case_id",
        secondaryjoin="and_(LiveStreamRow.stream_id == LiveFlagRow.stream_id, "
        "LiveFlagRow.clip_sha256.is_not(None))",
        order_by="LiveFlagRow.sequence",
        viewonly=True,
    )


class CaseFacetRow(Base):
    """A value a case's queue is filtered and routed by (modmesh.decision.facets): a
    category or a list of its term hits, a language of its transcript. Copied from the
    evidence whenever a rule decides the case, and gone with the case."""

    __tablename__ = "case_facets"
    __table_args__ = (Index("ix_case_facets_value", "kind", "value", "case_id"),)

    case_id: Mapped[str] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)


class ActionRow(Base):
    __tablename__ = "actions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deliveries: Mapped[list[DeliveryRow]] = relationship(order_by="DeliveryRow.updated_at")


class DeliveryRow(Base):
    """The outbox: an action to carry out through the adapter, written in the same
    transaction as the action, so that no decided action is ever lost."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    action_id: Mapped[str] = mapped_column(ForeignKey("actions.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    #: "apply" an action, or "reverse" one an upheld appeal overturned.
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The replica sending it now (modmesh.runtime.leases): one sender at a time.
    lease_holder: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AppealRow(Base):
    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_status", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    # One appeal per action: a second is refused, never recorded twice.
    action_id: Mapped[str] = mapped_column(ForeignKey("actions.id"), unique=True)
    appellant: Mapped[str] = mapped_column(String(255))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str | None] = mapped_column(String(255))
    decision_reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewerRow(Base):
    __tablename__ = "reviewers"

    reviewer_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    languages: Mapped[list[str]] = mapped_column(JSON)
    categories: Mapped[list[str]] = mapped_column(JSON)
    protected_queue: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RuleSetRow(Base):
    __tablename__ = "rule_sets"

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The text as the operator uploaded it (YAML or JSON), comments and all.
    source: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountRow(Base):
    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    flags: Mapped[list[str]] = mapped_column(JSON)
    protected: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


#: The keyed hash chain (see modmesh.runtime.audit).
AUDIT_TABLE = audit_table("decision", Base.metadata)


class BackfillRunRow(Base):
    __tablename__ = "backfill_runs"
    __table_args__ = (
        Index("ix_backfill_runs_list", "list_id", "status"),
        # One running run per list and date: scans started at once on two replicas share it.
        Index(
            "uq_backfill_runs_running",
            "list_id",
            "since",
            unique=True,
            sqlite_where=text("status = 'RUNNING'"),
            postgresql_where=text("status = 'RUNNING'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    list_id: Mapped[str] = mapped_column(String(255))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(255))
    #: The last case scanned (by creation time, then id): where a resumed run goes on.
    cursor_created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cursor_case_id: Mapped[str | None] = mapped_column(String(32))
    scanned: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BackfillSliceRow(Base):
    """A slice of a backfill run: the cases whose id starts with one hex digit, scanned by
    one replica at a time (leased) from its own cursor."""

    __tablename__ = "backfill_slices"

    run_id: Mapped[str] = mapped_column(ForeignKey("backfill_runs.id"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    cursor_created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cursor_case_id: Mapped[str | None] = mapped_column(String(32))
    done: Mapped[bool] = mapped_column(Boolean)
    lease_holder: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TranscriptWindowRow(Base):
    """A window of a case's media that transcription has heard, kept while the case is
    analysed so that an analysis taken up again (after an engine or a replica died)
    goes on from the last window instead of the start."""

    __tablename__ = "transcript_windows"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    start_seconds: Mapped[float] = mapped_column(Float, primary_key=True)
    end_seconds: Mapped[float] = mapped_column(Float)
    complete: Mapped[bool] = mapped_column(Boolean)
    transcript: Mapped[dict[str, Any]] = mapped_column(JSON)


class IdempotencyKeyRow(Base):
    """A client's idempotency key for Submit: the request it first came with (as a
    fingerprint) and the case that request opened (None while the first is in flight)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"))
    #: The first answer's `duplicate`, replayed with it.
    duplicate: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LiveStreamRow(Base):
    """A live broadcast moderated by ModerateStream: who owns its id, and how far it is
    moderated, so a dropped call resumes where its acknowledgements left off."""

    __tablename__ = "live_streams"
    # The live wall reads the streams on air and those that ended a short while ago.
    __table_args__ = (Index("ix_live_streams_ended_at", "ended_at"),)

    stream_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: The account that first opened the id; no other account may use it.
    account_id: Mapped[str] = mapped_column(String(255))
    #: The credential that first opened it (see modmesh.runtime.tenancy), as its case's.
    tenant: Mapped[str] = mapped_column(String(255), server_default="")
    #: When offset 0 was on air: term lists apply as they stood at start + offset.
    start_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Every flag for the audio before this offset is stored (and was sent).
    moderated_seconds: Mapped[float] = mapped_column(Float)
    last_flag_sequence: Mapped[int] = mapped_column(Integer)
    #: The stream's one case, once a rule has queued or acted on its evidence.
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Set by the client's end message; an ended stream cannot be reopened.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The call (replica and call id) moderating it now, renewed while the call is open.
    lease_holder: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Speech heard in languages transcription does not transcribe (untranscribed_json),
    #: ranges of one language that follow each other joined.
    untranscribed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, server_default=text("'[]'"))
    #: The highest model score of each model, example set and category so far (stored.py).
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON, server_default=text("'[]'"))
    flags: Mapped[list[LiveFlagRow]] = relationship(order_by="LiveFlagRow.sequence")


class LiveFlagRow(Base):
    """A term hit in a live stream, stored before it is sent to the client."""

    __tablename__ = "live_flags"
    __table_args__ = (Index("uq_live_flags_flag_id", "flag_id", unique=True),)

    stream_id: Mapped[str] = mapped_column(ForeignKey("live_streams.stream_id"), primary_key=True)
    #: 1, 2, 3... per stream, across resumes.
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: 1, 2, 3... across all streams, in the order the flags were stored: a poller's
    #: cursor (see modmesh.decision.live.wall). None for a flag a pod of an earlier
    #: release stored during a rolling update, until the next write numbers it.
    flag_id: Mapped[int | None] = mapped_column(BigInteger)
    list_id: Mapped[str] = mapped_column(String(255))
    list_version: Mapped[int] = mapped_column(BigInteger)
    term_id: Mapped[str] = mapped_column(String(255))
    #: Stream offsets of the hit, in seconds.
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    #: The hit as evidence (TermHit as JSON) and the committed words around it.
    hit: Mapped[dict[str, Any]] = mapped_column(JSON)
    context: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The clip of the audio around the hit (a blob, as a case's media), once kept, and
    #: the stream offsets it covers. The blob sweeper keeps it while this row exists.
    clip_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    clip_uri: Mapped[str | None] = mapped_column(Text)
    clip_size: Mapped[int | None] = mapped_column(BigInteger)
    clip_mime: Mapped[str | None] = mapped_column(String(255))
    clip_start_seconds: Mapped[float | None] = mapped_column(Float)
    clip_end_seconds: Mapped[float | None] = mapped_column(Float)
