"""Model scores between scoring's wire format and decision's domain: the scoring service's
CategoryScore is decision's wire format too (Case.model_scores), so a case shows a score
exactly as scoring gave it."""

from __future__ import annotations

from modmesh.contracts.scoring.v1 import scoring_pb2
from modmesh.decision.domain import ModelScore, Neighbour, ScoreWindow


def score_from_pb(score: scoring_pb2.CategoryScore) -> ModelScore:
    window = score.window
    return ModelScore(
        model=score.model.model,
        score=score.score,
        model_version=score.model.version,
        set_id=score.set_id,
        set_version=score.set_version,
        category=score.category,
        threshold=score.threshold,
        window=ScoreWindow(
            window.char_start,
            window.char_end,
            window.word_start,
            window.word_end,
            window.start_seconds,
            window.end_seconds,
        ),
        nearest_positives=tuple(map(_neighbour_from_pb, score.nearest_positives)),
        nearest_negatives=tuple(map(_neighbour_from_pb, score.nearest_negatives)),
    )


def score_to_pb(score: ModelScore) -> scoring_pb2.CategoryScore:
    message = scoring_pb2.CategoryScore(
        model=scoring_pb2.ModelInfo(model=score.model, version=score.model_version),
        set_id=score.set_id,
        set_version=score.set_version,
        category=score.category,
        score=score.score,
        threshold=score.threshold,
        flagged=score.flagged,
        nearest_positives=map(_neighbour_to_pb, score.nearest_positives),
        nearest_negatives=map(_neighbour_to_pb, score.nearest_negatives),
    )
    if score.window is not None:
        w = score.window
        message.window.CopyFrom(
            scoring_pb2.Window(
                char_start=w.char_start,
                char_end=w.char_end,
                word_start=w.word_start,
                word_end=w.word_end,
                start_seconds=w.start_seconds,
                end_seconds=w.end_seconds,
            )
        )
    return message


def _neighbour_from_pb(neighbour: scoring_pb2.Neighbour) -> Neighbour:
    return Neighbour(
        neighbour.example_id,
        neighbour.text,
        neighbour.label == scoring_pb2.LABEL_POSITIVE,
        neighbour.similarity,
    )


def _neighbour_to_pb(neighbour: Neighbour) -> scoring_pb2.Neighbour:
    return scoring_pb2.Neighbour(
        example_id=neighbour.example_id,
        text=neighbour.text,
        label=scoring_pb2.LABEL_POSITIVE if neighbour.positive else scoring_pb2.LABEL_NEGATIVE,
        similarity=neighbour.similarity,
    )
