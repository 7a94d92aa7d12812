"""Train the text-mode boilerplate classifier: `python training/train_classifier.py DATA_DIR -o cleaner/models/classifier.json`.

Needs numpy, scipy and scikit-learn (`pip install -e '.[train]'`); the package itself does not.

Line labels: the page's word tokens (lowercase \\w+) are aligned with the ground-truth main_content
tokens by difflib's longest-matching-blocks alignment (monotonic, so a repeated title or menu word is
matched at most once, in order); a line is content if at least half of its tokens are aligned.
Each stage is an L2-regularised logistic regression on one-hot feature bins (an additive model),
line weights = token count / page token count so every page counts equally, as in the metric.
Hyperparameters (C, threshold) are chosen by 5-fold cross-validation grouped by page.
The per-page threshold tree is grown on the held-out (out-of-fold) scores, so it learns how the
model's scores behave on pages it has not seen; its own held-out score comes from nested folds.
"""
from __future__ import annotations

import argparse
import difflib
import gzip
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from cleaner import classify as C

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from wcxb import prf  # noqa: E402

TOKEN_RE = re.compile(r"\w+")
SEED = 13
FOLDS = 5
N_CONTEXT_STAGES = 2
C_GRID = (1.0,)
THRESHOLDS = [x / 4 for x in range(-24, 13)]
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


def design(cols: list[dict], tables: dict[str, int], linear: tuple[str, ...]) -> sparse.csr_matrix:
    """One-hot columns for the tables plus raw linear columns, over all lines of all pages."""
    blocks = []
    for c in cols:
        n = len(c[next(iter(tables))])
        parts = [sparse.csr_matrix((np.ones(n), (np.arange(n), c[name])), shape=(n, size)) for name, size in tables.items()]
        parts += [sparse.csr_matrix(np.array(c[name], dtype=float).reshape(-1, 1) / (2 * int(name[1:]) + 1)) for name in linear]
        blocks.append(sparse.hstack(parts, format="csr"))
    return sparse.vstack(blocks, format="csr")


def fit_stage(pages: list[dict], cols: list[dict], tables: dict[str, int], linear: tuple[str, ...], c: float) -> dict:
    """Fit one stage by weighted logistic regression; return its tables, linear weights and bias."""
    x = design(cols, tables, linear)
    y = np.concatenate([p["y"] for p in pages])
    w = np.concatenate([np.array(p["ntok"], dtype=float) / max(1, sum(p["ntok"])) for p in pages])
    w = w * len(w) / w.sum() + 1e-3
    model = LogisticRegression(C=c, max_iter=3000, tol=1e-6)
    model.fit(x, y, sample_weight=w)
    coef, out, off = model.coef_[0], {"bias": round(float(model.intercept_[0]), 4), "tables": {}, "linear": {}}, 0
    for name, size in tables.items():
        out["tables"][name] = [round(float(v), 4) for v in coef[off:off + size]]
        off += size
    for name in linear:
        out["linear"][name] = round(float(coef[off]), 5)
        off += 1
    return out


def line_cols(page: C.Page) -> dict[str, list[int]]:
    """Stage-1 table indices of a page."""
    return {name: getattr(page, name) for name in C.LINE_TABLES}


def train(pages: list[dict], c: float) -> dict:
    """Fit the stage-1 line model and the context stages on these pages."""
    pages = [p for p in pages if p["page"].lines]
    stages = [fit_stage(pages, [line_cols(p["page"]) for p in pages], C.LINE_TABLES, (), c)]
    for _ in range(N_CONTEXT_STAGES):
        cols = [{**C.context_columns(stage_scores(p, stages), p["page"].nw), **line_cols(p["page"])} for p in pages]
        stages.append(fit_stage(pages, cols, {**C.CONTEXT_TABLES, **C.LINE_TABLES}, C.CONTEXT_LINEAR, c))
    return {"stages": stages}


def stage_scores(p: dict, stages: list[dict]) -> list[float]:
    """Logits of the last stage given, using classify's own scoring code."""
    return C.page_scores(p["page"], {"stages": stages}) if p["page"].lines else []


def page_prf(p: dict, score: list[float], threshold: float) -> tuple[float, float, float]:
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


def f1_curves(pages: list[dict], scores: dict[str, list[float]]) -> np.ndarray:
    """Approximate F1 of each page (rows) at each of THRESHOLDS (columns)."""
    return np.array([[page_prf(p, scores[p["id"]], t)[2] for t in THRESHOLDS] for p in pages])


def grow_tree(curves: np.ndarray, feats: np.ndarray, idx: np.ndarray, depth: int) -> dict:
    """Threshold tree: each leaf holds the threshold with the best summed F1 over its pages;
    each split (on one page feature) is the one that most raises that sum."""
    curve = curves[idx].sum(0)
    node: dict = {"threshold": THRESHOLDS[int(curve.argmax())]}
    if depth == 0 or len(idx) < 2 * TREE_MIN_LEAF:
        return node
    best, split = curve.max() + 1e-9, None
    for j in range(feats.shape[1]):
        xs = feats[idx, j]
        order = np.argsort(xs, kind="stable")
        cum = np.cumsum(curves[idx][order], 0)
        for k in range(TREE_MIN_LEAF, len(idx) - TREE_MIN_LEAF + 1):
            if xs[order[k - 1]] == xs[order[k]]:
                continue
            gain = cum[k - 1].max() + (cum[-1] - cum[k - 1]).max()
            if gain > best:
                best, split = gain, (j, float((xs[order[k - 1]] + xs[order[k]]) / 2))
    if split is None:
        return node
    j, v = split
    return {"feature": j, "value": round(v, 6),
            "left": grow_tree(curves, feats, idx[feats[idx, j] <= v], depth - 1),
            "right": grow_tree(curves, feats, idx[feats[idx, j] > v], depth - 1)}


def mean_f1(pages: list[dict], scores: dict[str, list[float]], t: float) -> float:
    """Mean approximate F1 over pages at threshold t."""
    return sum(page_prf(p, scores[p["id"]], t)[2] for p in pages) / len(pages)


def exact_prf(p: dict, score: list[float], threshold: float) -> tuple[float, float, float]:
    """score.py's word P/R/F1 of the kept lines against main_content."""
    page = p["page"]
    keep = [True] * len(page.lines) if C.is_small(page) else C.keep_mask(score, page.nw, threshold)
    return prf("\n".join(s for s, k in zip(page.lines, keep) if k), p["gold"])


def table(pages: list[dict], scores: dict[str, list[float]], t: float | dict) -> str:
    """Per page-type F1/P/R table (exact score.py metric)."""
    groups: dict[str, list] = {"ALL": []}
    for p in pages:
        th = t[p["id"]] if isinstance(t, dict) else t
        s = exact_prf(p, scores[p["id"]], th)
        groups["ALL"].append(s)
        groups.setdefault(p["type"], []).append(s)
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
    ap.add_argument("-c", type=float, action="append", help="regularisation C to try (default: C_GRID)")
    args = ap.parse_args()
    t0 = time.time()
    pages = load(args.data_dir)
    print(f"loaded {len(pages)} pages, {sum(len(p['page'].lines) for p in pages)} lines in {time.time() - t0:.0f}s",
          file=sys.stderr)
    order = sorted(range(len(pages)), key=lambda i: pages[i]["id"])
    random.Random(SEED).shuffle(order)
    fold_of = {pages[i]["id"]: k % FOLDS for k, i in enumerate(order)}
    best = None
    for c in args.c or C_GRID:
        oof: dict[str, list[float]] = {}
        for k in range(FOLDS):
            model = train([p for p in pages if fold_of[p["id"]] != k], c)
            for p in pages:
                if fold_of[p["id"]] == k:
                    oof[p["id"]] = stage_scores(p, model["stages"])
        f1s = {t: mean_f1(pages, oof, t) for t in THRESHOLDS}
        t_best = max(f1s, key=f1s.get)
        print(f"C={c}: best pooled held-out F1 {f1s[t_best]:.4f} at threshold {t_best}", file=sys.stderr)
        if best is None or f1s[t_best] > best[0]:
            best = (f1s[t_best], c, t_best, oof)
    _, c, t_best, oof = best
    # Honest held-out tables: each fold's global threshold, and its threshold tree, are chosen on
    # the other folds' held-out scores.
    curves = f1_curves(pages, oof)
    feats = np.array([C.page_features(oof[p["id"]], p["page"].nw) for p in pages])
    fold = np.array([fold_of[p["id"]] for p in pages])
    fold_t, tree_t = {}, {}
    for k in range(FOLDS):
        others = [p for p in pages if fold_of[p["id"]] != k]
        tk = max(THRESHOLDS, key=lambda t: mean_f1(others, oof, t))
        tree = grow_tree(curves, feats, np.where(fold != k)[0], TREE_DEPTH)
        for p in pages:
            if fold_of[p["id"]] == k:
                fold_t[p["id"]] = tk
                tree_t[p["id"]] = C.page_threshold(oof[p["id"]], p["page"].nw, {"threshold_tree": tree})
    print(f"\nheld-out, one threshold (5-fold CV, C={c}, score.py metric):\n{table(pages, oof, fold_t)}")
    print(f"\nheld-out, threshold tree (nested 5-fold CV):\n{table(pages, oof, tree_t)}")
    model = train(pages, c)
    model.update({"threshold": t_best, "threshold_tree": grow_tree(curves, feats, np.arange(len(pages)), TREE_DEPTH),
                  "C": c, "folds": FOLDS, "seed": SEED})
    fitted = {p["id"]: stage_scores(p, model["stages"]) for p in pages}
    fitted_t = {p["id"]: C.page_threshold(fitted[p["id"]], p["page"].nw, model) for p in pages}
    print(f"\nfitted (all pages, threshold tree {model['threshold_tree']}):\n{table(pages, fitted, fitted_t)}")
    args.output.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {args.output} in {time.time() - t0:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
