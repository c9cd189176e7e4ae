"""Whether decision's state tables agree with its audit log.

A chain that verifies proves only the log: whoever can write the database could still
change a case's status, delete an action or insert an appeal without an entry. This check
replays the log and holds the tables against it: every case's status is the status its
last entry that names one (details.status) gave it, every action has its
`action.recorded` entry with the same type and actor, every appeal its `appeal.filed`
entry and, once decided, an `appeal.decided` entry with its status; and every action or
appeal the log records is still in its table. Any writer that changes a case's status
names the new status in its entry's details.status, or this check reports the case.

The replay keeps one status per case and one line per action and appeal in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from modmesh.decision.domain import AppealStatus
from modmesh.decision.tables import ActionRow, AppealRow, CaseRow
from modmesh.runtime.audit import AuditEntry

#: What entries written before every status change named its status implied.
_IMPLIED_STATUS = {"case.submitted": "PROCESSING", "case.failed": "FAILED"}
#: (audited, in the table) pairs the log implies without an entry of their own: a RETRYING
#: case is taken up again when the next attempt its entry names is due, and that
#: attempt's end is audited.
_SCHEDULED = {("RETRYING", "PROCESSING")}


@dataclass
class _Replay:
    #: case id -> (status, id of the entry that set it)
    statuses: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: action id -> (type, actor, entry id)
    actions: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    #: appeal id -> (status, entry id); filed appeals are OPEN
    appeals: dict[str, tuple[str, int]] = field(default_factory=dict)

    def add(self, entry: AuditEntry) -> None:
        details = entry.details
        status = details.get("status", _IMPLIED_STATUS.get(entry.action))
        if entry.action == "action.recorded":
            self.actions[details["action_id"]] = (details["type"], entry.actor, entry.id)
        if entry.action == "appeal.filed":
            self.appeals[details["appeal_id"]] = (AppealStatus.OPEN.value, entry.id)
        elif entry.action == "appeal.decided":
            self.appeals[details["appeal_id"]] = (str(status), entry.id)
        elif isinstance(status, str) and not entry.subject.startswith(("streams/", "backfills/")):
            self.statuses[entry.subject] = (status, entry.id)


def disagreement(engine: Engine, entries: Iterable[AuditEntry]) -> str:
    """The first way the tables disagree with the log, in words ("" when they agree)."""
    replay = _Replay()
    for entry in entries:
        replay.add(entry)
    with engine.connect() as connection:
        for case_id, status in connection.execute(
            select(CaseRow.id, CaseRow.status).order_by(CaseRow.created_at, CaseRow.id)
        ):
            audited = replay.statuses.get(case_id)
            if audited is None:
                return f"case {case_id} is {status} but the audit log never records it"
            if audited[0] != status and (audited[0], status) not in _SCHEDULED:
                return (
                    f"case {case_id} is {status} but its last audited status is "
                    f"{audited[0]} (entry {audited[1]})"
                )
        seen: set[str] = set()
        for action_id, case_id, kind, actor in connection.execute(
            select(ActionRow.id, ActionRow.case_id, ActionRow.type, ActionRow.actor).order_by(
                ActionRow.created_at, ActionRow.id
            )
        ):
            seen.add(action_id)
            recorded = replay.actions.get(action_id)
            if recorded is None:
                return f"action {action_id} on case {case_id} has no audit entry"
            if recorded[:2] != (kind, actor):
                return (
                    f"action {action_id} on case {case_id} is {kind} by {actor} but entry "
                    f"{recorded[2]} records {recorded[0]} by {recorded[1]}"
                )
        missing = next((a for a in replay.actions if a not in seen), None)
        if missing is not None:
            return (
                f"action {missing} is audited (entry {replay.actions[missing][2]}) "
                "but not in the actions table"
            )
        seen.clear()
        for appeal_id, case_id, status in connection.execute(
            select(AppealRow.id, AppealRow.case_id, AppealRow.status).order_by(
                AppealRow.created_at, AppealRow.id
            )
        ):
            seen.add(appeal_id)
            filed = replay.appeals.get(appeal_id)
            if filed is None:
                return f"appeal {appeal_id} on case {case_id} has no audit entry"
            if filed[0] != status:
                return (
                    f"appeal {appeal_id} on case {case_id} is {status} but its last "
                    f"audited status is {filed[0]} (entry {filed[1]})"
                )
        gone = next((a for a in replay.appeals if a not in seen), None)
        if gone is not None:
            return (
                f"appeal {gone} is audited (entry {replay.appeals[gone][1]}) "
                "but not in the appeals table"
            )
    return ""
