"""The live wall on the wire (ListLiveStreams); the flags inside it as ModerateStream
sends them (modmesh.decision.convert)."""

from __future__ import annotations

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.timestamps import to_timestamp
from modmesh.decision.convert import live_flag_to_pb
from modmesh.decision.live.wall import LiveWall, WallStream


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
