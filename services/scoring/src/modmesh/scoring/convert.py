"""Conversions between scoring's domain types and its protobuf messages."""

from __future__ import annotations

from modmesh.contracts.scoring.v1 import scoring_pb2 as pb
from modmesh.contracts.timestamps import to_timestamp
from modmesh.scoring.domain import (
    CategoryScore,
    Example,
    ExampleSet,
    Label,
    ModelInfo,
    Neighbour,
    Scored,
    Window,
)


def example_from_pb(message: pb.Example) -> Example:
    # An enum value this release does not know reads as unspecified, which sets.py refuses
    # naming the field, rather than failing the call.
    known = message.label in {label.value for label in Label}
    label = Label(message.label) if known else Label.UNSPECIFIED
    return Example(message.example_id, message.text, message.category, label, message.note)


def example_to_pb(example: Example) -> pb.Example:
    return pb.Example(
        example_id=example.example_id,
        text=example.text,
        category=example.category,
        label=pb.Label.ValueType(example.label),
        note=example.note,
    )


def thresholds_from_pb(messages: list[pb.CategoryThreshold]) -> dict[str, float]:
    return {message.category: message.threshold for message in messages}


def summary_to_pb(example_set: ExampleSet) -> pb.ExampleSetSummary:
    return pb.ExampleSetSummary(
        set_id=example_set.set_id,
        name=example_set.name,
        version=example_set.version,
        example_count=len(example_set.examples),
    )


def set_to_pb(example_set: ExampleSet) -> pb.ExampleSet:
    return pb.ExampleSet(
        set_id=example_set.set_id,
        name=example_set.name,
        description=example_set.description,
        version=example_set.version,
        examples=[example_to_pb(example) for example in example_set.examples],
        thresholds=[
            pb.CategoryThreshold(category=category, threshold=threshold)
            for category, threshold in sorted(example_set.thresholds.items())
        ],
        created_at=to_timestamp(example_set.created_at),
        updated_at=to_timestamp(example_set.updated_at),
        example_count=len(example_set.examples),
    )


def model_to_pb(model: ModelInfo) -> pb.ModelInfo:
    return pb.ModelInfo(model=model.model, version=model.version)


def _window_to_pb(window: Window) -> pb.Window:
    return pb.Window(
        char_start=window.char_start,
        char_end=window.char_end,
        word_start=window.word_start,
        word_end=window.word_end,
        start_seconds=window.start_seconds,
        end_seconds=window.end_seconds,
    )


def _neighbour_to_pb(neighbour: Neighbour) -> pb.Neighbour:
    example = neighbour.example
    return pb.Neighbour(
        example_id=example.example_id,
        text=example.text,
        label=pb.Label.ValueType(example.label),
        similarity=neighbour.similarity,
    )


def score_to_pb(score: CategoryScore) -> pb.CategoryScore:
    return pb.CategoryScore(
        model=model_to_pb(score.model),
        set_id=score.set_id,
        set_version=score.set_version,
        category=score.category,
        score=score.score,
        threshold=score.threshold,
        flagged=score.flagged,
        window=_window_to_pb(score.window),
        nearest_positives=[_neighbour_to_pb(n) for n in score.nearest_positives],
        nearest_negatives=[_neighbour_to_pb(n) for n in score.nearest_negatives],
    )


def scored_to_pb(scored: Scored) -> pb.ScoreResponse:
    return pb.ScoreResponse(
        scores=[score_to_pb(score) for score in scored.scores],
        text=scored.text,
        sets=[summary_to_pb(example_set) for example_set in scored.sets],
        model=model_to_pb(scored.model),
        warnings=scored.warnings,
    )
