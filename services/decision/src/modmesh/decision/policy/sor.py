"""The statement of reasons for a decision, as the EU Digital Services Act asks for one
(Art. 17 DSA; the fields follow the DSA Transparency Database's statements of reasons):
the decision and its scope, the facts and circumstances, the ground it rests on, the
automated means used, and the redress open to the account.

Built from the case alone, so the export says exactly what the case record says.
"""

from __future__ import annotations

from typing import Any

from modmesh.decision.domain import CARRIED_OUT, Action, ActionType, AppealStatus, Case

SCHEMA = "modmesh.statement-of-reasons/v1"

_RESTRICTION = {
    ActionType.REMOVE_CONTENT: "DECISION_VISIBILITY_CONTENT_REMOVED",
    ActionType.NO_VIOLATION: None,
    ActionType.ESCALATE: None,
    # The broadcast is cut off; its recording, if any, is the platform's to keep or not.
    ActionType.END_STREAM: "DECISION_VISIBILITY_CONTENT_DISABLED",
}


def _automated(action: Action | None) -> str:
    if action is None:
        return "AUTOMATED_DECISION_NOT_YET_DECIDED"
    if action.actor.startswith("rule:"):
        return "AUTOMATED_DECISION_FULLY"
    return "AUTOMATED_DECISION_NOT_AUTOMATED"


def statement_of_reasons(case: Case) -> dict[str, Any]:
    """The statement for the case's latest decision (or its state when none is taken)."""
    decisions = [a for a in case.actions if a.type is not ActionType.ESCALATE]
    action = decisions[-1] if decisions else None
    evidence = case.evidence
    tools: list[dict[str, Any]] = []
    if evidence is not None:
        if evidence.transcript is not None and evidence.transcript.model_name:
            tools.append(
                {
                    "kind": "speech recognition",
                    "model": evidence.transcript.model_name,
                    "version": evidence.transcript.model_version,
                }
            )
        lists = sorted({(hit.list_id, hit.list_version) for hit in evidence.term_hits})
        tools += [
            {"kind": "term list", "list_id": list_id, "version": version}
            for list_id, version in lists
        ]
        banks = sorted({(m.bank, m.index_snapshot) for m in evidence.similarity_matches})
        tools += [
            {"kind": "similarity bank", "bank": bank, "index_snapshot": snapshot}
            for bank, snapshot in banks
        ]
        models = sorted(
            {(s.model, s.model_version, s.set_id, s.set_version) for s in evidence.model_scores}
        )
        tools += [
            {
                "kind": "classifier",
                "model": model,
                "version": version,
                "example_set": set_id,
                "example_set_version": set_version,
            }
            for model, version, set_id, set_version in models
        ]
    appeal = next((a for a in case.appeals if action and a.action_id == action.action_id), None)
    return {
        "schema": SCHEMA,
        "case_id": case.case_id,
        "decision": {
            "action_id": None if action is None else action.action_id,
            "type": None if action is None else action.type.value,
            "decision_visibility": None if action is None else _RESTRICTION[action.type],
            "decided_at": None if action is None else action.created_at.isoformat(),
            "case_status": case.status.value,
        },
        "content": {
            "content_id": case.source.content_id,
            "account_id": case.source.account_id,
            "media_sha256": case.media.sha256,
            "content_type": case.media.mime_type,
            "content_date": case.source.capture_time.isoformat(),
        },
        "facts_and_circumstances": case.statement,
        "ground": {
            "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
            "incompatible_content_ground": None if action is None else action.reason,
            "rule": None
            if case.rule is None
            else {"rule_id": case.rule.rule_id, "rule_set_version": case.rule.version},
        },
        "automated_means": {
            "automated_detection": evidence is not None,
            "automated_decision": _automated(action),
            "detection_tools": tools,
            "source_type": "SOURCE_VOLUNTARY",
        },
        "redress": {
            "internal_complaint_handling": {
                "available": action is not None and action.type in CARRIED_OUT,
                "how": f"appeal case {case.case_id}; a different reviewer decides",
                "appeal": None
                if appeal is None
                else {
                    "appeal_id": appeal.appeal_id,
                    "status": appeal.status.value,
                    "reversed": appeal.status is AppealStatus.UPHELD,
                    "reason": appeal.decision_reason,
                },
            },
            "out_of_court_dispute_settlement": True,
            "judicial_redress": True,
        },
    }
