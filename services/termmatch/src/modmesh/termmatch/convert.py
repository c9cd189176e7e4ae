"""Conversions between the termmatch domain types and its protobuf messages: used by the
servicer, and by the clients (CLI, gateway) that send and receive terms in bulk."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.evidence import Severity
from modmesh.contracts.termmatch.v1 import termmatch_pb2 as pb
from modmesh.contracts.timestamps import to_datetime, to_timestamp
from modmesh.runtime.clients import MAX_MESSAGE_BYTES
from modmesh.runtime.errors import ResourceExhausted
from modmesh.termmatch.domain import (
    Flags,
    Hit,
    ListSettings,
    ListVersion,
    Term,
    TermChange,
    TermDraft,
    TermKind,
    TermList,
    Window,
)


def _datetime(message: object, field: str) -> datetime | None:
    if not message.HasField(field):  # type: ignore[attr-defined]
        return None
    stamp: Timestamp = getattr(message, field)
    return to_datetime(stamp, field)


def _window_from_pb(message: object) -> Window:
    return Window(_datetime(message, "active_from"), _datetime(message, "active_until"))


def _flags_from_pb(flags: pb.NormalizationFlags) -> Flags:
    # The message and the dataclass name the same flags (a contract test holds them so).
    return Flags(**{field.name: getattr(flags, field.name) for field in dataclasses.fields(Flags)})


def settings_from_pb(request: pb.CreateListRequest | pb.UpdateListRequest) -> ListSettings:
    return ListSettings(
        name=request.name,
        description=request.description,
        flags=_flags_from_pb(request.flags) if request.HasField("flags") else Flags(),
        exceptions=tuple(request.exceptions),
        window=_window_from_pb(request),
    )


def draft_from_pb(term: pb.Term) -> TermDraft:
    return TermDraft(
        text=term.text,
        severity=term.severity,
        category=term.category,
        term_id=term.term_id,
        kind=term.kind,
        locale=term.locale,
        note=term.note,
        window=_window_from_pb(term),
    )


def _set_window(message: pb.Term | pb.TermList, window: Window) -> None:
    if window.active_from is not None:
        message.active_from.CopyFrom(to_timestamp(window.active_from))
    if window.active_until is not None:
        message.active_until.CopyFrom(to_timestamp(window.active_until))


def term_to_pb(term: Term) -> pb.Term:
    message = pb.Term(
        term_id=term.term_id,
        text=term.text,
        severity=_severity_to_pb(term.severity),
        category=term.category,
        kind=_kind_to_pb(term.kind),
        locale=term.locale,
        note=term.note,
    )
    _set_window(message, term.window)
    return message


def _severity_to_pb(severity: Severity) -> str:
    # The wire enum's names are the domain's with the buf-style prefix.
    return f"SEVERITY_{severity.name}"


def _kind_to_pb(kind: TermKind) -> str:
    return f"TERM_KIND_{kind.name}"


def list_to_pb(term_list: TermList, *, with_terms: bool = True) -> pb.TermList:
    settings = term_list.settings
    flags = settings.flags
    message = pb.TermList(
        list_id=term_list.list_id,
        name=settings.name,
        description=settings.description,
        version=term_list.version,
        terms=[term_to_pb(term) for term in term_list.terms] if with_terms else [],
        term_count=len(term_list.terms),
        created_at=to_timestamp(term_list.created_at),
        updated_at=to_timestamp(term_list.updated_at),
        flags=pb.NormalizationFlags(**dataclasses.asdict(flags)),
        exceptions=list(settings.exceptions),
    )
    _set_window(message, settings.window)
    return message


def readable_list_to_pb(term_list: TermList, limit: int = MAX_MESSAGE_BYTES) -> pb.TermList:
    """The list with its terms, for GetList: refused, pointing to the export, when it is
    more than one message may carry (a list of a million terms can be)."""
    message = list_to_pb(term_list)
    size = message.ByteSize()
    if size > limit:
        raise ResourceExhausted(
            f"list {term_list.list_id!r} version {term_list.version} has "
            f"{len(term_list.terms):,} terms, {size:,} bytes: more than the {limit:,} one "
            f"reply may carry; read it with ExportTerms (`modmesh lists export "
            f"{term_list.list_id}`), which streams it in batches",
            field="list_id",
        )
    return message


def summary_to_pb(term_list: TermList) -> pb.TermListSummary:
    return pb.TermListSummary(
        list_id=term_list.list_id,
        name=term_list.name,
        version=term_list.version,
        term_count=len(term_list.terms),
    )


def version_to_pb(version: ListVersion) -> pb.TermListVersion:
    return pb.TermListVersion(
        version=version.version,
        created_at=to_timestamp(version.created_at),
        actor=version.actor,
        edit=f"LIST_EDIT_{version.edit.name}",
        terms_added=version.terms_added,
        terms_removed=version.terms_removed,
        terms_changed=version.terms_changed,
        term_count=version.term_count,
    )


def change_to_pb(change: TermChange) -> pb.TermChange:
    if change.before is None:
        kind = pb.TERM_CHANGE_KIND_ADDED
    elif change.after is None:
        kind = pb.TERM_CHANGE_KIND_REMOVED
    else:
        kind = pb.TERM_CHANGE_KIND_CHANGED
    message = pb.TermChange(term_id=change.term_id, kind=kind)
    if change.before is not None:
        message.before.CopyFrom(term_to_pb(change.before))
    if change.after is not None:
        message.after.CopyFrom(term_to_pb(change.after))
    return message


def hit_to_pb(hit: Hit) -> evidence_pb2.TermHit:
    message = evidence_pb2.TermHit(
        term_id=hit.term.term_id,
        term=hit.term.text,
        list_id=hit.list_id,
        list_version=hit.list_version,
        severity=_severity_to_pb(hit.term.severity),
        category=hit.term.category,
        span=evidence_pb2.TextSpan(start=hit.start, end=hit.end),
        matched_text=hit.matched_text,
    )
    if hit.word_start_index is not None and hit.word_end_index is not None:
        message.word_start_index = hit.word_start_index
        message.word_end_index = hit.word_end_index
    if hit.time_range is not None:
        message.time_range.start_seconds = hit.time_range.start_seconds
        message.time_range.end_seconds = hit.time_range.end_seconds
    if hit.sound_confidence is not None:
        message.sound_confidence = hit.sound_confidence
    return message


def draft_to_pb(draft: TermDraft) -> pb.Term:
    """A term as a client sends it (the CLI's and the gateway's bulk imports)."""
    message = pb.Term(
        term_id=draft.term_id,
        text=draft.text,
        severity=draft.severity,  # type: ignore[arg-type]
        category=draft.category,
        kind=draft.kind,  # type: ignore[arg-type]
        locale=draft.locale,
        note=draft.note,
    )
    _set_window(message, draft.window)
    return message


def term_from_pb(term: pb.Term) -> Term:
    """A term as the service returned it (it only returns valid ones)."""
    return Term(
        term_id=term.term_id,
        text=term.text,
        severity=Severity(term.severity),
        category=term.category,
        kind=TermKind(term.kind),
        locale=term.locale,
        note=term.note,
        window=_window_from_pb(term),
    )
