"""training/page_tree.py: the per-page threshold tree both trainers grow (numpy only)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

_PATH = Path(__file__).resolve().parent.parent / "training" / "page_tree.py"
_SPEC = importlib.util.spec_from_file_location("page_tree", _PATH)
page_tree = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(page_tree)


def test_tree_splits_where_the_best_threshold_changes() -> None:
    x = np.linspace(0, 1, 200)
    curves = np.where(x[:, None] < 0.5, [1.0, 0.0, 0.2], [0.0, 1.0, 0.2])  # pages below 0.5 want column 0
    tree = page_tree.grow_tree(curves, x[:, None], np.arange(200), 2, min_leaf=20, leaf=[-1.0, 0.5, 2.0].__getitem__,
                               digits=3)
    assert tree["feature"] == 0 and abs(tree["value"] - 0.5) < 0.01
    assert tree["left"] == {"threshold": -1.0} and tree["right"] == {"threshold": 0.5}


def test_tree_is_a_leaf_without_a_gain_or_enough_pages() -> None:
    curves = np.tile([0.1, 0.9], (300, 1))
    feats = np.arange(300.0)[:, None]
    assert page_tree.grow_tree(curves, feats, np.arange(300), 3, min_leaf=20) == {"threshold": 1}
    mixed = np.where(feats < 150, [1.0, 0.0], [0.0, 1.0])
    assert page_tree.grow_tree(mixed, feats, np.arange(30), 3, min_leaf=20) == {"threshold": 0}
