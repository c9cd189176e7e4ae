"""The decision service's own vocabulary: cases, evidence and outcomes as plain data.

Nothing here imports grpc or protobuf, so rules and storage can be read and tested
without the wire format; `modmesh.decision.convert` translates at the edges.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from modmesh.contracts.evidence import Severity, TimeRange, UntranscribedSpeech, Word
from modmesh.runtime.blobs import Blob


class Priority(enum.IntEnum):
    """How soon a reviewer should look; stored as its number so SQL can sort by it."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    URGENT = 4


class CaseStatus(enum.Enum):
    PROCESSING = "PROCESSING"
    OPEN = "OPEN"
    NO_EVIDENCE = "NO_EVIDENCE"
    #: There was evidence, but the operator's rules ignore it (or no rule applies).
    DISMISSED = "DISMISSED"
    CLOSED = "CLOSED"
    FAILED = "FAILED"
    RETRYING = "RETRYING"  # an engine was unavailable; analysed again at next_attempt_at


class ActionType(enum.Enum):
    NO_VIOLATION = "NO_VIOLATION"
    REMOVE_CONTENT = "REMOVE_CONTENT"
    ESCALATE = "ESCALATE"
    #: A live stream is ended under the policy named in the reason.
    END_STREAM = "END_STREAM"


#: Actions against the content that the platform carries out (through the outbox and the
#: action adapter); each one needs a policy reason and can be appealed.
CARRIED_OUT = frozenset({ActionType.REMOVE_CONTENT, ActionType.END_STREAM})


@dataclass(frozen=True)
class Transcript:
    text: str = ""
    words: tuple[Word, ...] = ()
    #: For routing to a reviewer who speaks it; never evidence.
    language: str = ""
    language_probability: float = 0.0
    model_name: str = ""
    model_version: str = ""
    #: Speech in languages the recogniser does not transcribe (no words): for a reviewer
    #: who speaks it.
    untranscribed: tuple[UntranscribedSpeech, ...] = ()


@dataclass(frozen=True)
class TermHit:
    term_id: str
    term: str
    list_id: str
    list_version: int
    severity: Severity
    category: str
    span_start: int
    span_end: int
    matched_text: str
    word_start_index: int | None = None
    word_end_index: int | None = None
    time_range: TimeRange | None = None
    #: Set only for a hit by sound: the words heard (matched_text) only sound like the
    #: term; how close they are in spelling, below 1. Rules count it where they say so.
    sound_confidence: float | None = None


@dataclass(frozen=True)
class SimilarityMatch:
    item_id: str
    bank: str
    distance: int
    query_match_percent: float
    item_match_percent: float
    query_ranges: tuple[TimeRange, ...] = ()
    item_ranges: tuple[TimeRange, ...] = ()
    label: str = ""
    index_snapshot: str = ""
    #: What matched: "pdq" (video frames, images) or "audio" (an audio fingerprint);
    #: "" in evidence recorded before the similarity service said.
    signal: str = ""


@dataclass(frozen=True)
class Neighbour:
    """A labelled example of the scoring set near the window that scored."""

    example_id: str
    text: str
    #: The example stands for the category (else it is a counter-example).
    positive: bool
    #: Cosine similarity to the window, in [-1, 1].
    similarity: float


@dataclass(frozen=True)
class ScoreWindow:
    """The words that scored: characters and words [start, end) of the transcript's
    words joined by single spaces, and their time in the media."""

    char_start: int
    char_end: int
    word_start: int
    word_end: int
    start_seconds: float
    end_seconds: float


@dataclass(frozen=True)
class ModelScore:
    """A model's score in [0, 1] for one category of an operator's example set, from the
    scoring service: the transcript's window that scored highest and the examples it
    resembles. Rules may use it; none needs it. Scores stored before the scoring service
    carry only a model and a score."""

    model: str
    score: float
    model_version: str = ""
    set_id: str = ""
    set_version: int = 0
    category: str = ""
    threshold: float = 0.0
    window: ScoreWindow | None = None
    nearest_positives: tuple[Neighbour, ...] = ()
    nearest_negatives: tuple[Neighbour, ...] = ()

    @property
    def flagged(self) -> bool:
        """The score reaches its category's threshold (scores without one never do)."""
        return bool(self.category) and self.score >= self.threshold


@dataclass(frozen=True)
class Evidence:
    """Everything the engines said about one item."""

    transcript: Transcript | None = None
    term_hits: tuple[TermHit, ...] = ()
    similarity_matches: tuple[SimilarityMatch, ...] = ()
    model_scores: tuple[ModelScore, ...] = ()
    #: Why the transcript has no scores although it has words (scoring failed or is
    #: down): a case is never held for a score (README, "Model scores").
    scores_missing: str = ""


@dataclass(frozen=True)
class RuleRef:
    rule_id: str
    version: int


@dataclass(frozen=True)
class Outcome:
    """What a rule decided: the case's status, its priority when queued, and why."""

    status: CaseStatus
    priority: Priority | None
    rule: RuleRef
    statement: str


@dataclass(frozen=True)
class Source:
    account_id: str
    content_id: str
    capture_time: datetime


class DeliveryStatus(enum.Enum):
    """Where an action stands with the platform that carries it out (through an adapter)."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    #: Every attempt failed; an operator must look (the dead-letter queue).
    DEAD = "DEAD"


@dataclass(frozen=True)
class Action:
    action_id: str
    type: ActionType
    actor: str
    reason: str
    created_at: datetime
    #: None for decisions that need nothing done outside (no violation, escalation).
    delivery: DeliveryStatus | None = None


class AppealStatus(enum.Enum):
    OPEN = "OPEN"
    #: The action was wrong and is reversed.
    UPHELD = "UPHELD"
    #: The action stands.
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class Appeal:
    appeal_id: str
    case_id: str
    action_id: str
    #: The affected account.
    appellant: str
    statement: str
    status: AppealStatus
    created_at: datetime
    #: The reviewer who decided it (never the one who took the action) and why.
    reviewer: str = ""
    decision_reason: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Lease:
    """A reviewer's exclusive hold on a case until `expires_at`."""

    holder: str
    expires_at: datetime


class CaseSource(enum.Enum):
    """Where a case's media came from."""

    #: A file submitted for moderation.
    RECORDED = "RECORDED"
    #: A live stream (the case's content id is the stream id).
    LIVE = "LIVE"
    #: A retroactive scan of stored transcripts (the case has `retro_of`).
    BACKFILL = "BACKFILL"


#: The scheme of a live stream's case media: live audio is not stored, so the case points
#: at the stream ("live:<stream id>"), not at a blob.
LIVE_MEDIA_SCHEME = "live:"


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a listing keeps; an empty field keeps every case."""

    #: A category of the case's term hits.
    category: str = ""
    #: A list of the case's term hits.
    list_id: str = ""
    #: The transcript's language, or a language of its untranscribed speech.
    language: str = ""
    source: CaseSource | None = None
    account_id: str = ""


#: The filter that keeps every case.
EVERY_CASE = CaseFilter()


class Queue(enum.Enum):
    GENERAL = "GENERAL"
    #: Cases of protected accounts, seen only by reviewers cleared for them.
    PROTECTED = "PROTECTED"


@dataclass(frozen=True)
class Reviewer:
    reviewer_id: str
    #: Transcript languages the reviewer reads; empty means any.
    languages: frozenset[str] = frozenset()
    #: Term categories the reviewer judges; empty means any.
    categories: frozenset[str] = frozenset()
    #: Whether the reviewer works the protected accounts' queue.
    protected_queue: bool = False


@dataclass(frozen=True)
class Account:
    account_id: str
    #: Operator flags rules can use (e.g. "repeat-offender").
    flags: frozenset[str] = frozenset()
    #: Cases of a protected account go only to the protected queue.
    protected: bool = False


@dataclass(frozen=True)
class Case:
    case_id: str
    status: CaseStatus
    priority: Priority | None
    media: Blob
    source: Source
    evidence: Evidence | None
    rule: RuleRef | None
    statement: str
    error: str
    created_at: datetime
    updated_at: datetime
    actions: tuple[Action, ...] = field(default=())
    #: When a queued case should have been reviewed, by its rule's SLA.
    due_at: datetime | None = None
    lease: Lease | None = None
    appeals: tuple[Appeal, ...] = ()
    #: For a case a retroactive scan found: the case of the same item it was found in.
    retro_of: str | None = None
    next_attempt_at: datetime | None = None  # when a RETRYING case is analysed again
    attempts: int = 0  # analyses an unavailable engine failed (since an operator's retry)
    #: The credential that submitted the case (see modmesh.runtime.tenancy).
    tenant: str = ""
    #: A live stream's case: the clips kept around its flags, in flag order.
    live_clips: tuple[LiveClip, ...] = ()


@dataclass(frozen=True)
class LiveStream:
    """A live stream as a ModerateStream call finds it when it opens."""

    stream_id: str
    account_id: str
    #: When offset 0 was on air (the first call's, kept across resumes).
    start_time: datetime
    #: Every flag for the audio before this offset is stored and was sent.
    moderated_seconds: float
    last_flag_sequence: int
    #: True when the id was opened before: this call resumes it.
    resumed: bool
    #: The hits flagged so far, so a resumed call does not flag them again.
    flagged: tuple[TermHit, ...] = ()


@dataclass(frozen=True)
class LiveFlag:
    """A listed term spoken in a live stream; `sequence` numbers it within the stream."""

    sequence: int
    #: Its span and word indexes refer to `context` (the words joined by single spaces).
    hit: TermHit
    context: tuple[Word, ...]
    #: The stream's case, once a rule has queued or acted on its evidence.
    case_id: str | None = None


@dataclass(frozen=True)
class LiveClip:
    """The audio kept around a live flag: a WAV file in the mesh's blob store."""

    flag_sequence: int
    media: Blob
    #: The stream offsets it covers: its second 0 is stream offset `time_range.start_seconds`.
    time_range: TimeRange


@dataclass(frozen=True)
class LiveUntranscribed:
    """Speech a live stream spoke in a language transcription does not transcribe."""

    speech: tuple[UntranscribedSpeech, ...]
    #: The stream's case, once one records its evidence.
    case_id: str | None = None


@dataclass(frozen=True)
class LiveAction:
    """An action on a live stream: a rule's, taken by itself, or a moderator's END_STREAM
    on the stream's case (then `rule` is None and `statement` the policy named)."""

    type: ActionType
    case_id: str
    rule: RuleRef | None
    statement: str
