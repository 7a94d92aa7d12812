"""The per-page threshold tree both trainers grow (train_classifier.py, train_html.py)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def grow_tree(curves: np.ndarray, feats: np.ndarray, idx: np.ndarray, depth: int, min_leaf: int,
              leaf: Callable[[int], Any] = int, digits: int | None = None) -> dict:
    """Threshold tree over the pages idx: each leaf holds ``leaf(j)`` for the column j of ``curves``
    (pages x thresholds, F1) with the best summed F1 over its pages; each split, on one column of
    ``feats`` (pages x page features), is the one that most raises that sum, with at least
    ``min_leaf`` pages on each side; split values are rounded to ``digits`` if given."""
    total = curves[idx].sum(0)
    node: dict = {"threshold": leaf(int(total.argmax()))}
    if depth == 0 or len(idx) < 2 * min_leaf:
        return node
    best, split = total.max() + 1e-9, None
    for j in range(feats.shape[1]):
        xs = feats[idx, j]
        order = np.argsort(xs, kind="stable")
        cum = np.cumsum(curves[idx][order], 0)
        for k in range(min_leaf, len(idx) - min_leaf + 1):
            if xs[order[k - 1]] == xs[order[k]]:
                continue
            gain = cum[k - 1].max() + (cum[-1] - cum[k - 1]).max()
            if gain > best:
                best, split = gain, (j, float((xs[order[k - 1]] + xs[order[k]]) / 2))
    if split is None:
        return node
    j, v = split
    left, right = idx[feats[idx, j] <= v], idx[feats[idx, j] > v]
    return {"feature": j, "value": v if digits is None else round(v, digits),
            "left": grow_tree(curves, feats, left, depth - 1, min_leaf, leaf, digits),
            "right": grow_tree(curves, feats, right, depth - 1, min_leaf, leaf, digits)}
