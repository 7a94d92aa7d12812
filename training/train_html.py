"""Train the HTML block model: `python training/train_html.py DATA_DIR -o cleaner/models/html_blocks.json`.

Needs scikit-learn (`pip install -e '.[train]'`); the package itself does not.

Each page goes through cleaner.html's own steps (parse, blocks and overlay pruning, trafilatura
on the pruned tree, cleaner.blocks.features), so the model sees at training time what it sees at
run time. trafilatura's outputs can be cached (--cache FILE, keyed by page id and a hash of the
HTML): delete the file when the parsing or overlay pruning changes.

Block labels: the page's block tokens (lowercase \\w+) are aligned with the ground-truth
main_content tokens by difflib's longest-matching-blocks alignment (monotonic, so a repeated
title or menu word is matched at most once, in order); a block is content if at least half of
its tokens are aligned. Block weights = its words / the page's words, so every page counts
equally, as in the metric.

Model: gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier, depth-limited so
cleaner.html.Trees evaluates them with numpy) over the block features. The keep threshold is
chosen per page by a small tree over page features (cleaner.html.page_features: how much of the
page scores above a few cutoffs, trafilatura's share of the page); one of its choices is "keep
no block", which means trafilatura's text alone. The tree is grown on cross-validated block
scores, so it learns how the scores behave on pages the model has not seen.

Scores, 5-fold cross-validation grouped by page (seeded): "held-out" scores each page with a
block model that never saw it and a threshold tree grown on the other folds only; "fitted" scores
the shipped model (trained on all pages) on all pages, an optimistic number.
"""
from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import json
import pickle
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import trafilatura
from sklearn.ensemble import HistGradientBoostingClassifier

from cleaner import blocks as B
from cleaner import html as H

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from wcxb import prf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import page_tree  # noqa: E402

TOKEN_RE = re.compile(r"\w+")
SEED = 13
FOLDS = 5
DEPTH = 5  # tree depth: Trees walks every row this many levels
TREES = 80  # boosting rounds: held-out F1 was no better at 100 or 150 (0.862 / 0.949 at 150, 0.863 / 0.950 at 80),
# and every round is run-time cost
PARAMS = {"learning_rate": 0.1, "max_leaf_nodes": 2**DEPTH, "max_depth": DEPTH, "min_samples_leaf": 40,
          "l2_regularization": 1.0, "random_state": 0}
# Threshold tree: depth and the fewest pages a leaf may hold (held-out F1 was flat over depth 1-4
# and leaves of 30-100 pages).
TREE_DEPTH = 2
TREE_MIN_LEAF = 100


def align(keys: list[str], gold: list[str]) -> list[int]:
    """Per block (its lower-cased words joined by spaces): the number of its tokens aligned to the gold tokens."""
    vocab: dict[str, int] = {}
    page, owner = [], []
    for i, key in enumerate(keys):
        for t in key.split(" "):
            page.append(vocab.setdefault(t, len(vocab)))
            owner.append(i)
    ref = [vocab.setdefault(t, len(vocab)) for t in gold]
    hit = [0] * len(keys)
    for a, _, n in difflib.SequenceMatcher(None, page, ref, autojunk=False).get_matching_blocks():
        for k in range(a, a + n):
            hit[owner[k]] += 1
    return hit


def page_blocks(html: str, cache: dict[str, str], pid: str) -> tuple[list[B.Block], str, bool]:
    """A page's blocks after overlay pruning, trafilatura's text and the product flag (as cleaner.html computes them)."""
    tree = H.parse_html(html) if html.strip() else None
    if tree is None:
        return [], "", False
    body = tree.find(".//body")
    page = H.prune_overlays(tree, body if body is not None else tree)
    key = pid + ":" + hashlib.sha1(html.encode("utf-8", "surrogatepass")).hexdigest()
    if key not in cache:
        cache[key] = trafilatura.extract(tree, **H.TRAFILATURA_OPTIONS) or ""
    return page, cache[key], H.declares_product(html, tree)


def load(data_dir: Path, cache_file: Path | None) -> list[dict]:
    """Pages with block texts, features, labels and weights."""
    with gzip.open(data_dir / "ground-truth.jsonl.gz", "rt", encoding="utf-8") as fh:
        truth = [json.loads(line) for line in fh]
    cache: dict[str, str] = {}
    if cache_file is not None and cache_file.exists():
        cache = pickle.loads(cache_file.read_bytes())
    pages = []
    for rec in sorted(truth, key=lambda r: r["id"]):
        with gzip.open(data_dir / "html" / f"{rec['id']}.html.gz", "rt", encoding="utf-8", errors="replace") as fh:
            html = fh.read()
        page, extracted, product = page_blocks(html, cache, rec["id"])
        gold = TOKEN_RE.findall(rec["main_content"].lower())
        hit = align([b.key for b in page], gold) if page else []
        nw = np.array([b.words for b in page], dtype=float)
        pages.append({
            "id": rec["id"], "type": rec["page_type"], "gold": rec["main_content"], "blocks": page,
            "extracted": extracted, "x": B.features(page, extracted, B.page_stopwords(page), product),
            "nw": nw, "y": np.array([2 * h >= n for h, n in zip(hit, nw)], dtype=bool),
        })
    if cache_file is not None:
        cache_file.write_bytes(pickle.dumps(cache))
    return pages


def fit(pages: list[dict], key: str, trees: int) -> HistGradientBoostingClassifier:
    """One stage on these pages' `key` columns."""
    pages = [p for p in pages if len(p["blocks"])]
    x = np.concatenate([p[key] for p in pages])
    y = np.concatenate([p["y"] for p in pages])
    w = np.concatenate([p["nw"] / p["nw"].sum() for p in pages])
    return HistGradientBoostingClassifier(max_iter=trees, **PARAMS).fit(x, y, sample_weight=w * len(w) / w.sum())


def scores(model: HistGradientBoostingClassifier, p: dict, key: str) -> np.ndarray:
    return model.decision_function(p[key]) if len(p["blocks"]) else np.zeros(0)


def folds(pages: list[dict], seed: int) -> dict[str, int]:
    order = sorted(p["id"] for p in pages)
    random.Random(seed).shuffle(order)
    return {pid: k % FOLDS for k, pid in enumerate(order)}


def cross_validated(pages: list[dict], seed: int) -> dict[str, np.ndarray]:
    """Block scores of each page from a model trained on the other folds."""
    fold_of, out = folds(pages, seed), {}
    for k in range(FOLDS):
        model = fit([p for p in pages if fold_of[p["id"]] != k], "x", TREES)
        for p in pages:
            if fold_of[p["id"]] == k:
                out[p["id"]] = scores(model, p, "x")
    return out


def output(p: dict, s: np.ndarray, threshold: float) -> str:
    """The text cleaner.html outputs for these scores (trafilatura's if no block is kept)."""
    kept = "\n".join(b.text for b, v in zip(p["blocks"], s) if v >= threshold)
    return kept or p["extracted"]


def curves(pages: list[dict], s: dict[str, np.ndarray]) -> np.ndarray:
    """F1 of each page (rows) at each of H.THRESHOLDS (columns; the last, +inf, is trafilatura's text)."""
    return np.array([[prf(output(p, s[p["id"]], t), p["gold"])[2] for t in H.THRESHOLDS] for p in pages])


def grow_tree(curve: np.ndarray, feats: np.ndarray, idx: np.ndarray, depth: int) -> dict:
    """The per-page threshold tree (page_tree.grow_tree); leaves hold indices into H.THRESHOLDS."""
    return page_tree.grow_tree(curve, feats, idx, depth, min_leaf=TREE_MIN_LEAF)


def page_feats(pages: list[dict], s: dict[str, np.ndarray]) -> np.ndarray:
    return np.array([H.page_features(s[p["id"]], p["nw"], p["extracted"]) for p in pages])


def table(pages: list[dict], outs: dict[str, str]) -> str:
    """Per page-type F1/P/R table (benchmarks/wcxb.py's metric)."""
    groups: dict[str, list] = {"ALL": []}
    for p in pages:
        s = prf(outs[p["id"]], p["gold"])
        groups["ALL"].append(s)
        groups.setdefault(p["type"], []).append(s)
    lines = [f"{'type':14} {'n':>5} {'F1':>6} {'P':>6} {'R':>6}"]
    for name in ["ALL", *sorted(k for k in groups if k != "ALL")]:
        v = np.array(groups[name])
        lines.append(f"{name:14} {len(v):5d} {v[:, 2].mean():6.3f} {v[:, 0].mean():6.3f} {v[:, 1].mean():6.3f}")
    return "\n".join(lines)


def export(model: HistGradientBoostingClassifier, tree: dict) -> dict:
    """The model as cleaner.html.BlockModel reads it: complete trees of depth DEPTH in heap order."""
    feats, thrs, leaves = [], [], []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        f = [0] * (2**DEPTH - 1)
        t = [float("inf")] * (2**DEPTH - 1)  # below a leaf that stopped early: always left
        leaf = [0.0] * 2**DEPTH

        def fill(i: int, heap: int, level: int) -> None:
            node = nodes[i]
            if node["is_leaf"]:
                span = 2 ** (DEPTH - level)  # the leaves below heap node h are (h+1)*span-1 onwards
                first = (heap + 1) * span - 1 - (2**DEPTH - 1)
                for j in range(first, first + span):
                    leaf[j] = float(node["value"])
                return
            f[heap] = int(node["feature_idx"])
            t[heap] = float(node["num_threshold"])
            fill(int(node["left"]), 2 * heap + 1, level + 1)
            fill(int(node["right"]), 2 * heap + 2, level + 1)

        fill(0, 0, 0)
        feats.append(f)
        thrs.append(t)
        leaves.append(leaf)
    trees = {"depth": DEPTH, "base": float(model._baseline_prediction.ravel()[0]),
             "feature": feats, "threshold": thrs, "leaf": leaves}
    return {"features": B.FEATURES, "page_features": H.PAGE_FEATURES, "thresholds": [str(t) for t in H.THRESHOLDS],
            "trees": trees, "threshold_tree": tree, "seed": SEED, "folds": FOLDS, "boosting_rounds": TREES,
            "params": PARAMS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("-o", "--output", type=Path, default=Path("html_blocks.json"))
    ap.add_argument("--cache", type=Path, help="pickle of trafilatura's outputs, read and updated")
    ap.add_argument("--pages", type=Path, help="pickle of the loaded pages, read if it exists (for experiments)")
    args = ap.parse_args()
    t0 = time.time()
    if args.pages is not None and args.pages.exists():
        pages = pickle.loads(args.pages.read_bytes())
    else:
        pages = load(args.data_dir, args.cache)
        if args.pages is not None:
            args.pages.write_bytes(pickle.dumps(pages))
    print(f"loaded {len(pages)} pages, {sum(len(p['blocks']) for p in pages)} blocks in {time.time() - t0:.0f}s",
          file=sys.stderr)
    fold_of = folds(pages, SEED)
    oof = cross_validated(pages, SEED)
    print(f"cross-validated in {time.time() - t0:.0f}s", file=sys.stderr)
    curve = curves(pages, oof)
    print("held-out F1 at one threshold for all pages: "
          + " ".join(f"{t:g}:{v:.4f}" for t, v in zip(H.THRESHOLDS, curve.mean(0))), file=sys.stderr)
    feats = page_feats(pages, oof)
    fold = np.array([fold_of[p["id"]] for p in pages])
    held, one = {}, {}
    for k in range(FOLDS):
        tree = grow_tree(curve, feats, np.flatnonzero(fold != k), TREE_DEPTH)
        single = H.THRESHOLDS[int(curve[fold != k].sum(0).argmax())]
        for i in np.flatnonzero(fold == k):
            p = pages[i]
            held[p["id"]] = output(p, oof[p["id"]], H.THRESHOLDS[H.tree_choice(tree, feats[i])])
            one[p["id"]] = output(p, oof[p["id"]], single)
    print(f"\nheld-out, one threshold per fold (chosen on the other folds):\n{table(pages, one)}")
    print(f"\nheld-out, threshold tree (grown on the other folds):\n{table(pages, held)}")
    tree = grow_tree(curve, feats, np.arange(len(pages)), TREE_DEPTH)
    model = fit(pages, "x", TREES)
    args.output.write_text(json.dumps(export(model, tree), separators=(",", ":")) + "\n", encoding="utf-8")
    shipped = H.BlockModel(json.loads(args.output.read_text(encoding="utf-8")))
    fitted = {}
    for p in pages:  # cleaner.html's own code on the written file
        if len(p["blocks"]):  # the export reproduces scikit-learn's scores
            assert np.allclose(shipped.trees.score(p["x"]), scores(model, p, "x"), atol=1e-9)
        kept = shipped.keep(p["blocks"], p["x"], p["extracted"]) if len(p["blocks"]) else []
        fitted[p["id"]] = "\n".join(b.text for b in kept) or p["extracted"]
    print(f"\nfitted (the shipped model on all pages; threshold tree {tree}):\n{table(pages, fitted)}")
    print(f"wrote {args.output} in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
