"""Translation of what a live stream's call sends, and of the live wall
(ListLiveStreams), into the wire contracts (the case conversions, which live streams
share, are in `modmesh.decision.convert`)."""

from __future__ import annotations

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.timestamps import to_timestamp
from modmesh.decision import convert
from modmesh.decision.domain import LiveAction, LiveFlag, LiveUntranscribed
from modmesh.decision.live.wall import LiveWall, WallStream


def live_flag_to_pb(flag: LiveFlag) -> decision_pb2.LiveStreamFlag:
    return decision_pb2.LiveStreamFlag(
        sequence=flag.sequence,
        hit=convert.term_hit_to_pb(flag.hit),
        context=convert.words_to_pb(flag.context),
        case_id=flag.case_id or "",
    )


def live_action_to_pb(action: LiveAction) -> decision_pb2.LiveStreamAction:
    return decision_pb2.LiveStreamAction(
        type=convert.action_type_to_pb(action.type),
        case_id=action.case_id,
        rule=None if action.rule is None else convert.rule_ref_to_pb(action.rule),
        statement_of_reasons=action.statement,
    )


def live_untranscribed_to_pb(
    heard: LiveUntranscribed,
) -> decision_pb2.LiveStreamUntranscribed:
    return decision_pb2.LiveStreamUntranscribed(
        speech=convert.untranscribed_to_pb(heard.speech), case_id=heard.case_id or ""
    )


def wall_to_pb(wall: LiveWall) -> decision_pb2.ListLiveStreamsResponse:
    return decision_pb2.ListLiveStreamsResponse(
        streams=[_stream_to_pb(stream) for stream in wall.streams],
        total_streams=wall.total_streams,
        flags=[
            decision_pb2.LiveWallFlag(
                flag_id=flag.flag_id,
                stream_id=flag.stream_id,
                flag=live_flag_to_pb(flag.flag),
                flagged_at=to_timestamp(flag.flagged_at),
            )
            for flag in wall.flags
        ],
        next_after_flag_id=wall.next_after_flag_id,
    )


def _stream_to_pb(stream: WallStream) -> decision_pb2.LiveStream:
    message = decision_pb2.LiveStream(
        stream_id=stream.stream_id,
        account_id=stream.account_id,
        start_time=to_timestamp(stream.start_time),
        moderated_seconds=stream.moderated_seconds,
        case_id=stream.case_id or "",
        flag_count=stream.flag_count,
        connected=stream.connected,
    )
    if stream.ended_at is not None:
        message.ended_at.CopyFrom(to_timestamp(stream.ended_at))
    return message
