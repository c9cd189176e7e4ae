"""Live streams: ownership, flags numbered per stream, the moderated offset and the
stream's one case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from modmesh.contracts.evidence import UntranscribedSpeech, Word
from modmesh.decision.audit import as_utc
from modmesh.decision.domain import (
    LIVE_MEDIA_SCHEME,
    ActionType,
    CaseStatus,
    Evidence,
    LiveAction,
    LiveClip,
    LiveFlag,
    LiveStream,
    ModelScore,
    TermHit,
)
from modmesh.decision.live.scores import strongest
from modmesh.decision.live.untranscribed import stream_transcript, with_speech
from modmesh.decision.live.wall import number_flags
from modmesh.decision.policy.conditions import Facts
from modmesh.decision.policy.published import PublishedRuleSet
from modmesh.decision.policy.rule_set import Decision, RuleSet
from modmesh.decision.rows import new_case_row
from modmesh.decision.store import StoreBase
from modmesh.decision.stored import (
    score_from_json,
    score_json,
    term_hit_from_json,
    term_hit_json,
    untranscribed_json,
    words_from_json,
    words_json,
)
from modmesh.decision.tables import (
    AccountRow,
    ActionRow,
    LiveFlagRow,
    LiveStreamRow,
)
from modmesh.runtime.errors import AlreadyExists, FailedPrecondition, NotFound
from modmesh.runtime.leases import Lease


class LiveStore(Protocol):
    """What live moderation reads and writes. Blocking; call it off the event loop."""

    def open_stream(
        self,
        stream_id: str,
        account_id: str,
        start_time: datetime,
        resume_from: float,
        holder: str,
        tenant: str = "",
    ) -> LiveStream: ...

    def renew_stream(self, stream_id: str, holder: str) -> None: ...

    def release_stream(self, stream_id: str, holder: str) -> None: ...

    def record_live_update(
        self,
        stream_id: str,
        holder: str,
        found: Sequence[tuple[TermHit, tuple[Word, ...]]],
        moderated_seconds: float,
        rule_set: RuleSet,
        tenant: str = "",
        untranscribed: Sequence[UntranscribedSpeech] = (),
        scores: Sequence[ModelScore] = (),
    ) -> tuple[list[LiveFlag], LiveAction | None, str | None]: ...

    def keep_live_clip(self, stream_id: str, clip: LiveClip) -> None: ...

    def end_stream(self, stream_id: str, holder: str, moderated_seconds: float) -> LiveStream: ...

    def active_rules(self) -> PublishedRuleSet: ...


#: How a live stream is leased to the call moderating it (the length is a setting).
STREAM_LEASE = Lease(LiveStreamRow.lease_holder, LiveStreamRow.lease_expires_at, seconds=30.0)


_END_STREAM = ActionType.END_STREAM.value


class StreamEnded(Exception):
    """A moderator ended the stream (an END_STREAM action on its case) while a call
    moderated it: the call tells its client `action`, stores nothing more and ends."""

    def __init__(self, action: LiveAction) -> None:
        super().__init__(f"stream ended by a moderator on case {action.case_id}")
        self.action = action


class SqlLive(StoreBase):
    #: The lease length compose sets from the settings (shared with the other leases).
    work_lease_seconds = STREAM_LEASE.seconds

    @property
    def _stream_lease(self) -> Lease:
        return replace(STREAM_LEASE, seconds=self.work_lease_seconds)

    def renew_stream(self, stream_id: str, holder: str) -> None:
        """Extends the call's lease on its stream; raises LeaseLost if another call took
        it over (a resume, or this call's lease expired)."""
        with self._write() as session:
            self._held_stream(session, stream_id, holder)

    def _held_stream(self, session: Session, stream_id: str, holder: str) -> LiveStreamRow:
        """The stream's row, locked, with `holder`'s lease on it renewed; StreamEnded
        when a moderator ended it (the call ends it only with its last write)."""
        row = session.get(LiveStreamRow, stream_id, with_for_update=True)
        if row is None:
            raise NotFound(f"stream {stream_id!r} not found", field="open.stream_id")
        if row.ended_at is not None:
            # Only a moderator ends a stream under its call (the call's own end is its
            # last write), with END_STREAM on its case: the client is told the policy.
            policy = session.scalar(
                select(ActionRow.reason)
                .where(ActionRow.case_id == row.case_id, ActionRow.type == _END_STREAM)
                .order_by(ActionRow.created_at.desc())
                .limit(1)
            )
            ended = LiveAction(ActionType.END_STREAM, row.case_id or "", None, policy or "")
            raise StreamEnded(ended)
        self._stream_lease.renew(session, row, holder)
        return row

    def release_stream(self, stream_id: str, holder: str) -> None:
        """Frees the stream when its call ends, so a reconnect is taken at once."""
        with self._write() as session:
            row = session.get(LiveStreamRow, stream_id, with_for_update=True)
            if row is not None:
                self._stream_lease.release(session, row, holder)

    def open_stream(
        self,
        stream_id: str,
        account_id: str,
        start_time: datetime,
        resume_from: float,
        holder: str,
        tenant: str = "",
    ) -> LiveStream:
        """Opens a new stream (for `tenant`, the credential moderating it), or resumes
        one that was not ended, for its own account and from an offset it was moderated
        up to; the call (`holder`) leases it, taking it over from an earlier call that
        may still hold it."""
        with self._write() as session:
            row = session.get(LiveStreamRow, stream_id, with_for_update=True)
            if row is None:
                if resume_from > 0:
                    raise FailedPrecondition(
                        f"stream {stream_id} has not been moderated yet; "
                        "resume_from_seconds must be 0",
                        field="open.resume_from_seconds",
                    )
                now = self._now()
                row = LiveStreamRow(
                    stream_id=stream_id,
                    account_id=account_id,
                    tenant=tenant,
                    start_time=as_utc(start_time),
                    moderated_seconds=0.0,
                    last_flag_sequence=0,
                    case_id=None,
                    created_at=now,
                    updated_at=now,
                    ended_at=None,
                    flags=[],
                )
                session.add(row)
                session.flush()
                self._stream_lease.take(session, row, holder)
                self._audit(
                    session,
                    "stream.opened",
                    f"streams/{stream_id}",
                    {"account_id": account_id, "start_time": row.start_time.isoformat()},
                )
                return _live_stream(row, resumed=False)
            if row.account_id != account_id:
                # The owner is not named: stream ids must not reveal who broadcasts.
                raise AlreadyExists(
                    f"stream id {stream_id!r} belongs to another account; use another id",
                    field="open.stream_id",
                )
            if row.ended_at is not None:
                raise FailedPrecondition(
                    f"stream {stream_id} ended at {as_utc(row.ended_at).isoformat()}; "
                    "a new broadcast needs a new stream id",
                    field="open.stream_id",
                )
            if resume_from > row.moderated_seconds:
                raise FailedPrecondition(
                    f"stream {stream_id} is moderated up to {row.moderated_seconds:.3f} s; "
                    f"resume from there or earlier, not from {resume_from:.3f} s",
                    field="open.resume_from_seconds",
                )
            # The account's newest call wins: a client reconnects when its old connection
            # died, often before decision notices; that call stops at its next write.
            self._stream_lease.seize(session, row, holder)
            return _live_stream(row, resumed=True)

    def record_live_update(
        self,
        stream_id: str,
        holder: str,
        found: Sequence[tuple[TermHit, tuple[Word, ...]]],
        moderated_seconds: float,
        rule_set: RuleSet,
        tenant: str = "",
        untranscribed: Sequence[UntranscribedSpeech] = (),
        scores: Sequence[ModelScore] = (),
    ) -> tuple[list[LiveFlag], LiveAction | None, str | None]:
        """Stores new hits as the stream's next flags, new untranscribed speech, the
        highest model scores (live/scores.py) and moves its moderated offset, in one
        transaction. With new flags or speech or a score newly at its threshold, the
        rules in force decide on all the stream's hits, speech and scores: a queue or an
        action goes to the stream's one case (made on first need, for `tenant`, the
        credential moderating the stream); returns the flags, the action when a rule
        took one now, and the case. Only the call holding the stream writes (LeaseLost
        otherwise), and the write renews its lease. The caller reads `rule_set` (the
        rules in force) before: SQLite allows one writer and no reader beside it on the
        same thread's other connection."""
        with self._write() as session:
            stream = self._held_stream(session, stream_id, holder)
            account = session.get(AccountRow, stream.account_id)
            now = self._now()
            added = []
            for hit, context in found:
                stream.last_flag_sequence += 1
                if hit.time_range is None:
                    raise ValueError("a live hit has a time range")  # transcripts give times
                added.append(
                    LiveFlagRow(
                        stream_id=stream_id,
                        sequence=stream.last_flag_sequence,
                        list_id=hit.list_id,
                        list_version=hit.list_version,
                        term_id=hit.term_id,
                        start_seconds=hit.time_range.start_seconds,
                        end_seconds=hit.time_range.end_seconds,
                        hit=term_hit_json(hit),
                        context=words_json(context),
                        created_at=now,
                    )
                )
            number_flags(session, added)  # before they join the session: see there
            stream.flags.extend(added)
            if untranscribed:
                stream.untranscribed = with_speech(stream.untranscribed, untranscribed)
                self._audit(
                    session,
                    "stream.untranscribed",
                    f"streams/{stream_id}",
                    {"speech": [untranscribed_json(s) for s in untranscribed]},
                )
            kept, newly_flagged = strongest(tuple(map(score_from_json, stream.scores)), scores)
            stream.scores = [score_json(score) for score in kept]
            stream.moderated_seconds = max(stream.moderated_seconds, moderated_seconds)
            stream.updated_at = now
            action = None
            if added:  # audited before the decision on them
                self._audit(
                    session,
                    "stream.flagged",
                    f"streams/{stream_id}",
                    {
                        "flags": [
                            [f.sequence, f.list_id, f.list_version, f.term_id] for f in added
                        ],
                        "offsets": [[f.start_seconds, f.end_seconds] for f in added],
                    },
                )
            if added or untranscribed or newly_flagged:
                hits = tuple(term_hit_from_json(f.hit) for f in stream.flags)
                transcript = stream_transcript(stream.untranscribed, hits)
                facts = Facts(
                    Evidence(transcript, hits, model_scores=kept),
                    frozenset(account.flags) if account else frozenset(),
                    bool(account and account.protected),
                )
                decision = rule_set.decide(facts)
                action = self._decide_stream(session, stream, facts, decision, tenant)
            flags = [
                LiveFlag(
                    f.sequence,
                    term_hit_from_json(f.hit),
                    words_from_json(f.context),
                    stream.case_id,
                )
                for f in added
            ]
            return flags, action, stream.case_id

    def _decide_stream(
        self,
        session: Session,
        stream: LiveStreamRow,
        facts: Facts,
        decision: Decision,
        tenant: str,
    ) -> LiveAction | None:
        """Records what the rules decided on the stream's hits in its case: one case per
        stream, updated while it is open; a decided case is left as it is."""
        if decision.outcome.status is not CaseStatus.OPEN and decision.auto_action is None:
            return None  # ignored, or no rule applies: no case to make
        if stream.case_id is None:
            now = self._now()
            row = new_case_row(
                CaseStatus.OPEN,
                now,
                # No one blob holds a stream: the case points at the stream, and each
                # flag keeps the clip of its audio (Case.live_clips).
                media_sha256="",
                media_uri=f"{LIVE_MEDIA_SCHEME}{stream.stream_id}",
                media_size=0,
                media_mime="",
                account_id=stream.account_id,
                content_id=stream.stream_id,
                capture_time=stream.start_time,
                retro_key="",
                tenant=tenant,
            )
            session.add(row)
            stream.case_id = row.id
        else:
            row = self._row(session, stream.case_id, lock=True)
            if row.status != CaseStatus.OPEN.value:
                return None
        self._apply_decision(
            session,
            row,
            facts.evidence,
            decision,
            "case.stream_evidence_recorded",
            stream_id=stream.stream_id,
        )
        if decision.auto_action is None:
            return None
        outcome = decision.outcome
        return LiveAction(decision.auto_action, row.id, outcome.rule, outcome.statement)

    def end_stream(self, stream_id: str, holder: str, moderated_seconds: float) -> LiveStream:
        """Marks the stream ended (its id cannot be opened again), by the call holding it
        (LeaseLost otherwise)."""
        with self._write() as session:
            row = self._held_stream(session, stream_id, holder)
            now = self._now()
            row.moderated_seconds = max(row.moderated_seconds, moderated_seconds)
            row.ended_at = row.updated_at = now
            self._audit(
                session,
                "stream.ended",
                f"streams/{stream_id}",
                {
                    "moderated_seconds": row.moderated_seconds,
                    "flags": row.last_flag_sequence,
                    "case_id": row.case_id,
                },
            )
            return _live_stream(row, resumed=True)

    def live_stream(self, stream_id: str) -> LiveStream:
        with self._sessions() as session:
            row = session.get(LiveStreamRow, stream_id)
            if row is None:
                raise NotFound(f"stream {stream_id!r} not found", field="stream_id")
            return _live_stream(row, resumed=True)


def _live_stream(row: LiveStreamRow, resumed: bool) -> LiveStream:
    return LiveStream(
        stream_id=row.stream_id,
        account_id=row.account_id,
        start_time=as_utc(row.start_time),
        moderated_seconds=row.moderated_seconds,
        last_flag_sequence=row.last_flag_sequence,
        resumed=resumed,
        flagged=tuple(term_hit_from_json(f.hit) for f in row.flags),
    )
