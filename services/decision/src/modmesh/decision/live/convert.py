"""Translation of what a live stream's call sends into the wire contracts (the case
conversions, which live streams share, are in `modmesh.decision.convert`)."""

from __future__ import annotations

from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.decision import convert
from modmesh.decision.domain import LiveAction, LiveFlag, LiveUntranscribed


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
        rule=convert.rule_ref_to_pb(action.rule),
        statement_of_reasons=action.statement,
    )


def live_untranscribed_to_pb(
    heard: LiveUntranscribed,
) -> decision_pb2.LiveStreamUntranscribed:
    return decision_pb2.LiveStreamUntranscribed(
        speech=convert.untranscribed_to_pb(heard.speech), case_id=heard.case_id or ""
    )
