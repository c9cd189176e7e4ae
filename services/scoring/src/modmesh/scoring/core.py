"""Scoring over example sets: each set embedded and calibrated once per version, every
text cut into windows, each window's similarity to each example, and per category the
window that scored highest, with its nearest examples.

The nearest examples are found exactly, with one matrix product per request: a set holds
at most MAX_EXAMPLES sentences, and a product of a transcript's windows with all of them
costs less than embedding the windows does (docs/adr/0008-scoring-service.md).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from modmesh.contracts.evidence import Word
from modmesh.runtime.errors import InvalidArgument, NotFound
from modmesh.scoring import calibration, sets
from modmesh.scoring.calibration import Calibration
from modmesh.scoring.domain import (
    CategoryScore,
    Edit,
    Example,
    ExampleSet,
    Label,
    Neighbour,
    Scored,
)
from modmesh.scoring.embedding import Encoder, Vectors
from modmesh.scoring.scripts import unreadable_scripts
from modmesh.scoring.store import ExampleStore, SetChange
from modmesh.scoring.windows import Passage, of_text, of_words, window_text, windows

#: Examples an explanation lists per side (positives, counter-examples).
NEIGHBOURS = 3


@dataclass(frozen=True)
class _Category:
    name: str
    threshold: float
    positives: NDArray[np.intp]
    negatives: NDArray[np.intp]
    calibration: Calibration


@dataclass(frozen=True)
class Compiled:
    """An example set at one version, embedded and calibrated: what a score reads."""

    example_set: ExampleSet
    vectors: Vectors
    categories: tuple[_Category, ...]


def compile_set(example_set: ExampleSet, encoder: Encoder) -> Compiled:
    examples = example_set.examples
    vectors = encoder.encode([example.text for example in examples])
    similarities = vectors @ vectors.T
    categories = []
    for name in example_set.categories:
        positives = np.array(
            [i for i, e in enumerate(examples) if e.category == name and e.label == Label.POSITIVE],
            dtype=np.intp,
        )
        negatives = _vetoing(examples, name)
        fitted = calibration.fit(similarities, positives)
        categories.append(
            _Category(name, example_set.threshold(name), positives, negatives, fitted)
        )
    return Compiled(example_set, vectors, tuple(categories))


class Scoring:
    def __init__(
        self,
        store: ExampleStore,
        encoder: Encoder,
        *,
        max_text_chars: int,
        on_swap: Callable[[Sequence[ExampleSet]], None] = lambda sets: None,
    ) -> None:
        self._store = store
        self._encoder = encoder
        self._max_text_chars = max_text_chars
        self._on_swap = on_swap
        self._compiled: dict[str, Compiled] = {}
        # Edits and refreshes take turns; scores read the dict as it stands.
        self._lock = threading.Lock()

    @property
    def model(self) -> Encoder:
        return self._encoder

    def load(self) -> None:
        self.refresh()

    def refresh(self) -> bool:
        """Compiles the versions other replicas stored since; True when any changed."""
        with self._lock:
            heads = self._store.heads()
            stale = [
                set_id
                for set_id, version in heads.items()
                if set_id not in self._compiled
                or self._compiled[set_id].example_set.version != version
            ]
            for set_id in stale:
                found = self._store.get(set_id)
                if found is not None:
                    self._compiled[set_id] = compile_set(found, self._encoder)
        if stale:
            self._on_swap(self.list_sets())
        return bool(stale)

    # Scoring ------------------------------------------------------------------------

    def score_text(self, text: str, set_ids: Collection[str] = ()) -> Scored:
        self._check_size(len(text), "text")
        return self._score(of_text(text), set_ids)

    def score_words(self, words: Sequence[Word], set_ids: Collection[str] = ()) -> Scored:
        self._check_size(sum(len(word.text) + 1 for word in words), "words")
        return self._score(of_words(words), set_ids)

    def _check_size(self, chars: int, field: str) -> None:
        if chars > self._max_text_chars:
            raise InvalidArgument(
                f"scoring takes at most {self._max_text_chars} characters per request, "
                f"got {chars}; send a long transcript in parts",
                field=field,
            )

    def _score(self, passage: Passage, set_ids: Collection[str]) -> Scored:
        chosen = self._chosen(set_ids)
        every = windows(passage)
        readable, unreadable = [], defaultdict[str, int](int)
        for window in every:
            names = unreadable_scripts(window_text(passage, window))
            if names:
                unreadable[", ".join(names)] += 1
            else:
                readable.append(window)
        vectors = self._encoder.encode([window_text(passage, w) for w in readable])
        scores = []
        for compiled in chosen if readable else ():
            similarities = vectors @ compiled.vectors.T
            for category in compiled.categories:
                probabilities = category.calibration.probabilities(
                    similarities, category.positives, category.negatives
                )
                best = int(np.argmax(probabilities))
                scores.append(
                    CategoryScore(
                        model=self._encoder.info,
                        set_id=compiled.example_set.set_id,
                        set_version=compiled.example_set.version,
                        category=category.name,
                        score=float(probabilities[best]),
                        threshold=category.threshold,
                        window=readable[best],
                        nearest_positives=_nearest(
                            compiled, similarities[best], category.positives
                        ),
                        nearest_negatives=_nearest(
                            compiled, similarities[best], category.negatives
                        ),
                    )
                )
        scores.sort(key=lambda score: (-score.score, score.set_id, score.category))
        warnings = tuple(
            f"{count} of {len(every)} windows "
            f"are written in {names}, which the model ({self._encoder.info.model}) does not "
            "read; they were not scored"
            for names, count in sorted(unreadable.items())
        )
        return Scored(
            tuple(scores),
            passage.text,
            tuple(c.example_set for c in chosen),
            self._encoder.info,
            warnings,
        )

    def _chosen(self, set_ids: Collection[str]) -> list[Compiled]:
        compiled = dict(self._compiled)
        unknown = sorted(set(set_ids) - compiled.keys())
        if unknown:
            raise NotFound(f"no example set {', '.join(unknown)}", field="set_ids")
        return [compiled[set_id] for set_id in sorted(set(set_ids) or compiled)]

    # Example sets -------------------------------------------------------------------

    def list_sets(self) -> list[ExampleSet]:
        return [compiled.example_set for _, compiled in sorted(self._compiled.items())]

    def get_set(self, set_id: str, version: int | None = None) -> ExampleSet:
        found = self._store.get(set_id, version)
        if found is None:
            named = f" at version {version}" if version else ""
            raise NotFound(f"no example set {set_id!r}{named}", field="set_id")
        return found

    def create_set(
        self,
        set_id: str,
        name: str,
        description: str,
        examples: Iterable[Example],
        thresholds: Mapping[str, float],
        *,
        actor: str,
    ) -> Edit:
        sets.check_set_id(set_id)
        sets.check_thresholds(thresholds)
        added, warnings = sets.accept((), examples)
        now = datetime.now(UTC)
        created = ExampleSet(set_id, 1, name, description, added, dict(thresholds), now, now)
        return self._store_edit(SetChange(created, added), "example_set.created", actor, warnings)

    def add_examples(self, set_id: str, examples: Iterable[Example], *, actor: str) -> Edit:
        current = self.get_set(set_id)
        added, warnings = sets.accept(current.examples, examples)
        if not added:  # only repeats: nothing changes, so no version is made
            return Edit(current, (), warnings)
        edited = _next(current, current.examples + added)
        return self._store_edit(SetChange(edited, added), "examples.added", actor, warnings)

    def remove_examples(self, set_id: str, example_ids: Collection[str], *, actor: str) -> Edit:
        current = self.get_set(set_id)
        unknown = sorted(set(example_ids) - {e.example_id for e in current.examples})
        if unknown:
            raise NotFound(
                f"example set {set_id!r} has no example {', '.join(unknown)}", field="example_ids"
            )
        kept = tuple(e for e in current.examples if e.example_id not in set(example_ids))
        edited = _next(current, kept)
        return self._store_edit(
            SetChange(edited, removed=set(example_ids)), "examples.removed", actor, ()
        )

    def _store_edit(
        self, change: SetChange, event: str, actor: str, warnings: tuple[str, ...]
    ) -> Edit:
        """Compiles the new version first (a set that cannot be calibrated is refused
        before anything is stored), then stores it and scores with it at once."""
        sets.check_calibratable(change.example_set)
        compiled = compile_set(change.example_set, self._encoder)
        with self._lock:
            self._store.append(change, event, actor)
            self._compiled[change.example_set.set_id] = compiled
        self._on_swap(self.list_sets())
        return Edit(change.example_set, change.added, warnings)


def _vetoing(examples: Sequence[Example], category: str) -> NDArray[np.intp]:
    """The counter-examples that veto a category: those of every category of the set, as
    a counter-example is harmless text written beside a pitch, and a harmless sentence
    about a bank's codes says a window is not a scam as much as it says not phishing. A
    sentence that is also one of the category's positives is left out (a set may label
    it harmless for another category only)."""
    positives = {
        sets.folded(e.text)
        for e in examples
        if e.category == category and e.label == Label.POSITIVE
    }
    return np.array(
        [
            i
            for i, e in enumerate(examples)
            if e.label == Label.NEGATIVE and sets.folded(e.text) not in positives
        ],
        dtype=np.intp,
    )


def _next(current: ExampleSet, examples: tuple[Example, ...]) -> ExampleSet:
    return replace(
        current, version=current.version + 1, examples=examples, updated_at=datetime.now(UTC)
    )


def _nearest(
    compiled: Compiled, similarities: NDArray[np.float32], among: NDArray[np.intp]
) -> tuple[Neighbour, ...]:
    order = among[np.argsort(-similarities[among], kind="stable")[:NEIGHBOURS]]
    return tuple(Neighbour(compiled.example_set.examples[i], float(similarities[i])) for i in order)
