"""Translation between the wire contracts and the decision service's domain types."""

from __future__ import annotations

import json
from collections.abc import Iterable

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.evidence import Severity, TimeRange, UntranscribedSpeech, Word
from modmesh.contracts.timestamps import to_timestamp
from modmesh.decision import domain
from modmesh.decision.policy.published import PublishedRuleSet
from modmesh.decision.scores import score_to_pb
from modmesh.runtime.blobs import Blob
from modmesh.runtime.errors import InvalidArgument

_STATUS_TO_PB = {
    domain.CaseStatus.PROCESSING: decision_pb2.CASE_STATUS_PROCESSING,
    domain.CaseStatus.OPEN: decision_pb2.CASE_STATUS_OPEN,
    domain.CaseStatus.NO_EVIDENCE: decision_pb2.CASE_STATUS_NO_EVIDENCE,
    domain.CaseStatus.CLOSED: decision_pb2.CASE_STATUS_CLOSED,
    domain.CaseStatus.FAILED: decision_pb2.CASE_STATUS_FAILED,
    domain.CaseStatus.DISMISSED: decision_pb2.CASE_STATUS_DISMISSED,
    domain.CaseStatus.RETRYING: decision_pb2.CASE_STATUS_RETRYING,
}
_STATUS_FROM_PB = {number: status for status, number in _STATUS_TO_PB.items()}

_PRIORITY_TO_PB = {
    None: decision_pb2.PRIORITY_UNSPECIFIED,
    domain.Priority.LOW: decision_pb2.PRIORITY_LOW,
    domain.Priority.MEDIUM: decision_pb2.PRIORITY_MEDIUM,
    domain.Priority.HIGH: decision_pb2.PRIORITY_HIGH,
    domain.Priority.URGENT: decision_pb2.PRIORITY_URGENT,
}

_SEVERITY_TO_PB = {
    Severity.UNSPECIFIED: evidence_pb2.SEVERITY_UNSPECIFIED,
    Severity.LOW: evidence_pb2.SEVERITY_LOW,
    Severity.MEDIUM: evidence_pb2.SEVERITY_MEDIUM,
    Severity.HIGH: evidence_pb2.SEVERITY_HIGH,
    Severity.CRITICAL: evidence_pb2.SEVERITY_CRITICAL,
}
_SEVERITY_FROM_PB = {number: severity for severity, number in _SEVERITY_TO_PB.items()}

_ACTION_TO_PB = {
    domain.ActionType.NO_VIOLATION: decision_pb2.ACTION_TYPE_NO_VIOLATION,
    domain.ActionType.REMOVE_CONTENT: decision_pb2.ACTION_TYPE_REMOVE_CONTENT,
    domain.ActionType.ESCALATE: decision_pb2.ACTION_TYPE_ESCALATE,
    domain.ActionType.END_STREAM: decision_pb2.ACTION_TYPE_END_STREAM,
}
_ACTION_FROM_PB = {number: action for action, number in _ACTION_TO_PB.items()}

_DELIVERY_TO_PB = {
    None: decision_pb2.DELIVERY_STATUS_UNSPECIFIED,
    domain.DeliveryStatus.PENDING: decision_pb2.DELIVERY_STATUS_PENDING,
    domain.DeliveryStatus.DELIVERED: decision_pb2.DELIVERY_STATUS_DELIVERED,
    domain.DeliveryStatus.DEAD: decision_pb2.DELIVERY_STATUS_DEAD,
}


def status_from_pb(number: decision_pb2.CaseStatus) -> domain.CaseStatus | None:
    """The status a ListCases request filters on; None (UNSPECIFIED) means every status."""
    if number == decision_pb2.CASE_STATUS_UNSPECIFIED:
        return None
    if number not in _STATUS_FROM_PB:
        raise InvalidArgument(f"status {number} is not a known case status", field="status")
    return _STATUS_FROM_PB[number]


def status_to_pb(status: domain.CaseStatus) -> decision_pb2.CaseStatus:
    return _STATUS_TO_PB[status]


def action_type_to_pb(action_type: domain.ActionType) -> decision_pb2.ActionType:
    return _ACTION_TO_PB[action_type]


def action_type_from_pb(number: decision_pb2.ActionType) -> domain.ActionType:
    if number not in _ACTION_FROM_PB:
        raise InvalidArgument(
            "type must be NO_VIOLATION, REMOVE_CONTENT, ESCALATE or END_STREAM", field="type"
        )
    return _ACTION_FROM_PB[number]


def blob_from_pb(media: evidence_pb2.MediaRef) -> Blob:
    return Blob(media.sha256, media.uri, media.size_bytes, media.mime_type)


def media_ref(blob: Blob) -> evidence_pb2.MediaRef:
    return evidence_pb2.MediaRef(
        sha256=blob.sha256, uri=blob.uri, size_bytes=blob.size_bytes, mime_type=blob.mime_type
    )


def live_clip_to_pb(clip: domain.LiveClip) -> decision_pb2.LiveClip:
    return decision_pb2.LiveClip(
        flag_sequence=clip.flag_sequence,
        media=media_ref(clip.media),
        time_range=_range_to_pb(clip.time_range),
    )


def words_to_pb(words: Iterable[Word]) -> list[evidence_pb2.Word]:
    return [
        evidence_pb2.Word(
            text=w.text,
            start_seconds=w.start_seconds,
            end_seconds=w.end_seconds,
            probability=w.probability,
        )
        for w in words
    ]


def words_from_pb(words: Iterable[evidence_pb2.Word]) -> tuple[Word, ...]:
    return tuple(Word(w.text, w.start_seconds, w.end_seconds, w.probability) for w in words)


def transcript_from_pb(
    text: str,
    words: Iterable[evidence_pb2.Word],
    language: str,
    language_probability: float,
    model: evidence_pb2.ModelInfo,
    untranscribed: Iterable[evidence_pb2.UntranscribedSpeech] = (),
) -> domain.Transcript:
    return domain.Transcript(
        text=text,
        words=words_from_pb(words),
        language=language,
        language_probability=language_probability,
        model_name=model.name,
        model_version=model.version,
        untranscribed=untranscribed_from_pb(untranscribed),
    )


def untranscribed_from_pb(
    speech: Iterable[evidence_pb2.UntranscribedSpeech],
) -> tuple[UntranscribedSpeech, ...]:
    return tuple(
        UntranscribedSpeech(s.language, s.language_probability, _range_from_pb(s.time_range))
        for s in speech
    )


def term_hit_from_pb(hit: evidence_pb2.TermHit) -> domain.TermHit:
    return domain.TermHit(
        term_id=hit.term_id,
        term=hit.term,
        list_id=hit.list_id,
        list_version=hit.list_version,
        # A severity newer than this service still counts as evidence, as unspecified.
        severity=_SEVERITY_FROM_PB.get(hit.severity, Severity.UNSPECIFIED),
        category=hit.category,
        span_start=hit.span.start,
        span_end=hit.span.end,
        matched_text=hit.matched_text,
        word_start_index=hit.word_start_index if hit.HasField("word_start_index") else None,
        word_end_index=hit.word_end_index if hit.HasField("word_end_index") else None,
        time_range=_range_from_pb(hit.time_range) if hit.HasField("time_range") else None,
        sound_confidence=hit.sound_confidence if hit.HasField("sound_confidence") else None,
    )


def similarity_match_from_pb(match: evidence_pb2.SimilarityMatch) -> domain.SimilarityMatch:
    return domain.SimilarityMatch(
        item_id=match.item_id,
        bank=match.bank,
        distance=match.distance,
        query_match_percent=match.query_match_percent,
        item_match_percent=match.item_match_percent,
        query_ranges=tuple(_range_from_pb(r) for r in match.query_ranges),
        item_ranges=tuple(_range_from_pb(r) for r in match.item_ranges),
        label=match.label,
        index_snapshot=match.index_snapshot,
        signal=match.signal,
    )


def case_to_pb(case: domain.Case) -> decision_pb2.Case:
    message = decision_pb2.Case(
        case_id=case.case_id,
        status=status_to_pb(case.status),
        priority=priority_to_pb(case.priority),
        media=media_ref(case.media),
        source=decision_pb2.Source(
            account_id=case.source.account_id,
            content_id=case.source.content_id,
            capture_time=to_timestamp(case.source.capture_time),
        ),
        statement_of_reasons=case.statement,
        error=case.error,
        created_at=to_timestamp(case.created_at),
        updated_at=to_timestamp(case.updated_at),
        actions=[
            decision_pb2.Action(
                action_id=a.action_id,
                type=_ACTION_TO_PB[a.type],
                actor=a.actor,
                reason=a.reason,
                created_at=to_timestamp(a.created_at),
                delivery_status=_DELIVERY_TO_PB[a.delivery],
            )
            for a in case.actions
        ],
        appeals=[appeal_to_pb(appeal) for appeal in case.appeals],
        attempts=case.attempts,
        tenant=case.tenant,
        live_clips=[live_clip_to_pb(clip) for clip in case.live_clips],
    )
    if case.next_attempt_at is not None:
        message.next_attempt_at.CopyFrom(to_timestamp(case.next_attempt_at))
    if case.rule is not None:
        message.rule.CopyFrom(rule_ref_to_pb(case.rule))
    if case.due_at is not None:
        message.due_at.CopyFrom(to_timestamp(case.due_at))
    if case.lease is not None:
        message.lease.CopyFrom(
            decision_pb2.Lease(
                holder=case.lease.holder, expires_at=to_timestamp(case.lease.expires_at)
            )
        )
    evidence = case.evidence
    if evidence is not None:
        if evidence.transcript is not None:
            message.transcript.CopyFrom(_transcript_to_pb(evidence.transcript))
        message.term_hits.extend(term_hit_to_pb(hit) for hit in evidence.term_hits)
        message.similarity_matches.extend(
            _similarity_match_to_pb(m) for m in evidence.similarity_matches
        )
        message.model_scores.extend(map(score_to_pb, evidence.model_scores))
        message.scores_missing = evidence.scores_missing
    return message


_APPEAL_TO_PB = {
    domain.AppealStatus.OPEN: decision_pb2.APPEAL_STATUS_OPEN,
    domain.AppealStatus.UPHELD: decision_pb2.APPEAL_STATUS_UPHELD,
    domain.AppealStatus.REJECTED: decision_pb2.APPEAL_STATUS_REJECTED,
}
_APPEAL_FROM_PB = {number: status for status, number in _APPEAL_TO_PB.items()}


def appeal_status_from_pb(number: decision_pb2.AppealStatus) -> domain.AppealStatus | None:
    if number == decision_pb2.APPEAL_STATUS_UNSPECIFIED:
        return None
    if number not in _APPEAL_FROM_PB:
        raise InvalidArgument(f"status {number} is not a known appeal status", field="status")
    return _APPEAL_FROM_PB[number]


def appeal_to_pb(appeal: domain.Appeal) -> decision_pb2.Appeal:
    message = decision_pb2.Appeal(
        appeal_id=appeal.appeal_id,
        case_id=appeal.case_id,
        action_id=appeal.action_id,
        appellant=appeal.appellant,
        statement=appeal.statement,
        status=_APPEAL_TO_PB[appeal.status],
        reviewer=appeal.reviewer,
        decision_reason=appeal.decision_reason,
        created_at=to_timestamp(appeal.created_at),
    )
    if appeal.decided_at is not None:
        message.decided_at.CopyFrom(to_timestamp(appeal.decided_at))
    return message


def queue_from_pb(number: decision_pb2.Queue) -> domain.Queue:
    if number == decision_pb2.QUEUE_PROTECTED:
        return domain.Queue.PROTECTED
    if number in (decision_pb2.QUEUE_UNSPECIFIED, decision_pb2.QUEUE_GENERAL):
        return domain.Queue.GENERAL
    raise InvalidArgument(f"queue {number} is not a known queue", field="queue")


def reviewer_from_pb(reviewer: decision_pb2.Reviewer) -> domain.Reviewer:
    return domain.Reviewer(
        reviewer.reviewer_id,
        frozenset(reviewer.languages),
        frozenset(reviewer.categories),
        reviewer.protected_queue,
    )


def reviewer_to_pb(reviewer: domain.Reviewer) -> decision_pb2.Reviewer:
    return decision_pb2.Reviewer(
        reviewer_id=reviewer.reviewer_id,
        languages=sorted(reviewer.languages),
        categories=sorted(reviewer.categories),
        protected_queue=reviewer.protected_queue,
    )


def account_from_pb(account: decision_pb2.Account) -> domain.Account:
    return domain.Account(account.account_id, frozenset(account.flags), account.protected)


def account_to_pb(account: domain.Account) -> decision_pb2.Account:
    return decision_pb2.Account(
        account_id=account.account_id, flags=sorted(account.flags), protected=account.protected
    )


def priority_to_pb(priority: domain.Priority | None) -> decision_pb2.Priority:
    return _PRIORITY_TO_PB[priority]


def rule_ref_to_pb(rule: domain.RuleRef) -> decision_pb2.RuleRef:
    return decision_pb2.RuleRef(rule_id=rule.rule_id, version=rule.version)


def rule_set_to_pb(published: PublishedRuleSet) -> decision_pb2.RuleSet:
    message = decision_pb2.RuleSet(
        version=published.rule_set.version,
        source=published.source,
        document_json=json.dumps(published.rule_set.document, sort_keys=True),
        actor=published.actor,
        reason=published.reason,
    )
    if published.created_at is not None:
        message.created_at.CopyFrom(to_timestamp(published.created_at))
    return message


def _range_from_pb(time_range: evidence_pb2.TimeRange) -> TimeRange:
    return TimeRange(time_range.start_seconds, time_range.end_seconds)


def _range_to_pb(time_range: TimeRange) -> evidence_pb2.TimeRange:
    return evidence_pb2.TimeRange(
        start_seconds=time_range.start_seconds, end_seconds=time_range.end_seconds
    )


def _transcript_to_pb(transcript: domain.Transcript) -> decision_pb2.Transcript:
    return decision_pb2.Transcript(
        text=transcript.text,
        words=words_to_pb(transcript.words),
        language=transcript.language,
        language_probability=transcript.language_probability,
        model=evidence_pb2.ModelInfo(name=transcript.model_name, version=transcript.model_version),
        untranscribed=untranscribed_to_pb(transcript.untranscribed),
    )


def untranscribed_to_pb(
    speech: Iterable[UntranscribedSpeech],
) -> list[evidence_pb2.UntranscribedSpeech]:
    return [
        evidence_pb2.UntranscribedSpeech(
            language=s.language,
            language_probability=s.language_probability,
            time_range=_range_to_pb(s.time_range),
        )
        for s in speech
    ]


def term_hit_to_pb(hit: domain.TermHit) -> evidence_pb2.TermHit:
    message = evidence_pb2.TermHit(
        term_id=hit.term_id,
        term=hit.term,
        list_id=hit.list_id,
        list_version=hit.list_version,
        severity=_SEVERITY_TO_PB[hit.severity],
        category=hit.category,
        span=evidence_pb2.TextSpan(start=hit.span_start, end=hit.span_end),
        matched_text=hit.matched_text,
    )
    if hit.word_start_index is not None:
        message.word_start_index = hit.word_start_index
    if hit.word_end_index is not None:
        message.word_end_index = hit.word_end_index
    if hit.time_range is not None:
        message.time_range.CopyFrom(_range_to_pb(hit.time_range))
    if hit.sound_confidence is not None:
        message.sound_confidence = hit.sound_confidence
    return message


def _similarity_match_to_pb(match: domain.SimilarityMatch) -> evidence_pb2.SimilarityMatch:
    return evidence_pb2.SimilarityMatch(
        item_id=match.item_id,
        bank=match.bank,
        distance=match.distance,
        query_match_percent=match.query_match_percent,
        item_match_percent=match.item_match_percent,
        query_ranges=[_range_to_pb(r) for r in match.query_ranges],
        item_ranges=[_range_to_pb(r) for r in match.item_ranges],
        label=match.label,
        index_snapshot=match.index_snapshot,
        signal=match.signal,
    )
