"""How the console shows the services' messages: names for enums, times for people,
and a case's transcript cut into words a player can follow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.timestamp_pb2 import Timestamp

from modmesh.contracts.common.v1 import evidence_pb2
from modmesh.contracts.decision.v1 import decision_pb2
from modmesh.contracts.termmatch.v1 import termmatch_pb2

#: How decision names the media of a live stream's case: there is no file, only clips.
LIVE_MEDIA_SCHEME = "live:"

#: The enums pages show, by the name templates give them, with each one's prefix.
ENUMS: dict[str, tuple[EnumTypeWrapper, str]] = {
    "status": (decision_pb2.CaseStatus, "CASE_STATUS_"),
    "priority": (decision_pb2.Priority, "PRIORITY_"),
    "action": (decision_pb2.ActionType, "ACTION_TYPE_"),
    "appeal": (decision_pb2.AppealStatus, "APPEAL_STATUS_"),
    "severity": (evidence_pb2.Severity, "SEVERITY_"),
    "edit": (termmatch_pb2.ListEdit, "LIST_EDIT_"),
    "change": (termmatch_pb2.TermChangeKind, "TERM_CHANGE_KIND_"),
}


def label(name: str) -> str:
    """ "NO_VIOLATION" -> "no violation"."""
    return name.replace("_", " ").lower()


def named(value: int, enum: str) -> str:
    """An enum field's value as a word: named(2, "priority") -> "medium"."""
    wrapper, prefix = ENUMS[enum]
    return label(wrapper.Name(value).removeprefix(prefix))


def moment(stamp: Timestamp) -> datetime | None:
    """A set timestamp as an aware datetime; None where the field is unset."""
    if not stamp.seconds and not stamp.nanos:
        return None
    when: datetime = stamp.ToDatetime(tzinfo=UTC)
    return when


def iso(stamp: Timestamp) -> str:
    when = moment(stamp)
    return when.isoformat(timespec="seconds") if when else ""


def clock(seconds: float) -> str:
    """A media offset as m:ss.s, as a player shows it."""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def ago(stamp: Timestamp, now: datetime | None = None) -> str:
    when = moment(stamp)
    if when is None:
        return ""
    seconds = int(((now or datetime.now(UTC)) - when).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{max(seconds, 0)} s"


FILTERS: dict[str, Any] = {"label": label, "named": named, "iso": iso, "clock": clock, "ago": ago}


@dataclass(frozen=True)
class ShownWord:
    index: int
    text: str
    start: float
    end: float
    #: Indexes into the case's term hits of the hits covering this word.
    hits: tuple[int, ...]


def transcript_words(case: decision_pb2.Case) -> list[ShownWord]:
    """The transcript's words, each knowing the hits that cover it, so the page can
    highlight a hit's words and seek the player to them."""
    covering: dict[int, list[int]] = {}
    for number, hit in enumerate(case.term_hits):
        if hit.HasField("word_start_index") and hit.HasField("word_end_index"):
            for index in range(hit.word_start_index, hit.word_end_index + 1):
                covering.setdefault(index, []).append(number)
    return [
        ShownWord(i, w.text, w.start_seconds, w.end_seconds, tuple(covering.get(i, ())))
        for i, w in enumerate(case.transcript.words)
    ]


def hit_start(hit: evidence_pb2.TermHit) -> float | None:
    return hit.time_range.start_seconds if hit.HasField("time_range") else None


def is_video(case: decision_pb2.Case) -> bool:
    return case.media.mime_type.startswith("video/")


def is_live(case: decision_pb2.Case) -> bool:
    """A live stream's case: its evidence is the clips kept around its flags."""
    return case.media.uri.startswith(LIVE_MEDIA_SCHEME)
