"""A "for you" order: a linear classifier learnt from the user's own stars.

The papers the user starred are the positive examples, the papers read but not starred the
negative ones (they were looked at and passed over; unread papers say nothing yet). A logistic
regression on their TF-IDF rows (class-balanced, since stars are few) gives a weight per term;
a paper's score is the sum of its term weights, so the order is read straight off the matrix's
columns and every score comes with its reason: the terms that raised it most.

Training imports scikit-learn (about two seconds and 75 MB the first time), so the reader trains in
a child process and keeps only the result, a ``ForYou``: a few thousand term weights. Scoring all
papers with it needs numpy alone.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from paperterm.similar.matrix import TermMatrix

#: Fewer starred papers than this, or fewer read-but-unstarred ones, and there is nothing to
#: learn from: ``train`` says so instead of guessing.
MIN_STARRED = 3
MIN_PASSED = 3
#: How many terms explain a score.
WHY_TERMS = 3


class NotEnoughMarkers(Exception):
    """Too few stars (or read-but-unstarred papers) to learn from. ``str()`` says what is needed."""


@dataclass(frozen=True, slots=True, eq=False)
class ForYou:
    """A trained "for you" model: a weight for each term that matters, and what it learnt from."""

    terms: np.ndarray      # int64 term numbers, ascending
    weights: np.ndarray    # float32 weight of each
    intercept: float
    starred: int
    passed: int

    def scores(self, matrix: TermMatrix) -> np.ndarray:
        """One score per paper (higher: more like what the user stars)."""
        return self.intercept + matrix.column_sums(self.terms, self.weights)

    def order(self, matrix: TermMatrix) -> list[int]:
        """Every paper position, most recommended first (ties in library order)."""
        scores = self.scores(matrix)
        return np.argsort(-scores, kind="stable").tolist()

    def why(self, matrix: TermMatrix, pos: int, limit: int = WHY_TERMS) -> tuple[str, ...]:
        """The terms of paper ``pos`` that raise its score most (none when nothing does)."""
        terms, values = matrix.row(pos)
        if not len(self.terms) or not len(terms):
            return ()
        found = np.minimum(np.searchsorted(self.terms, terms), len(self.terms) - 1)
        known = self.terms[found] == terms
        contribution = np.where(known, self.weights[found] * values, 0.0)
        best = [i for i in np.argsort(-contribution, kind="stable")[:limit] if contribution[i] > 0]
        return tuple(matrix.term(int(terms[i])) for i in best)


def train(matrix: TermMatrix, starred: Collection[int], passed: Collection[int]) -> ForYou:
    """Learn from ``starred`` positions against ``passed`` ones (read, not starred).

    ``NotEnoughMarkers`` when either side is too small. Imports scikit-learn.
    """
    starred = sorted({p for p in starred if 0 <= p < matrix.n_papers})
    passed = sorted({p for p in passed if 0 <= p < matrix.n_papers} - set(starred))
    if len(starred) < MIN_STARRED:
        raise NotEnoughMarkers(f"star at least {MIN_STARRED} papers to get a for-you order "
                               f"({len(starred)} starred)")
    if len(passed) < MIN_PASSED:
        raise NotEnoughMarkers(f"read at least {MIN_PASSED} papers you do not star to get a "
                               f"for-you order ({len(passed)} so far)")
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = [matrix.row(p) for p in starred + passed]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(idx) for idx, _ in rows], out=indptr[1:])
    indices = np.concatenate([idx for idx, _ in rows]) if rows else np.zeros(0, np.int32)
    data = np.concatenate([val for _, val in rows]) if rows else np.zeros(0, np.float32)
    x = csr_matrix((data, indices, indptr), shape=(len(rows), max(matrix.n_terms, 1)))
    y = np.array([1] * len(starred) + [0] * len(passed))
    model = LogisticRegression(class_weight="balanced", C=10.0, max_iter=1000)
    model.fit(x, y)
    coef = model.coef_[0]
    terms = np.flatnonzero(coef).astype(np.int64)
    return ForYou(terms, coef[terms].astype(np.float32), float(model.intercept_[0]),
                  len(starred), len(passed))
