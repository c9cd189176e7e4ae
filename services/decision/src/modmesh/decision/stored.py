"""How the decision service stores evidence: its domain types as JSON, in case rows,
transcript windows and live flags. Readers accept what earlier releases wrote (fields
added since default)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from modmesh.contracts.evidence import Severity, TimeRange, UntranscribedSpeech, Word
from modmesh.decision.domain import (
    Evidence,
    ModelScore,
    Neighbour,
    ScoreWindow,
    SimilarityMatch,
    TermHit,
    Transcript,
)


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    transcript = evidence.transcript
    return {
        "transcript": None if transcript is None else transcript_json(transcript),
        "term_hits": [term_hit_json(hit) for hit in evidence.term_hits],
        "similarity_matches": [_match_json(match) for match in evidence.similarity_matches],
        "model_scores": [score_json(score) for score in evidence.model_scores],
        "scores_missing": evidence.scores_missing,
    }


def evidence_from_json(data: dict[str, Any]) -> Evidence:
    transcript = data.get("transcript")
    return Evidence(
        transcript=None if transcript is None else transcript_from_json(transcript),
        term_hits=tuple(term_hit_from_json(hit) for hit in data.get("term_hits", [])),
        similarity_matches=tuple(
            _match_from(match) for match in data.get("similarity_matches", [])
        ),
        model_scores=tuple(map(score_from_json, data.get("model_scores", []))),
        scores_missing=data.get("scores_missing", ""),
    )


def score_json(score: ModelScore) -> dict[str, Any]:
    window = score.window
    return {
        "model": score.model,
        "model_version": score.model_version,
        "score": score.score,
        "set": [score.set_id, score.set_version],
        "category": score.category,
        "threshold": score.threshold,
        "window": None
        if window is None
        else [
            window.char_start,
            window.char_end,
            window.word_start,
            window.word_end,
            window.start_seconds,
            window.end_seconds,
        ],
        "nearest_positives": [_neighbour_json(n) for n in score.nearest_positives],
        "nearest_negatives": [_neighbour_json(n) for n in score.nearest_negatives],
    }


def score_from_json(data: dict[str, Any] | list[Any]) -> ModelScore:
    if isinstance(data, list):  # [model, score]: stored before the scoring service
        return ModelScore(str(data[0]), float(data[1]))
    window = data["window"]
    return ModelScore(
        model=data["model"],
        score=float(data["score"]),
        model_version=data["model_version"],
        set_id=data["set"][0],
        set_version=int(data["set"][1]),
        category=data["category"],
        threshold=float(data["threshold"]),
        window=None
        if window is None
        else ScoreWindow(
            int(window[0]),
            int(window[1]),
            int(window[2]),
            int(window[3]),
            float(window[4]),
            float(window[5]),
        ),
        nearest_positives=tuple(map(_neighbour_from, data["nearest_positives"])),
        nearest_negatives=tuple(map(_neighbour_from, data["nearest_negatives"])),
    )


def _neighbour_json(neighbour: Neighbour) -> list[Any]:
    return [neighbour.example_id, neighbour.text, neighbour.positive, neighbour.similarity]


def _neighbour_from(data: list[Any]) -> Neighbour:
    return Neighbour(str(data[0]), str(data[1]), bool(data[2]), float(data[3]))


def _range_json(time_range: TimeRange) -> list[float]:
    return [time_range.start_seconds, time_range.end_seconds]


def _range_from(data: list[float]) -> TimeRange:
    return TimeRange(float(data[0]), float(data[1]))


def words_json(words: Sequence[Word]) -> list[list[Any]]:
    return [[word.text, word.start_seconds, word.end_seconds, word.probability] for word in words]


def words_from_json(data: Sequence[Sequence[Any]]) -> tuple[Word, ...]:
    return tuple(Word(w[0], float(w[1]), float(w[2]), float(w[3])) for w in data)


def transcript_json(transcript: Transcript) -> dict[str, Any]:
    return {
        "text": transcript.text,
        "words": words_json(transcript.words),
        "language": transcript.language,
        "language_probability": transcript.language_probability,
        "model_name": transcript.model_name,
        "model_version": transcript.model_version,
        "untranscribed": [untranscribed_json(speech) for speech in transcript.untranscribed],
    }


def untranscribed_json(speech: UntranscribedSpeech) -> dict[str, Any]:
    return {
        "language": speech.language,
        "language_probability": speech.language_probability,
        "time_range": _range_json(speech.time_range),
    }


def untranscribed_from_json(data: dict[str, Any]) -> UntranscribedSpeech:
    return UntranscribedSpeech(
        data["language"], float(data["language_probability"]), _range_from(data["time_range"])
    )


def transcript_from_json(data: dict[str, Any]) -> Transcript:
    return Transcript(
        text=data["text"],
        words=words_from_json(data["words"]),
        language=data["language"],
        language_probability=float(data["language_probability"]),
        model_name=data["model_name"],
        model_version=data["model_version"],
        # Transcripts stored before language identification have none.
        untranscribed=tuple(map(untranscribed_from_json, data.get("untranscribed", ()))),
    )


def term_hit_json(hit: TermHit) -> dict[str, Any]:
    return {
        "term_id": hit.term_id,
        "term": hit.term,
        "list_id": hit.list_id,
        "list_version": hit.list_version,
        "severity": hit.severity.name,
        "category": hit.category,
        "span": [hit.span_start, hit.span_end],
        "matched_text": hit.matched_text,
        "word_start_index": hit.word_start_index,
        "word_end_index": hit.word_end_index,
        "time_range": None if hit.time_range is None else _range_json(hit.time_range),
        "sound_confidence": hit.sound_confidence,
    }


def term_hit_from_json(data: dict[str, Any]) -> TermHit:
    return TermHit(
        term_id=data["term_id"],
        term=data["term"],
        list_id=data["list_id"],
        list_version=int(data["list_version"]),
        severity=Severity[data["severity"]],
        category=data["category"],
        span_start=int(data["span"][0]),
        span_end=int(data["span"][1]),
        matched_text=data["matched_text"],
        word_start_index=data["word_start_index"],
        word_end_index=data["word_end_index"],
        time_range=None if data["time_range"] is None else _range_from(data["time_range"]),
        sound_confidence=data.get("sound_confidence"),  # absent in hits stored before it
    )


def _match_json(match: SimilarityMatch) -> dict[str, Any]:
    return {
        "item_id": match.item_id,
        "bank": match.bank,
        "distance": match.distance,
        "query_match_percent": match.query_match_percent,
        "item_match_percent": match.item_match_percent,
        "query_ranges": [_range_json(r) for r in match.query_ranges],
        "item_ranges": [_range_json(r) for r in match.item_ranges],
        "label": match.label,
        "index_snapshot": match.index_snapshot,
        "signal": match.signal,
    }


def _match_from(data: dict[str, Any]) -> SimilarityMatch:
    return SimilarityMatch(
        item_id=data["item_id"],
        bank=data["bank"],
        distance=int(data["distance"]),
        query_match_percent=float(data["query_match_percent"]),
        item_match_percent=float(data["item_match_percent"]),
        query_ranges=tuple(_range_from(r) for r in data["query_ranges"]),
        item_ranges=tuple(_range_from(r) for r in data["item_ranges"]),
        label=data["label"],
        index_snapshot=data["index_snapshot"],
        signal=data.get("signal", ""),  # absent in evidence stored before it existed
    )
