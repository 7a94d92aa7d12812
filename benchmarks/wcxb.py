"""Scoring on a WCXB-style data folder: lowercase \\w+ tokens, bag-of-words P/R/F1 per page, mean over pages."""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

TOKEN_RE = re.compile(r"\w+")


def tokens(text: str) -> Counter[str]:
    """Bag of lowercase word tokens."""
    return Counter(TOKEN_RE.findall(text.lower()))


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    """Word-bag precision, recall and F1 of pred against gold (1,1,1 when both are empty)."""
    p, g = tokens(pred), tokens(gold)
    if not p and not g:
        return 1.0, 1.0, 1.0
    overlap = sum((p & g).values())
    prec = overlap / sum(p.values()) if p else 0.0
    rec = overlap / sum(g.values()) if g else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def load_truth(data_dir: str | Path) -> dict[str, dict]:
    """The ground-truth records by page id."""
    with gzip.open(Path(data_dir) / "ground-truth.jsonl.gz", "rt", encoding="utf-8") as fh:
        return {r["id"]: r for r in map(json.loads, fh)}


def report(scores: dict[str, tuple[float, float, float]], truth: dict[str, dict], title: str = "") -> str:
    """Mean F1, P and R overall and per page type, as a text table."""
    groups: dict[str, list[tuple[float, float, float]]] = {"ALL": []}
    for pid, s in scores.items():
        groups["ALL"].append(s)
        groups.setdefault(truth[pid]["page_type"], []).append(s)
    lines = [title] if title else []
    lines.append(f"{'type':14} {'n':>5} {'F1':>6} {'P':>6} {'R':>6}")
    for name in ["ALL", *sorted(k for k in groups if k != "ALL")]:
        vals = groups[name]
        n = len(vals)
        mp, mr, mf = (sum(v[i] for v in vals) / n for i in range(3))
        lines.append(f"{name:14} {n:5d} {mf:6.3f} {mp:6.3f} {mr:6.3f}")
    return "\n".join(lines)
