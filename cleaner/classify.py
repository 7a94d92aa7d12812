"""Statistical text-mode boilerplate classifier: which lines of a whole-page text are not main content.

Stage 1 scores each non-blank line from its own counts (length, words, stopword share for the page's
language, punctuation, separators, casing, repetition, layout), its blank-separated block's and its
neighbours'. Stage 2 re-scores it from the stage-1 scores around it: window means, its block's scores,
the prose mass before and after it, the distance to confident prose and the prose zone it sits in
(the biggest zone is the main text; what follows it is mostly teasers, comments and footers).
Each stage is a sum of lookup tables over pairs of binned columns (boosted trees, compiled by
training/train_classifier.py, which trains it on the WCXB development split only); a stage is
evaluated with one gather over all lines of a page. The per-line counts come from one pass over the
page (cleaner/lines.py, in C when the extension is built). The functions here compute the rest with
numpy; when the extension is built, find_boilerplate runs the same computation in one C call per page
(native/score.h, given the model's columns, edges and tables by native_scorer), with the same results.
"""
from __future__ import annotations

import functools
import json
import os
from array import array
from collections.abc import Iterable, Sequence
from importlib import resources
from itertools import accumulate, chain
from typing import TYPE_CHECKING

from . import native
from .lines import COLUMNS, Lexicon, Primitives
from .stoplists import stoplist_files, stoplists

if TYPE_CHECKING:
    import numpy as np
else:
    from .lazy import numpy as np  # the C path (native_model) never needs it

# Documents this small are left alone: too little context to find a main region.
MIN_LINES = 5
MIN_WORDS = 100
# If fewer than this share of the words would survive, the model found no main region: fall back
# to keeping the best-scoring quarter of the lines (losing real sentences is worse than keeping boilerplate).
MIN_KEEP_SHARE = 0.05
# If the model would cut less than this share of the words, the page is already clean (an ordinary
# article with a headline and byline): leave it whole rather than nibble at its edges.
MIN_REMOVE_SHARE = 0.05
# Likewise a page whose only cut would be its first line or two (a headline and standfirst above the
# text) is a clean article: it is left whole, headline included.
HEAD_LINES = 2
# Logits are clipped here before averaging so one extreme line cannot dominate a window.
CLIP = 6.0
# Window half-widths (in lines) of the context averages: a line, a paragraph group, a section, a page part.
WINDOWS = (1, 3, 10, 30)
# Neighbours (lines above: positive, below: negative) whose columns each line also sees.
NEIGHBOURS = (1, 2, -1, -2)
NEIGHBOUR_COLUMNS = ("len", "stop", "punct", "term", "blank")
# A stage-1 score above this marks confident prose; distances to it are capped at FAR lines.
STRONG = 2.0
FAR = 1000
ZONE_FAR = 200
# The zone count a line sees is capped here.
MAX_ZONES = 50
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


def _read_weights() -> dict:
    """The weights file as JSON.

    A stage lists its input columns with their bin edges, and tables over pairs of columns (``a``, ``b``:
    column numbers, ``b`` may be ``-1`` for a one-column table) holding ``len(edges[a]) + 1`` by
    ``len(edges[b]) + 1`` values, row-major.
    """
    with open(_weights_path(), encoding="utf-8") as fh:
        return json.load(fh)


@functools.lru_cache(maxsize=1)
def load_model() -> dict:
    """Read the weights file once; each stage's edges and tables become numpy arrays ready for one gather.

    ``model["native"]`` is the C scorer of the same weights (native_model), or None.
    """
    model = _read_weights()
    for stage in model["stages"]:
        prepare_stage(stage)
    model["native"] = native_model()
    return model


@functools.lru_cache(maxsize=1)
def native_model() -> object | None:
    """The C scorer of the weights file, built once from the JSON without numpy; None without the extension."""
    return native_scorer(_read_weights()) if native.module is not None else None


def prepare_stage(stage: dict) -> dict:
    """Turn a stage read from JSON into arrays for stage_score (in place; also returned)."""
    stage["edges"] = [np.asarray(e, dtype=float) for e in stage["edges"]]
    nbins = [len(e) + 1 for e in stage["edges"]] + [1]
    # edges as columns of a (columns x most edges) matrix, padded with +inf: bins by comparison
    padded = np.full((len(nbins) - 1, max(nbins) - 1), np.inf)
    for j, e in enumerate(stage["edges"]):
        padded[j, :len(e)] = e
    stage["edge_columns"] = [padded[:, k:k + 1] for k in range(padded.shape[1])]
    a = np.asarray([t["a"] for t in stage["tables"]], dtype=np.int64)
    b = np.asarray([t["b"] for t in stage["tables"]], dtype=np.int64) % len(nbins)  # -1: the constant column
    sizes = [len(t["values"]) for t in stage["tables"]]
    stage["a"], stage["b"] = a, b
    stage["stride"] = np.asarray(nbins, dtype=np.int32)[b][:, None]
    stage["offset"] = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int32)[:, None]
    stage["values"] = np.concatenate([np.asarray(t["values"], dtype=float) for t in stage["tables"]])
    return stage


@functools.lru_cache(maxsize=1)
def _lexicon() -> Lexicon:
    """The stoplists, separators and terminals the per-line primitives are computed with."""
    files = stoplist_files() if native.module is not None else None
    return Lexicon(_stopword_index, SEPARATORS, TERMINALS, files)


def _stopword_index() -> dict[str, tuple[int, ...]]:
    """Lower-cased word -> ids of the stoplists holding it (built only if the Python code needs it)."""
    return stoplists()[0]


def _shift(a: np.ndarray, k: int, fill: float) -> np.ndarray:
    """Column a moved by k lines: out[i] = a[i - k] (k > 0: the line k above), fill past the page's ends."""
    out = np.full(len(a), fill, dtype=float)
    if k > 0:
        out[k:] = a[:-k]
    else:
        out[:k] = a[-k:]
    return out


def _window_mean(s: np.ndarray, k: int) -> np.ndarray:
    """Mean of s over the 2k+1 lines centred on each line (zeros past the page's ends)."""
    pre = np.concatenate(([0.0], np.cumsum(np.concatenate((np.zeros(k), s, np.zeros(k))))))
    return (pre[2 * k + 1:] - pre[:len(s)]) / (2 * k + 1)


class Page:
    """Visible non-blank lines of a page and their per-line counts (the stage-1 inputs)."""

    def __init__(self, source: str, removed: Sequence[tuple[int, int]] = ()) -> None:
        p = _primitives(source, removed)
        self.starts, self.ends, self.lines = p.start.tolist(), p.end.tolist(), p.lines
        self.primitives, self.lang = p.columns, p.lang  # what the C scorer reads (Scorer.trace in tests)
        self.nw = np.zeros(0, dtype=np.int64)
        self.columns: dict[str, np.ndarray] = {}
        if not p.lines:
            return
        self.nw = p.words
        self.columns = {
            "len": p.length,
            "nstop": p.stopwords,
            "nsep": p.separators,
            "comma": p.commas,
            "dotsp": p.dot_spaces,
            "term": p.terminal,
            "title": p.title,
            "dup": p.dup,
            "blank": p.blank,
        }


def _primitives(source: str, removed: Sequence[tuple[int, int]], with_lines: bool = True) -> Primitives:
    """The per-line primitives (cleaner/lines.py) of source's visible text (removed spans blanked)."""
    text = _mask(source, removed) if removed else source
    return _lexicon().page(text, LANG_SAMPLE_LINES, LANG_SAMPLE_WORDS, with_lines=with_lines)


def _mask(source: str, removed: Sequence[tuple[int, int]]) -> str:
    """Source with removed spans blanked (newlines kept, so offsets and line breaks stay)."""
    if native.module is not None:
        return native.module.mask(source, sorted(removed))
    return _mask_python(source, removed)


def _mask_python(source: str, removed: Sequence[tuple[int, int]]) -> str:
    """_mask without the C extension."""
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


def line_features(page: Page) -> dict[str, np.ndarray]:
    """Stage-1 inputs per line: its counts and shares, its blank-separated block's, its neighbours'."""
    c, nw = page.columns, page.nw
    n = len(nw)
    blank = c["blank"]
    after = np.ones(n, dtype=np.int64)
    after[:-1] = blank[1:]
    firsts = np.flatnonzero(blank)
    sizes = np.diff(np.append(firsts, n))
    bid = np.repeat(np.arange(len(sizes)), sizes)  # block number of each line
    block_words = np.bincount(bid, weights=nw)
    f = {
        "len": c["len"], "nw": nw, "stop": c["nstop"] / np.maximum(nw, 1), "nsep": c["nsep"],
        "punct": (c["comma"] + c["dotsp"]) / (nw + 1), "dotsp": c["dotsp"], "term": c["term"], "title": c["title"],
        "dup": c["dup"], "blank": blank, "after": after, "block": sizes[bid], "inblock": np.arange(n) - firsts[bid],
        "pos": np.arange(n) / n, "lang": np.full(n, int(page.lang >= 0)), "nlines": np.full(n, n),
        "pagewords": np.full(n, int(nw.sum())),
    }
    for k in NEIGHBOURS:
        for name in NEIGHBOUR_COLUMNS:
            f[f"{name}@{k}"] = _shift(np.asarray(f[name], dtype=float), k, -1.0)
    f["blockwords"] = block_words[bid]
    f["blockmaxlen"] = np.maximum.reduceat(c["len"], firsts)[bid]
    f["blockstop"] = (np.bincount(bid, weights=c["nstop"]) / np.maximum(block_words, 1))[bid]
    f["_bid"], f["_firsts"] = bid, firsts
    return f


def context_features(score: np.ndarray, page: Page, lines: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stage-2 inputs from stage-1 scores: window means, neighbours, the block's scores, the prose mass
    before and after the line, the distance to confident prose, and the prose zone the line is in."""
    nw = page.nw.astype(float)
    n = len(nw)
    s = np.clip(score, -CLIP, CLIP)
    f = {"s": s}
    for k in WINDOWS:
        f[f"w{k}"] = _window_mean(s, k)
    for k in NEIGHBOURS:
        f[f"s@{k}"] = _shift(s, k, -CLIP)
    for name, cut in (("mass", 0.0), ("strong", STRONG)):
        cum = np.concatenate(([0.0], np.cumsum(np.where(score > cut, nw, 0.0))))
        tot = cum[-1] or 1.0
        f[name + "before"] = cum[:-1] / tot
        f[name + "after"] = (tot - cum[1:]) / tot
    idx = np.arange(n)
    strong = score > STRONG
    f["dprev"] = np.minimum(idx - np.maximum.accumulate(np.where(strong, idx, -FAR)), FAR)
    f["dnext"] = np.minimum(np.minimum.accumulate(np.where(strong, idx, FAR + n)[::-1])[::-1] - idx, FAR)
    bid, firsts = lines["_bid"], lines["_firsts"]
    f["bmean"] = (np.bincount(bid, weights=s) / np.bincount(bid))[bid]
    f["bmax"] = np.maximum.reduceat(s, firsts)[bid]
    f["bmin"] = np.minimum.reduceat(s, firsts)[bid]
    total = nw.sum() or 1.0
    f["pstrong"] = np.full(n, float((nw * strong).sum() / total))
    f["ppos"] = np.full(n, float((nw * (score > 0)).sum() / total))
    # Prose zones: runs of lines whose 3-line mean score is positive; the biggest one is the main text.
    inz = f["w1"] > 0
    zid = np.cumsum(inz & ~np.concatenate(([False], inz[:-1]))) * inz  # 0 outside every zone
    zw = np.bincount(zid, weights=nw * (s > 0))
    zw[0] = 0.0
    ztot = zw.sum() or 1.0
    big = int(zw.argmax())
    inbig = (zid == big) & (big > 0)
    first, last = (idx[inbig][0], idx[inbig][-1]) if inbig.any() else (n, -1)
    before = np.cumsum(zw)[np.maximum.accumulate(zid)]  # words of the zones up to the line's (or the last one seen)
    f["zshare"] = zw[zid] / ztot
    f["inbig"] = inbig.astype(float)
    f["afterbig"] = np.clip(idx - last, -1, ZONE_FAR).astype(float)
    f["beforebig"] = np.clip(first - idx, -1, ZONE_FAR).astype(float)
    f["zmassbefore"] = before / ztot - f["zshare"] * (zid > 0)
    f["bigshare"] = np.full(n, zw[big] / ztot)
    f["nzones"] = np.full(n, float(min(len(zw) - 1, MAX_ZONES)))
    f.update(lines)
    return f


def stage_score(features: dict[str, np.ndarray], stage: dict) -> np.ndarray:
    """A stage's logit per line: its bias plus one value from each of its (pair) tables.

    Each input column is cut into bins at the stage's edges; a table is indexed by the bins of its two
    columns (a one-column table pairs with a constant column). All tables are gathered in one lookup.
    """
    x = np.vstack([features[name] for name in stage["features"]])
    codes = np.zeros((x.shape[0] + 1, x.shape[1]), dtype=np.int32)  # the last row: the constant column
    binned = codes[:-1]
    for edge in stage["edge_columns"]:  # bin = number of edges <= value (searchsorted side="right")
        binned += x >= edge
    index = codes[stage["a"]] * stage["stride"] + codes[stage["b"]] + stage["offset"]
    return stage["bias"] + np.take(stage["values"], index).sum(axis=0)


def page_scores(page: Page, model: dict) -> np.ndarray:
    """Final logit per line (positive side of the threshold = main content)."""
    first, second = model["stages"]
    lines = line_features(page)
    score = stage_score(lines, first)
    return stage_score(context_features(score, page, lines), second)


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
    """Lines to keep: score above threshold; a page is never wiped out, and an already-clean one is left whole."""
    keep = score > threshold
    total = int(nwords.sum())
    kept = int(nwords[keep].sum())
    if kept > (1 - MIN_REMOVE_SHARE) * total or keep[HEAD_LINES:].all():
        return np.ones(len(score), dtype=bool)
    if kept < MIN_KEEP_SHARE * total:
        floor = np.sort(score)[::-1][len(score) // 4]
        keep = score >= floor
    return keep


def is_small(page: Page) -> bool:
    """Too short to judge: leave alone."""
    return len(page.lines) < MIN_LINES or int(page.nw.sum()) < MIN_WORDS


def find_boilerplate(
    source: str, removed: Sequence[tuple[int, int]] = (), use_native: bool = True
) -> list[tuple[int, int, str]]:
    """Spans of `source` judged boilerplate, as (start, end, reason), sorted, non-overlapping, in source offsets.

    With the C extension (and ``use_native``) one C call scores the page; otherwise the numpy code does.
    """
    scorer = native_model() if use_native else None
    if scorer is not None:
        p = _primitives(source, removed, with_lines=False)  # the C scorer reads the columns' bytes only
        return [(a, b, "classifier") for a, b in scorer.spans(p.data, p.lang)]  # type: ignore[attr-defined]
    model = load_model()
    page = Page(source, removed)
    if is_small(page):
        return []
    score = page_scores(page, model)
    keep = keep_mask(score, page.nw, page_threshold(score, page.nw, model))
    # Runs of dropped lines: where keep turns False (first) and back to True (after the last).
    edges = np.diff(np.concatenate(([1], keep.view(np.int8), [1])))
    firsts, lasts = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1) - 1
    return [(page.starts[i], page.ends[j], "classifier") for i, j in zip(firsts.tolist(), lasts.tolist())]


# The per-line primitives the C scorer reads (rows of lines.COLUMNS), in the order native/score.h numbers them.
_NATIVE_ROWS = ("start", "end", "length", "words", "stopwords", "separators", "commas", "dot_spaces", "terminal",
                "title", "dup", "blank")


def native_sources(computed: Sequence[str]) -> dict[str, tuple[int, int, float]]:
    """Feature name -> (computed column, shift or window half-width, fill past the page's ends) for the C scorer.

    ``computed`` names the columns the C code computes (``score_columns()``, in its order); the names
    built from them mirror line_features and context_features: ``X@k`` is column X of the line k above
    (fill -1, or -CLIP for ``s``), ``wK`` the window mean of half-width K.
    """
    ids = {name: i for i, name in enumerate(computed)}
    out = {name: (i, 0, 0.0) for name, i in ids.items() if name != "w"}
    if "w" in ids:
        out.update({f"w{k}": (ids["w"], k, 0.0) for k in WINDOWS})
    for k in NEIGHBOURS:
        out.update({f"{c}@{k}": (ids[c], k, -1.0) for c in NEIGHBOUR_COLUMNS if c in ids})
        if "s" in ids:
            out[f"s@{k}"] = (ids["s"], k, -CLIP)
    return out


def _i32(values: Iterable[int]) -> bytes:
    """Native int32s (the C scorer's int32_t arrays)."""
    out = array("i", values)
    assert out.itemsize == 4
    return out.tobytes()


def _f64(values: Iterable[float]) -> bytes:
    """Native doubles."""
    return array("d", values).tobytes()


def native_stage(stage: dict, sources: dict[str, tuple[int, int, float]]) -> tuple | None:
    """A stage, as read from the weights file or prepared, as the C scorer takes it (the arrays prepare_stage
    makes, as bytes), or None if it reads a column the C code does not compute."""
    if not stage["features"] or any(name not in sources for name in stage["features"]):
        return None
    edges = [[float(x) for x in e] for e in stage["edges"]]
    if any(len(e) > 255 or any(x != x for x in e) or any(b < a for a, b in zip(e, e[1:])) for e in edges):
        return None  # the C search wants sorted edges (no NaN) and at most 256 bins
    nbins = [len(e) + 1 for e in edges] + [1]
    tables = stage["tables"]
    b = [t["b"] % len(nbins) for t in tables]  # -1: the constant column
    src, shift, fill = zip(*(sources[name] for name in stage["features"]))
    return (
        _i32(src), _i32(shift), _f64(fill), _i32(len(e) for e in edges), _f64(chain.from_iterable(edges)),
        _i32(t["a"] for t in tables), _i32(b), _i32(accumulate((len(t["values"]) for t in tables[:-1]), initial=0)),
        _i32(nbins[k] for k in b), _f64(chain.from_iterable(t["values"] for t in tables)), float(stage["bias"]),
    )


def native_tree(model: dict) -> tuple:
    """The threshold tree (or the global threshold as one leaf) as arrays, nodes before their children."""
    nodes: list[tuple[int, float, int, int, float]] = []

    def walk(node: dict) -> int:
        i = len(nodes)
        nodes.append((-1, 0.0, 0, 0, 0.0))
        if "feature" in node:
            left, right = walk(node["left"]), walk(node["right"])
            nodes[i] = (node["feature"], node["value"], left, right, 0.0)
        else:
            nodes[i] = (-1, 0.0, 0, 0, node["threshold"])
        return i

    tree = model.get("threshold_tree")
    walk({"threshold": model["threshold"]} if tree is None else tree)
    feature, value, left, right, threshold = (list(c) for c in zip(*nodes))
    return _i32(feature), _f64(value), _i32(left), _i32(right), _f64(threshold), _f64(SHARE_CUTOFFS)


def native_scorer(model: dict) -> object | None:
    """The C scorer of a model (as read, or with prepared stages), or None without the extension or if C lacks
    a column it reads."""
    if native.module is None or len(model["stages"]) != 2:
        return None
    sources = native_sources(native.module.score_columns())
    stages = [native_stage(stage, sources) for stage in model["stages"]]
    if None in stages:
        return None
    rows = _i32(COLUMNS.index(name) for name in _NATIVE_ROWS)
    ints = (len(COLUMNS), MIN_LINES, MIN_WORDS, HEAD_LINES, FAR, ZONE_FAR, MAX_ZONES)
    floats = (MIN_KEEP_SHARE, MIN_REMOVE_SHARE, CLIP, STRONG)
    return native.module.scorer(rows, ints, floats, *stages, native_tree(model))
