"""Train the text-mode boilerplate classifier: `python training/train_classifier.py DATA_DIR -o cleaner/models/classifier.json`.

Needs numpy, scipy and scikit-learn (`pip install -e '.[train]'`); the package itself does not.

Line labels: the page's word tokens (lowercase \\w+) are aligned with the ground-truth main_content
tokens by difflib's longest-matching-blocks alignment (monotonic, so a repeated title or menu word is
matched at most once, in order); a line is content if at least half of its tokens are aligned.
Line weights = token count / page token count, so every page counts equally, as in the metric.

Each of the two stages is gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier) over
the stage's columns cut into at most BINS bins, with an interaction constraint: a tree path uses at
most two columns. So every tree is a sum of two-column lookup tables, and the trees are added up into
one table per pair of columns (classify.stage_score evaluates a stage with one gather). Stage 2 reads
stage-1 scores of pages stage 1 was not trained on (cross-fitted), as it will at run time.

Held-out scores are honest: for test fold k, stage 1 is trained on the other folds, and stage 2 on
the other folds with stage-1 scores from models that saw neither the page's own fold nor fold k.
The per-page threshold tree is grown on the held-out scores; its own held-out score comes from
nested folds.
"""
from __future__ import annotations

import argparse
import difflib
import gzip
import itertools
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from cleaner import classify as C

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from wcxb import prf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import page_tree  # noqa: E402

TOKEN_RE = re.compile(r"\w+")
SEED = 13
FOLDS = 5
THRESHOLDS = [x / 4 for x in range(-24, 13)]
# Boosting settings (fixed, chosen by 5-fold cross-validation on this split: more rounds, a third
# stage or a second set of zone columns did not raise the held-out score).
BINS = 16
BOOST = dict(max_iter=150, learning_rate=0.15, max_leaf_nodes=8, l2_regularization=1.0, early_stopping=False,
             random_state=0)
# Threshold tree: depth and the fewest pages a leaf may hold (fixed, not tuned: results were flat
# across depth 2-4 and leaves of 40-150 pages in cross-validation).
TREE_DEPTH = 2
TREE_MIN_LEAF = 100


def load(data_dir: Path) -> list[dict]:
    """Pages with visible lines, line labels and aligned-token counts."""
    with gzip.open(data_dir / "ground-truth.jsonl.gz", "rt", encoding="utf-8") as fh:
        truth = [json.loads(line) for line in fh]
    pages = []
    for rec in truth:
        page = C.Page((data_dir / "text" / f"{rec['id']}.txt").read_text(encoding="utf-8"))
        gold = TOKEN_RE.findall(rec["main_content"].lower())
        ntok, hit = align(page.lines, gold)
        pages.append({
            "id": rec["id"], "type": rec["page_type"], "page": page, "ntok": ntok, "hit": hit,
            "ngold": len(gold), "gold": rec["main_content"], "y": [int(n > 0 and 2 * h >= n) for n, h in zip(ntok, hit)],
        })
    return pages


def align(lines: list[str], gold: list[str]) -> tuple[list[int], list[int]]:
    """Per line: number of tokens, and number aligned to the gold token sequence."""
    vocab: dict[str, int] = {}
    page, owner = [], []
    for i, line in enumerate(lines):
        for t in TOKEN_RE.findall(line.lower()):
            page.append(vocab.setdefault(t, len(vocab)))
            owner.append(i)
    ref = [vocab.setdefault(t, len(vocab)) for t in gold]
    ntok, hit = [0] * len(lines), [0] * len(lines)
    for o in owner:
        ntok[o] += 1
    for a, _, n in difflib.SequenceMatcher(None, page, ref, autojunk=False).get_matching_blocks():
        for k in range(a, a + n):
            hit[owner[k]] += 1
    return ntok, hit


def columns(features: dict[str, np.ndarray]) -> list[str]:
    """A stage's input columns: every feature except the bookkeeping ones (leading underscore)."""
    return [k for k in features if not k.startswith("_")]


def matrix(features: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    return np.column_stack([np.asarray(features[k], dtype=float) for k in names])


def fit_edges(x: np.ndarray, w: np.ndarray) -> list[list[float]]:
    """Per column, at most BINS-1 cut points: between distinct values if there are few, else at weighted quantiles."""
    edges = []
    for j in range(x.shape[1]):
        col = x[:, j]
        values = np.unique(col)
        if len(values) <= BINS:
            cuts = (values[:-1] + values[1:]) / 2
        else:
            order = np.argsort(col, kind="stable")
            cw = np.cumsum(w[order])
            at = np.searchsorted(cw / cw[-1], np.linspace(0, 1, BINS + 1)[1:-1])
            q = np.unique(col[order][np.minimum(at, len(col) - 1)])
            q = q[q < values[-1]]
            cuts = (q + values[np.searchsorted(values, q, side="right")]) / 2  # midway to the next value
        edges.append(sorted({round(float(c), 6) for c in cuts}))
    return edges


def bin_codes(x: np.ndarray, edges: list[list[float]]) -> np.ndarray:
    return np.column_stack([np.searchsorted(np.asarray(e, dtype=float), x[:, j], side="right") for j, e in enumerate(edges)])


def compile_trees(model: HistGradientBoostingClassifier, nbins: list[int]) -> tuple[float, dict[tuple, np.ndarray]]:
    """Sum the trees into tables: each leaf's value goes to the cells of its path's box over (at most) two columns."""
    tables: dict[tuple, np.ndarray] = {}
    bias = float(model._baseline_prediction.ravel()[0])
    for (tree,) in model._predictors:
        nodes = tree.nodes
        stack = [(0, {})]
        while stack:
            i, box = stack.pop()
            node = nodes[i]
            if node["is_leaf"]:
                used = tuple(sorted(box))
                if not used:
                    bias += float(node["value"])
                    continue
                assert len(used) <= 2, used
                table = tables.setdefault(used, np.zeros([nbins[f] for f in used]))
                table[tuple(slice(*box[f]) for f in used)] += node["value"]
                continue
            f = int(node["feature_idx"])
            lo, hi = box.get(f, (0, nbins[f]))
            cut = min(max(int(np.floor(node["num_threshold"])) + 1, lo), hi)  # codes <= threshold go left
            stack.append((int(node["left"]), {**box, f: (lo, cut)}))
            stack.append((int(node["right"]), {**box, f: (cut, hi)}))
    for key in [k for k in tables if len(k) == 1]:  # fold one-column tables into a pair table sharing the column
        host = next((k for k in tables if len(k) == 2 and key[0] in k), None)
        if host is not None:
            t = tables.pop(key)
            tables[host] += t[:, None] if host[0] == key[0] else t[None, :]
    return bias, tables


def fit_stage(xs: list[np.ndarray], pages: list[dict], names: list[str]) -> dict:
    """Fit one stage on these pages' feature rows; return it in the weights file's form, ready to score."""
    x = np.vstack(xs)
    y = np.concatenate([p["y"] for p in pages])
    w = np.concatenate([np.array(p["ntok"], dtype=float) / max(1, sum(p["ntok"])) for p in pages])
    w = w * len(w) / w.sum() + 1e-3
    edges = fit_edges(x, w)
    nbins = [len(e) + 1 for e in edges]
    pairs = [set(p) for p in itertools.combinations(range(len(names)), 2)]
    model = HistGradientBoostingClassifier(**BOOST, interaction_cst=pairs)
    model.fit(bin_codes(x, edges).astype(float), y, sample_weight=w)
    bias, tables = compile_trees(model, nbins)
    stage = {"features": names, "edges": edges, "bias": round(bias, 5),
             "tables": [{"a": k[0], "b": k[1] if len(k) == 2 else -1, "values": [round(float(v), 5) for v in t.ravel()]}
                        for k, t in sorted(tables.items())]}
    return C.prepare_stage(json.loads(json.dumps(stage)))


def to_json(stage: dict) -> dict:
    """The stage as stored: names, edges, bias, tables (drop the arrays prepare_stage added)."""
    return {"features": stage["features"], "edges": [[float(v) for v in e] for e in stage["edges"]],
            "bias": stage["bias"], "tables": stage["tables"]}


class Features:
    """Per-page stage-1 features, computed once."""

    def __init__(self, pages: list[dict]) -> None:
        self.lines = [C.line_features(p["page"]) for p in pages]
        self.names1 = columns(self.lines[0])
        self.x1 = [matrix(f, self.names1) for f in self.lines]
        self.names2 = columns(C.context_features(np.zeros(len(pages[0]["page"].lines)), pages[0]["page"], self.lines[0]))

    def x2(self, i: int, pages: list[dict], score: np.ndarray) -> np.ndarray:
        return matrix(C.context_features(score, pages[i]["page"], self.lines[i]), self.names2)


def score1(stage: dict, feats: Features, i: int) -> np.ndarray:
    return C.stage_score(feats.lines[i], stage)


def cross_validate(pages: list[dict], feats: Features, fold: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Held-out final scores of every page, and out-of-fold stage-1 scores (the final stage 2's inputs)."""
    t0 = time.time()
    every = range(len(pages))

    def stage1(excluded: set[int]) -> dict:
        idx = [i for i in every if fold[i] not in excluded]
        return fit_stage([feats.x1[i] for i in idx], [pages[i] for i in idx], feats.names1)

    one = {k: stage1({k}) for k in range(FOLDS)}
    two = {(j, k): stage1({j, k}) for j, k in itertools.combinations(range(FOLDS), 2)}
    print(f"stage 1: {len(one) + len(two)} fits in {time.time() - t0:.0f}s", file=sys.stderr)
    s1_oof = [score1(one[fold[i]], feats, i) for i in every]
    held = [np.zeros(0)] * len(pages)
    for k in range(FOLDS):
        idx = [i for i in every if fold[i] != k]
        # stage-1 scores from a model that saw neither this page's fold nor the test fold
        xs = [feats.x2(i, pages, score1(two[tuple(sorted((fold[i], k)))], feats, i)) for i in idx]
        second = fit_stage(xs, [pages[i] for i in idx], feats.names2)
        for i in every:
            if fold[i] == k:
                held[i] = C.stage_score(C.context_features(score1(one[k], feats, i), pages[i]["page"], feats.lines[i]), second)
    print(f"stage 2: {FOLDS} fits, {time.time() - t0:.0f}s in all", file=sys.stderr)
    return held, s1_oof


def page_prf(p: dict, score: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """Approximate word P/R/F1 of keeping lines above threshold (aligned tokens as matches)."""
    if C.is_small(p["page"]):
        keep = [True] * len(p["page"].lines)
    else:
        keep = C.keep_mask(score, p["page"].nw, threshold)
    kept = sum(n for n, k in zip(p["ntok"], keep) if k)
    good = sum(h for h, k in zip(p["hit"], keep) if k)
    if not kept and not p["ngold"]:
        return 1.0, 1.0, 1.0
    prec = good / kept if kept else 0.0
    rec = good / p["ngold"] if p["ngold"] else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def f1_curves(pages: list[dict], scores: list[np.ndarray]) -> np.ndarray:
    """Approximate F1 of each page (rows) at each of THRESHOLDS (columns)."""
    return np.array([[page_prf(p, s, t)[2] for t in THRESHOLDS] for p, s in zip(pages, scores)])


def grow_tree(curves: np.ndarray, feats: np.ndarray, idx: np.ndarray, depth: int) -> dict:
    """The per-page threshold tree (page_tree.grow_tree); leaves hold THRESHOLDS values."""
    return page_tree.grow_tree(curves, feats, idx, depth, min_leaf=TREE_MIN_LEAF, leaf=THRESHOLDS.__getitem__, digits=6)


def exact_prf(p: dict, score: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """score.py's word P/R/F1 of the kept lines against main_content."""
    page = p["page"]
    keep = [True] * len(page.lines) if C.is_small(page) else C.keep_mask(score, page.nw, threshold)
    return prf("\n".join(s for s, k in zip(page.lines, keep) if k), p["gold"])


def table(pages: list[dict], scores: list[np.ndarray], thresholds: list[float]) -> str:
    """Per page-type F1/P/R table (exact score.py metric)."""
    groups: dict[str, list] = {"ALL": []}
    for p, s, t in zip(pages, scores, thresholds):
        r = exact_prf(p, s, t)
        groups["ALL"].append(r)
        groups.setdefault(p["type"], []).append(r)
    out = [f"{'type':14} {'n':>5} {'F1':>6} {'P':>6} {'R':>6}"]
    for name, vals in groups.items():
        n = len(vals)
        mp, mr, mf = (sum(v[i] for v in vals) / n for i in range(3))
        out.append(f"{name:14} {n:5d} {mf:6.3f} {mp:6.3f} {mr:6.3f}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("-o", "--output", type=Path, default=Path("classifier.json"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages by id (a quick smoke run)")
    args = ap.parse_args()
    t0 = time.time()
    every = load(args.data_dir)
    if args.limit:
        every = sorted(every, key=lambda p: p["id"])[:args.limit]
    print(f"loaded {len(every)} pages, {sum(len(p['page'].lines) for p in every)} lines in {time.time() - t0:.0f}s",
          file=sys.stderr)
    order = sorted(range(len(every)), key=lambda i: every[i]["id"])
    random.Random(SEED).shuffle(order)
    fold_of = {every[i]["id"]: k % FOLDS for k, i in enumerate(order)}
    # Pages without a visible line are scored (an empty output) but not trained on.
    pages = [p for p in every if p["page"].lines]
    fold = np.array([fold_of[p["id"]] for p in pages])
    feats = Features(pages)
    held, s1_oof = cross_validate(pages, feats, fold)
    empty = [p for p in every if not p["page"].lines]
    nothing = [np.zeros(0)] * len(empty)
    # Thresholds for the held-out tables: each fold's global threshold, and its threshold tree, are
    # chosen on the other folds' held-out scores.
    curves = f1_curves(pages, held)
    shares = np.array([C.page_features(s, p["page"].nw) for p, s in zip(pages, held)])
    fold_t, tree_t = [0.0] * len(pages), [0.0] * len(pages)
    for k in range(FOLDS):
        others = np.flatnonzero(fold != k)
        tk = THRESHOLDS[int(curves[others].sum(0).argmax())]
        tree = grow_tree(curves, shares, others, TREE_DEPTH)
        for i in np.flatnonzero(fold == k):
            fold_t[i] = tk
            tree_t[i] = C.page_threshold(held[i], pages[i]["page"].nw, {"threshold_tree": tree})
    zeros = [0.0] * len(empty)
    print(f"\nheld-out, one threshold (5-fold CV, score.py metric):\n{table(pages + empty, held + nothing, fold_t + zeros)}")
    print(f"\nheld-out, threshold tree (nested 5-fold CV):\n{table(pages + empty, held + nothing, tree_t + zeros)}")
    first = fit_stage(feats.x1, pages, feats.names1)
    second = fit_stage([feats.x2(i, pages, s) for i, s in enumerate(s1_oof)], pages, feats.names2)
    model = {"stages": [to_json(first), to_json(second)],
             "threshold": THRESHOLDS[int(curves.sum(0).argmax())],
             "threshold_tree": grow_tree(curves, shares, np.arange(len(pages)), TREE_DEPTH),
             "bins": BINS, "boost": BOOST, "folds": FOLDS, "seed": SEED}
    args.output.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
    C.load_model.cache_clear()
    C.native_model.cache_clear()
    fitted_model = {"stages": [C.prepare_stage(to_json(first)), C.prepare_stage(to_json(second))], **{
        k: model[k] for k in ("threshold", "threshold_tree")}}
    fitted = [C.page_scores(p["page"], fitted_model) for p in pages]
    fitted_t = [C.page_threshold(s, p["page"].nw, fitted_model) for p, s in zip(pages, fitted)]
    print(f"\nfitted (all pages, threshold tree {model['threshold_tree']}):\n"
          f"{table(pages + empty, fitted + nothing, fitted_t + zeros)}")
    print(f"wrote {args.output} in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
