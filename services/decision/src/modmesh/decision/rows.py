"""Rows as domain objects, and a new case row: shared by every feature's store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from modmesh.contracts.evidence import TimeRange
from modmesh.decision.audit import as_utc
from modmesh.decision.domain import (
    Action,
    ActionType,
    Appeal,
    AppealStatus,
    Case,
    CaseStatus,
    DeliveryStatus,
    Lease,
    LiveClip,
    Priority,
    RuleRef,
    Source,
)
from modmesh.decision.stored import evidence_from_json
from modmesh.decision.tables import ActionRow, AppealRow, CaseRow, LiveFlagRow
from modmesh.runtime.blobs import Blob


def cases_with_actions() -> Any:
    return select(CaseRow).options(
        selectinload(CaseRow.actions).selectinload(ActionRow.deliveries),
        selectinload(CaseRow.appeals),
        selectinload(CaseRow.live_clips),
    )


def case_from_row(row: CaseRow) -> Case:
    return Case(
        case_id=row.id,
        status=CaseStatus(row.status),
        priority=None if row.priority is None else Priority(row.priority),
        media=Blob(row.media_sha256, row.media_uri, row.media_size, row.media_mime),
        source=Source(row.account_id, row.content_id, as_utc(row.capture_time)),
        evidence=None if row.evidence is None else evidence_from_json(row.evidence),
        rule=None if row.rule_id is None else RuleRef(row.rule_id, row.rule_version or 0),
        statement=row.statement,
        error=row.error,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        due_at=None if row.due_at is None else as_utc(row.due_at),
        retro_of=row.retro_of,
        next_attempt_at=None if row.next_attempt_at is None else as_utc(row.next_attempt_at),
        attempts=row.attempts or 0,
        tenant=row.tenant or "",
        lease=None
        if row.lease_holder is None or row.lease_expires_at is None
        else Lease(row.lease_holder, as_utc(row.lease_expires_at)),
        actions=tuple(
            Action(
                a.id,
                ActionType(a.type),
                a.actor,
                a.reason,
                as_utc(a.created_at),
                _delivery_status(a),
            )
            for a in row.actions
        ),
        appeals=tuple(appeal_from_row(appeal) for appeal in row.appeals),
        live_clips=tuple(_live_clip(flag) for flag in row.live_clips),
    )


def _live_clip(flag: LiveFlagRow) -> LiveClip:
    """The clip of a flag that has one (CaseRow.live_clips holds only those)."""
    if flag.clip_sha256 is None or flag.clip_start_seconds is None or flag.clip_end_seconds is None:
        raise ValueError(f"flag {flag.sequence} of stream {flag.stream_id} has no clip")
    return LiveClip(
        flag.sequence,
        Blob(flag.clip_sha256, flag.clip_uri or "", flag.clip_size or 0, flag.clip_mime or ""),
        TimeRange(flag.clip_start_seconds, flag.clip_end_seconds),
    )


def _delivery_status(action: ActionRow) -> DeliveryStatus | None:
    """The state of the action's latest delivery (a reversal follows its application)."""
    return DeliveryStatus(action.deliveries[-1].status) if action.deliveries else None


def appeal_from_row(row: AppealRow) -> Appeal:
    return Appeal(
        appeal_id=row.id,
        case_id=row.case_id,
        action_id=row.action_id,
        appellant=row.appellant,
        statement=row.statement,
        status=AppealStatus(row.status),
        created_at=as_utc(row.created_at),
        reviewer=row.reviewer or "",
        decision_reason=row.decision_reason,
        decided_at=None if row.decided_at is None else as_utc(row.decided_at),
    )


def new_case_row(status: CaseStatus, now: datetime, **fields: Any) -> CaseRow:
    """A case row as first stored: a new id, no statement, error or action yet."""
    return CaseRow(
        id=uuid.uuid4().hex,
        status=status.value,
        statement="",
        error="",
        created_at=now,
        updated_at=now,
        actions=[],
        **fields,
    )
