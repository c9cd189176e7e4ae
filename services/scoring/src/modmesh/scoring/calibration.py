"""Turning a window's similarities to a category's examples into a probability.

A window is described by p, the mean similarity of its NEAREST nearest positive examples,
and n, that of the nearest counter-examples it is given (core.py: every counter-example
of the set). The score is the product of two parts:

- how likely a text this close to the positives is the category: a logistic regression on
  p, fitted per category on the set itself, held out one example at a time (each example
  is described by its similarities to all the others, never to itself, and labelled 1
  when it is a positive of the category, 0 when it is a counter-example or belongs to
  another category);
- a veto by the counter-examples: sigmoid((p - n) / MARGIN_SCALE), near 1 when the window
  is clearly nearer the positives, near 0 when it is nearer a counter-example.

The veto is a fixed mapping, not fitted: held out one at a time, a counter-example has
lost its own twin, so it looks like a positive to any fit, and a fitted weight on n comes
out with the wrong sign. A counter-example is written to sit beside a positive; the veto
says exactly that a window nearer it than the positives is not the category.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

#: Examples averaged per side: two, so that one odd example does not decide alone.
NEAREST = 2
#: Similarity margin over which the veto goes from 0.27 to 0.73 (sigmoid(±1)).
MARGIN_SCALE = 0.05
#: Little regularisation: similarities span a small range, and the fit needs their slope.
REGULARISATION_C = 100.0

Matrix = NDArray[np.float32]
Column = NDArray[np.float64]


def nearest_mean(similarities: Matrix, columns: NDArray[np.intp]) -> Column:
    """Per row, the mean of its NEAREST highest similarities among `columns`; -inf marks
    a column held out of its row (the example itself). 0 where there are none."""
    if columns.size == 0:
        return np.zeros(similarities.shape[0])
    among = similarities[:, columns]
    # The NEAREST highest, unordered: a partial sort, not a sort of every column.
    chosen = (
        -np.partition(-among, NEAREST - 1, axis=1)[:, :NEAREST] if columns.size > NEAREST else among
    )
    finite = np.isfinite(chosen)
    counts = finite.sum(axis=1)
    sums = np.where(finite, chosen, 0.0).sum(axis=1)
    means: Column = np.divide(sums, counts, out=np.zeros(len(sums)), where=counts > 0)
    return means


@dataclass(frozen=True)
class Calibration:
    """score = sigmoid(weight·p + bias) · sigmoid((p - n) / MARGIN_SCALE)."""

    weight: float
    bias: float

    def probabilities(
        self, similarities: Matrix, positives: NDArray[np.intp], negatives: NDArray[np.intp]
    ) -> Column:
        near = nearest_mean(similarities, positives)
        margin = near - nearest_mean(similarities, negatives) if negatives.size else near
        return _sigmoid(self.weight * near + self.bias) * _sigmoid(margin / MARGIN_SCALE)


def fit(example_similarities: Matrix, positives: NDArray[np.intp]) -> Calibration:
    """The category's calibration from the similarities of every example of the set to
    every other (the diagonal is ignored); the caller ensures that both classes exist."""
    held_out = example_similarities.astype(np.float32, copy=True)
    np.fill_diagonal(held_out, -np.inf)
    labels = np.zeros(len(held_out), dtype=np.int8)
    labels[positives] = 1
    near = nearest_mean(held_out, positives).reshape(-1, 1)
    # Balanced: how many positives a set holds is the operator's choice, not how often
    # the category occurs, so neither side's count may pull the scores down.
    model = LogisticRegression(C=REGULARISATION_C, class_weight="balanced").fit(near, labels)
    return Calibration(float(model.coef_[0][0]), float(model.intercept_[0]))


def _sigmoid(values: Column) -> Column:
    return 1.0 / (1.0 + np.exp(-values))
