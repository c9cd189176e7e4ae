"""The scoring domain types, free of protobuf and of the model, so that the core is used
and tested on its own; the servicer translates them to and from the wire."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

#: A category's threshold where its set names none: scores are calibrated probabilities.
DEFAULT_THRESHOLD = 0.5


class Label(IntEnum):
    """Which side of its category an example stands on; values mirror the wire enum."""

    UNSPECIFIED = 0
    POSITIVE = 1
    #: A counter-example: shares the category's words, not its meaning.
    NEGATIVE = 2


@dataclass(frozen=True, slots=True)
class Example:
    example_id: str
    text: str
    category: str
    label: Label
    note: str = ""


@dataclass(frozen=True)
class ExampleSet:
    """An operator's example set at one version; versions are immutable."""

    set_id: str
    version: int
    name: str
    description: str
    examples: tuple[Example, ...]
    #: Per category; categories not named use DEFAULT_THRESHOLD.
    thresholds: Mapping[str, float]
    created_at: datetime
    updated_at: datetime

    def threshold(self, category: str) -> float:
        return self.thresholds.get(category, DEFAULT_THRESHOLD)

    @property
    def categories(self) -> list[str]:
        return sorted({example.category for example in self.examples})


@dataclass(frozen=True)
class ModelInfo:
    """The embedding model that scored: its name, and its weights' version."""

    model: str
    version: str


@dataclass(frozen=True)
class Window:
    """The words [word_start, word_end) that scored, as characters [char_start, char_end)
    of the scored text, and their time range (zero for plain text)."""

    char_start: int
    char_end: int
    word_start: int
    word_end: int
    start_seconds: float = 0.0
    end_seconds: float = 0.0


@dataclass(frozen=True)
class Neighbour:
    """An example near a window: cosine similarity of their embeddings."""

    example: Example
    similarity: float


@dataclass(frozen=True)
class CategoryScore:
    """A category's score: its highest window, calibrated, with the examples nearest it."""

    model: ModelInfo
    set_id: str
    set_version: int
    category: str
    score: float
    threshold: float
    window: Window
    nearest_positives: tuple[Neighbour, ...]
    nearest_negatives: tuple[Neighbour, ...]

    @property
    def flagged(self) -> bool:
        return self.score >= self.threshold


@dataclass(frozen=True)
class Scored:
    """What Score answers: the categories' scores, highest first, over `text`."""

    scores: tuple[CategoryScore, ...]
    text: str
    sets: tuple[ExampleSet, ...]
    model: ModelInfo
    #: What the caller should know about scores it did not get (text the model cannot read).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edit:
    """An edit accepted: the set at its new version, what it added, and what was
    accepted but should be looked at (duplicates dropped)."""

    example_set: ExampleSet
    added: tuple[Example, ...]
    warnings: tuple[str, ...]
