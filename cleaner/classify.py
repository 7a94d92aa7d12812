"""Statistical text-mode boilerplate classifier: which lines of a whole-page text are not main content.

Stage 1 scores each non-blank line with an additive model over a few joint feature tables (length x
stopword density for the page's language, punctuation, casing/repetition/layout, separators x
position). Context stages then re-score each line from its own score, the mean score of windows
of neighbouring lines and where it sits relative to the page's prose mass. Weights: ``train.py``.
The per-line primitives come from one pass over the page (cleaner/lines.py, in C when the extension
is built); the tables, windows and thresholds are numpy array operations over all lines of a page at once.
Training (reproducible, on the WCXB development split only): training/train_classifier.py.
"""
from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from importlib import resources

import numpy as np

from .lines import Lexicon

# Documents this small are left alone: too little context to find a main region.
MIN_LINES = 5
MIN_WORDS = 100
# If fewer than this share of the words would survive, the model found no main region: fall back
# to keeping the best-scoring quarter of the lines (losing real sentences is worse than keeping boilerplate).
MIN_KEEP_SHARE = 0.05
# If the model would cut less than this share of the words, the page is already clean (an ordinary
# article with a headline and byline): leave it whole rather than nibble at its edges.
MIN_REMOVE_SHARE = 0.05
# Logits are clipped here before averaging so one extreme line cannot dominate a window.
CLIP = 6.0
# Window half-widths (in lines) of the context averages: a line, a paragraph group, a section, a page part.
WINDOWS = (1, 3, 10, 30)
# Lines (the longest ones) and words per line used to guess the page language from stopword hits.
LANG_SAMPLE_LINES = 3
LANG_SAMPLE_WORDS = 30
# Whitespace-separated tokens that act as menu/breadcrumb separators.
SEPARATORS = ("|", "›", "»", "·", "•", "/", "→", ">", "-", "–", "—", "::", "*")
TERMINALS = tuple('.!?。！？:;"”’)')
# Page features of the threshold tree: the share of the page's words on lines scoring above each cutoff.
SHARE_CUTOFFS = (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0)


def _weights_path() -> str:
    """The weights file: $CLEANER_CLASSIFIER_WEIGHTS if set (for experiments), else the packaged one."""
    return os.environ.get("CLEANER_CLASSIFIER_WEIGHTS") or str(
        resources.files("cleaner") / "models" / "classifier.json"
    )


@functools.lru_cache(maxsize=1)
def load_model() -> dict:
    """Read the weights file once; the stage tables become numpy arrays."""
    with open(_weights_path(), encoding="utf-8") as fh:
        model = json.load(fh)
    for stage in model["stages"]:
        stage["tables"] = {k: np.asarray(v, dtype=float) for k, v in stage["tables"].items()}
    return model


@functools.lru_cache(maxsize=1)
def _stoplists() -> tuple[dict[str, tuple[int, ...]], list[frozenset[str]]]:
    """All justext stoplists: word -> language ids, and the stop sets."""
    import justext

    sets = [frozenset(justext.get_stoplist(n)) for n in sorted(justext.get_stoplists())]
    index: dict[str, list[int]] = {}
    for i, s in enumerate(sets):
        for w in s:
            index.setdefault(w, []).append(i)
    return {w: tuple(v) for w, v in index.items()}, sets


@functools.lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    """The stoplists, separators and terminals the per-line primitives are computed with."""
    return Lexicon(_stoplists()[0], SEPARATORS, TERMINALS)


def _table(edges: Sequence[int], cap: int) -> np.ndarray:
    """Lookup array value -> bin index for values 0..cap (bins split at the given edges)."""
    return np.searchsorted(np.asarray(edges), np.arange(cap + 1), side="right")


LEN_CAP, LEN_BIN = 400, _table((3, 5, 8, 12, 17, 25, 35, 50, 70, 100, 140, 200, 300), 400)
WORD_CAP, WORD_BIN = 40, _table((2, 3, 4, 6, 9, 14, 22), 40)
DUP_CAP, DUP_BIN = 9, _table((2, 3, 5), 9)
BLOCK_CAP, BLOCK_BIN = 20, _table((2, 3, 5, 9), 20)
N_LEN, N_WORD, N_DUP, N_BLOCK = (int(t[-1]) + 1 for t in (LEN_BIN, WORD_BIN, DUP_BIN, BLOCK_BIN))
N_STOP, N_PUNCT, N_SEP, N_POS = 10, 6, 3, 10
# Joint tables of stage 1 and their sizes (train.py one-hot encodes exactly these).
LINE_TABLES = {
    "len_stop": N_LEN * N_STOP,
    "words_punct_term": N_WORD * N_PUNCT * 2,
    "dup_title_blank_block": N_DUP * 2 * 4 * N_BLOCK,
    "sep_pos": N_SEP * N_POS,
}
N_SELF, N_MASS = 25, 6
CONTEXT_TABLES = {"self": N_SELF, "mass": N_MASS * N_MASS}
CONTEXT_LINEAR = tuple(f"w{k}" for k in WINDOWS)


class Page:
    """Visible non-blank lines of a page and their stage-1 table indices."""

    def __init__(self, source: str, removed: Sequence[tuple[int, int]] = ()) -> None:
        text = _mask(source, removed) if removed else source
        p = _lexicon().page(text, LANG_SAMPLE_LINES, LANG_SAMPLE_WORDS)  # the per-line primitives (cleaner/lines.py)
        self.starts, self.ends, self.lines = p.start.tolist(), p.end.tolist(), p.lines
        lines = p.lines
        n = len(lines)
        self.nw = np.zeros(0, dtype=np.int64)
        if not n:
            return
        lens = p.length
        self.nw = nw = p.words
        nstop, nsep = p.stopwords, p.separators
        punct = p.commas + p.dot_spaces
        term, title, dup, blank = p.terminal, p.title, p.dup, p.blank
        after = np.ones(n, dtype=np.int64)
        after[:-1] = blank[1:]
        bounds = np.append(np.flatnonzero(blank), n)
        sizes = np.diff(bounds)
        block = np.repeat(sizes, sizes)  # lines in the line's blank-separated block
        self.len_stop = LEN_BIN[np.minimum(lens, LEN_CAP)] * N_STOP + (9 * nstop) // np.maximum(nw, 1)
        self.words_punct_term = ((WORD_BIN[np.minimum(nw, WORD_CAP)] * N_PUNCT
                                  + np.minimum(5, (10 * punct) // (nw + 1))) * 2 + term)
        self.dup_title_blank_block = (((DUP_BIN[np.minimum(dup, DUP_CAP)] * 2 + title) * 4 + 2 * blank + after) * N_BLOCK
                                      + BLOCK_BIN[np.minimum(block, BLOCK_CAP)])
        self.sep_pos = np.minimum(nsep, 2) * N_POS + (N_POS * np.arange(n)) // n


def _mask(source: str, removed: Sequence[tuple[int, int]]) -> str:
    """Source with removed spans blanked (newlines kept, so offsets and line breaks stay)."""
    parts, pos = [], 0
    for a, b in sorted(removed):
        a, b = max(a, pos), min(b, len(source))
        if a >= b:
            continue
        parts.append(source[pos:a])
        parts.append("\n".join(" " * len(piece) for piece in source[a:b].split("\n")))
        pos = b
    parts.append(source[pos:])
    return "".join(parts)


def _tables(stage: dict, names) -> list[np.ndarray]:
    return [np.asarray(stage["tables"][k]) for k in names]


def line_score(page: Page, stage: dict) -> np.ndarray:
    """Stage-1 logit per line: bias plus one weight from each joint table."""
    t1, t2, t3, t4 = _tables(stage, LINE_TABLES)
    return stage["bias"] + t1[page.len_stop] + t2[page.words_punct_term] + t3[page.dup_title_blank_block] + t4[page.sep_pos]


def context_columns(score: np.ndarray, nw: np.ndarray) -> dict[str, np.ndarray]:
    """Context inputs from a stage's logits: own-score bin, window means, prose-mass position bin."""
    n = len(score)
    clipped = np.clip(score, -CLIP, CLIP)
    cols = {"self": np.where(clipped < CLIP, ((clipped + CLIP) * 2).astype(np.int64), N_SELF - 1)}
    for k in WINDOWS:
        pre = np.concatenate(([0.0], np.cumsum(np.concatenate((np.zeros(k), clipped, np.zeros(k))))))
        cols[f"w{k}"] = pre[2 * k + 1:] - pre[:n]
    cum = np.concatenate(([0], np.cumsum(np.where(score > 0, nw, 0))))
    tot = int(cum[-1]) or 1
    top = N_MASS - 1
    cols["mass"] = ((top * cum[:-1]) // tot) * N_MASS + (top * (tot - cum[1:])) // tot
    return cols


def context_score(cols: dict[str, np.ndarray], page: Page, stage: dict) -> np.ndarray:
    """Context-stage logit: own-score, mass and line tables plus linear window terms."""
    ts, tm = _tables(stage, CONTEXT_TABLES)
    t1, t2, t3, t4 = _tables(stage, LINE_TABLES)
    a, b, c, d = (stage["linear"][k] / (2 * int(k[1:]) + 1) for k in CONTEXT_LINEAR)
    x1, x3, x10, x30 = (cols[k] for k in CONTEXT_LINEAR)
    return (stage["bias"] + ts[cols["self"]] + tm[cols["mass"]] + a * x1 + b * x3 + c * x10 + d * x30
            + t1[page.len_stop] + t2[page.words_punct_term] + t3[page.dup_title_blank_block] + t4[page.sep_pos])


def page_scores(page: Page, model: dict) -> np.ndarray:
    """Final logit per line (positive side of the threshold = main content)."""
    stages = model["stages"]
    score = line_score(page, stages[0])
    for stage in stages[1:]:
        score = context_score(context_columns(score, page.nw), page, stage)
    return score


def share_above(score: np.ndarray, nwords: np.ndarray, cutoff: float) -> float:
    """Share of the page's words on lines scoring above cutoff."""
    score, nwords = np.asarray(score), np.asarray(nwords)
    return int(nwords[score > cutoff].sum()) / (int(nwords.sum()) or 1)


def page_features(score: np.ndarray, nwords: np.ndarray) -> list[float]:
    """The threshold tree's inputs: share_above each of SHARE_CUTOFFS."""
    return [share_above(score, nwords, c) for c in SHARE_CUTOFFS]


def page_threshold(score: np.ndarray, nwords: np.ndarray, model: dict) -> float:
    """The keep threshold for this page: a leaf of the model's threshold tree, else its global threshold.

    The tree adapts the cut to how much confident prose the page has: pages with little (product
    grids, listings) keep more of their short lines, pages with much keep less around it.
    """
    node = model.get("threshold_tree")
    if node is None:
        return model["threshold"]
    while "feature" in node:  # only the shares on the path are computed
        x = share_above(score, nwords, SHARE_CUTOFFS[node["feature"]])
        node = node["left"] if x <= node["value"] else node["right"]
    return node["threshold"]


def keep_mask(score: np.ndarray, nwords: np.ndarray, threshold: float) -> np.ndarray:
    """Lines to keep: score above threshold, with a fallback so a page is never wiped out."""
    keep = score > threshold
    total = int(nwords.sum())
    kept = int(nwords[keep].sum())
    if kept > (1 - MIN_REMOVE_SHARE) * total:
        return np.ones(len(score), dtype=bool)
    if kept < MIN_KEEP_SHARE * total:
        floor = np.sort(score)[::-1][len(score) // 4]
        keep = score >= floor
    return keep


def is_small(page: Page) -> bool:
    """Too short to judge: leave alone."""
    return len(page.lines) < MIN_LINES or int(page.nw.sum()) < MIN_WORDS


def find_boilerplate(source: str, removed: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
    """Spans of `source` judged boilerplate, as (start, end, reason), sorted, non-overlapping, in source offsets."""
    page = Page(source, removed)
    if is_small(page):
        return []
    model = load_model()
    score = page_scores(page, model)
    keep = keep_mask(score, page.nw, page_threshold(score, page.nw, model))
    # Runs of dropped lines: where keep turns False (first) and back to True (after the last).
    edges = np.diff(np.concatenate(([1], keep.view(np.int8), [1])))
    firsts, lasts = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1) - 1
    return [(page.starts[i], page.ends[j], "classifier") for i, j in zip(firsts.tolist(), lasts.tolist())]
