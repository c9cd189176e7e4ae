"""What an example set may hold, checked before a version is stored.

Bad operator data is named, not silently used: an empty text, an unknown label or an
out-of-range threshold is refused with the field; the same sentence labelled both
positive and negative in one category is a contradiction, refused naming the sentence;
an exact repeat of an example (same text, category and label) is dropped with a warning.
Texts are compared after NFKC, casefolding and collapsing whitespace, as a reader would.
Each category must keep enough of both sides to be calibrated (calibration.py).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence

from modmesh.runtime.errors import InvalidArgument
from modmesh.scoring.domain import Example, ExampleSet, Label

SET_ID = re.compile(r"^[a-z0-9_-]{1,64}$")
EXAMPLE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: An example is a sentence or two; longer ones would be a window's worth several times.
MAX_EXAMPLE_CHARS = 1000
#: Bounds a set's embeddings, its calibration at load and the exact nearest-example search
#: of every request (bench/scoring: past a few thousand examples an index would be faster).
MAX_EXAMPLES = 5_000
#: Per category: positives, and non-positives (its counter-examples and the other
#: categories' examples), without which its calibration cannot be fitted.
MIN_PER_SIDE = 2


def folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def check_set_id(set_id: str) -> None:
    if not SET_ID.match(set_id):
        raise InvalidArgument(
            "set_id must be 1 to 64 lowercase letters, digits, '-' or '_'", field="set_id"
        )


def check_thresholds(thresholds: Mapping[str, float]) -> None:
    for category, threshold in thresholds.items():
        if not 0.0 < threshold < 1.0:
            raise InvalidArgument(
                f"the threshold of category {category!r} must lie between 0 and 1, got {threshold}",
                field="thresholds",
            )


def accept(
    existing: Sequence[Example], new: Iterable[Example]
) -> tuple[tuple[Example, ...], tuple[str, ...]]:
    """The new examples to store (ids assigned, repeats dropped) and the warnings; refuses
    bad fields, ids already taken and contradictions with the set or among themselves."""
    taken = {example.example_id for example in existing}
    seen = {(folded(e.text), e.category): e for e in existing}
    accepted: list[Example] = []
    warnings: list[str] = []
    for index, example in enumerate(new):
        field = f"examples[{index}]"
        example = _checked(example, field)
        if example.example_id in taken:
            raise InvalidArgument(
                f"example id {example.example_id!r} is already in the set", field=field
            )
        key = (folded(example.text), example.category)
        same = seen.get(key)
        if same is not None and same.label != example.label:
            raise InvalidArgument(
                f"{example.text!r} is labelled both {same.label.name.lower()} "
                f"({same.example_id}) and {example.label.name.lower()} in category "
                f"{example.category!r}; keep one",
                field=field,
            )
        if same is not None:
            warnings.append(
                f"{example.text!r} repeats example {same.example_id} "
                f"(category {example.category!r}); dropped"
            )
            continue
        taken.add(example.example_id)
        seen[key] = example
        accepted.append(example)
    return tuple(accepted), tuple(warnings)


def check_calibratable(example_set: ExampleSet) -> None:
    """Refuses a version in which some category has too few positives or non-positives
    to fit its calibration."""
    if len(example_set.examples) > MAX_EXAMPLES:
        raise InvalidArgument(
            f"an example set holds at most {MAX_EXAMPLES} examples, this one "
            f"{len(example_set.examples)}",
            field="examples",
        )
    for category in example_set.categories:
        positives = sum(
            1 for e in example_set.examples if e.category == category and e.label == Label.POSITIVE
        )
        others = len(example_set.examples) - positives
        if positives < MIN_PER_SIDE or others < MIN_PER_SIDE:
            raise InvalidArgument(
                f"category {category!r} needs at least {MIN_PER_SIDE} positive examples and "
                f"{MIN_PER_SIDE} counter-examples or examples of other categories to be "
                f"calibrated; it would have {positives} and {others}",
                field="examples",
            )


def _checked(example: Example, field: str) -> Example:
    text = " ".join(example.text.split())
    if not text:
        raise InvalidArgument("an example needs a text", field=f"{field}.text")
    if len(text) > MAX_EXAMPLE_CHARS:
        raise InvalidArgument(
            f"an example is at most {MAX_EXAMPLE_CHARS} characters, got {len(text)}",
            field=f"{field}.text",
        )
    if not example.category.strip():
        raise InvalidArgument("an example needs a category", field=f"{field}.category")
    if example.label not in (Label.POSITIVE, Label.NEGATIVE):
        raise InvalidArgument(
            "an example's label must be LABEL_POSITIVE or LABEL_NEGATIVE",
            field=f"{field}.label",
        )
    example_id = example.example_id or uuid.uuid4().hex
    if not EXAMPLE_ID.match(example_id):
        raise InvalidArgument(
            "an example id is 1 to 64 letters, digits, '.', '-' or '_'",
            field=f"{field}.example_id",
        )
    return Example(example_id, text, example.category.strip(), example.label, example.note)
