"""The trafilatura cleaner: main text from HTML (trafilatura, stacked with a block model), then rules.

Extraction parses the page once and cuts its body into text blocks
(cleaner/blocks.py); cookie/consent/modal/newsletter overlays found on the way
are removed from the tree and their blocks dropped. trafilatura extracts the
main text from the pruned tree. A small model of boosted trees
(cleaner/models/html_blocks.json, trained by training/train_html.py) then
scores every block from its own features (how much of it trafilatura kept,
tag, links, stopwords, class/id words, position, repeated structure), its
neighbours' and its containers' (main content is a contiguous region) and the
page's (trafilatura's share of the page, structured-data product type). A small
tree over the page's score distribution sets the page's keep threshold; one of
its choices is trafilatura's text alone. The kept blocks, in document order
and as the page shows them, are the main text.
Lines repeated verbatim are then removed (carousels, duplicated buy boxes),
as removals of category "boilerplate" so --explain shows them.
"""
from __future__ import annotations

import functools
import html as html_lib
import json
import re
import threading
from collections.abc import Sequence
from html.parser import HTMLParser
from importlib import resources
from typing import Any

import lxml.html
import numpy as np
import trafilatura
from lxml import etree
from trafilatura.utils import is_dubious_html, repair_faulty_html

from .blocks import FEATURES, WORD, Block, features, page_stopwords, walk
from .model import Removal, Result
from .pipeline import CLASSIFIER, Cleaner

# Options pinned for every call, so the same page always gives the same text.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "output_format": "txt",
    "include_comments": False,  # reader comments are not the article
    "include_tables": True,  # tables often carry the article's figures
    "deduplicate": False,  # trafilatura's dedup cache is process-global state
    "with_metadata": False,
}
EXTRACTION = "extraction"  # the category of text the extractor left out (plain-text input)
MODEL_FILE = "html_blocks.json"


def extract_main_text(html: str) -> tuple[str, str]:
    """Return a page's main text and the method that found it.

    Methods: "blocks" (the blocks the model kept), "trafilatura" (the model
    kept none: trafilatura's text), "visible-text" (no tree, or nothing found:
    the page's whole visible text, so nothing is lost silently).
    """
    tree = parse_html(html) if html.strip() else None
    if tree is not None:
        body = tree.find(".//body")
        page = prune_overlays(tree, body if body is not None else tree)
        extracted = trafilatura.extract(tree, **TRAFILATURA_OPTIONS) or ""  # works on a copy
        kept = select(page, extracted, declares_product(html, tree))
        if kept:
            return "\n".join(b.text for b in kept), "blocks"
        if extracted.strip():
            return extracted, "trafilatura"
    return visible_text(html), "visible-text"


@functools.lru_cache(maxsize=1)
def load_model() -> BlockModel:
    """The packaged block model, read once."""
    with resources.files("cleaner").joinpath("models", MODEL_FILE).open(encoding="utf-8") as fh:
        return BlockModel(json.load(fh))


# Keep thresholds the per-page threshold tree chooses from; +inf keeps no block (trafilatura's text).
THRESHOLDS = [x / 4 for x in range(-16, 13)] + [float("inf")]
# Page features of the threshold tree: the share of the page's words in blocks scoring above each
# cutoff, trafilatura's words over the page's, the page's and trafilatura's word counts (log), and
# the words scoring above 0 over trafilatura's.
SCORE_CUTOFFS = (-2.0, -1.0, 0.0, 1.0, 2.0)
PAGE_FEATURES = [f"share_above{c:g}" for c in SCORE_CUTOFFS] + ["traf_ratio", "log_words", "log_traf", "above0_traf"]


def page_features(scores: np.ndarray, nw: np.ndarray, extracted: str) -> list[float]:
    """The PAGE_FEATURES of a page from its block scores and word counts and trafilatura's text."""
    total = max(float(nw.sum()), 1.0)
    ext = len(WORD.findall(extracted))
    feats = [float((nw * (scores > c)).sum()) / total for c in SCORE_CUTOFFS]
    return feats + [ext / total, float(np.log1p(total)), float(np.log1p(ext)),
                    float((nw * (scores > 0)).sum()) / max(ext, 1)]


def tree_choice(tree: dict[str, Any], feats: Sequence[float]) -> int:
    """The THRESHOLDS index a threshold tree gives these page features."""
    while "feature" in tree:
        tree = tree["left"] if feats[tree["feature"]] <= tree["value"] else tree["right"]
    return int(tree["threshold"])


class BlockModel:
    """Boosted trees that score blocks, and a tree over page features that sets the page's keep threshold."""

    def __init__(self, raw: dict[str, Any]) -> None:
        if raw["features"] != FEATURES or raw["page_features"] != PAGE_FEATURES:
            raise ValueError("the block model was trained on other features than cleaner.html and cleaner.blocks have")
        if raw["thresholds"] != [str(t) for t in THRESHOLDS]:
            raise ValueError("the block model's threshold tree was grown over other thresholds")
        self.trees = Trees(raw["trees"])
        self.threshold_tree = raw["threshold_tree"]

    def keep(self, page: Sequence[Block], x: np.ndarray, extracted: str) -> list[Block]:
        """The blocks to keep, in document order, given their FEATURES rows x and trafilatura's text."""
        scores = self.trees.score(x)
        nw = np.array([b.words for b in page], dtype=float)
        threshold = THRESHOLDS[tree_choice(self.threshold_tree, page_features(scores, nw, extracted))]
        return [b for b, s in zip(page, scores) if s >= threshold]


class Trees:
    """Boosted trees, each grown to a fixed depth, stored level by level (heap order).

    Node i's children are 2i+1 (value <= threshold) and 2i+2; a tree that stopped
    early has its leaf repeated below it, so every row takes `depth` steps.
    """

    def __init__(self, stage: dict[str, Any]) -> None:
        self.depth = int(stage["depth"])
        self.base = float(stage["base"])
        self.feature = np.asarray(stage["feature"], dtype=np.intp)
        self.threshold = np.asarray(stage["threshold"], dtype=float)
        self.leaf = np.asarray(stage["leaf"], dtype=float)

    def score(self, x: np.ndarray) -> np.ndarray:
        """The summed tree outputs (logits) of each row of x."""
        n, trees = len(x), len(self.feature)
        inner = 2**self.depth - 1
        tree_start = np.arange(trees) * inner  # flat indices: take() is much faster than 2-D fancy indexing
        row_start = np.arange(n)[:, None] * x.shape[1]
        values = np.ascontiguousarray(x, dtype=float).ravel()
        feature, threshold = self.feature.ravel(), self.threshold.ravel()
        node = np.zeros((n, trees), dtype=np.intp)
        for _ in range(self.depth):
            at = node + tree_start
            node = 2 * node + 1 + (values.take(row_start + feature.take(at)) > threshold.take(at))
        leaves = node - inner + np.arange(trees) * (inner + 1)
        return self.base + self.leaf.ravel().take(leaves).sum(axis=1)


def select(page: Sequence[Block], extracted: str, product: bool, model: BlockModel | None = None) -> list[Block]:
    """The blocks the model keeps, in document order (none: use trafilatura's text)."""
    if not page:
        return []
    model = model or load_model()
    return model.keep(page, features(page, extracted, page_stopwords(page), product), extracted)


# A page that declares itself a product (schema.org Product as JSON-LD or microdata, or
# og:type product): a feature of the block model (its other blocks are often grids and reviews).
PRODUCT_JSONLD = re.compile(r'"@type"\s*:\s*\[?\s*"Product"')
PRODUCT_ITEMTYPE = "schema.org/Product"


def declares_product(html: str, tree: Any) -> bool:
    """True if the page's structured data says it is a product page."""
    if PRODUCT_ITEMTYPE in html or ('"Product"' in html and PRODUCT_JSONLD.search(html)):
        return True
    return any(m.get("property") == "og:type" and (m.get("content") or "").strip().lower().startswith("product")
               for m in tree.iter("meta"))


_local = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> Any:
    """trafilatura's HTML parser settings, with lxml's C-level element class lookup.

    lxml.html picks each element's Python class in a Python method, called for
    every element object made while walking a tree (trafilatura's passes and
    ours). Here every element is a plain HtmlElement (lxml.html's form-field
    subclasses are never used), chosen in C. trafilatura's output on such a
    tree is the same as on its own (all 1,497 wcxb-dev pages compared).
    """
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser(
            collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
        )
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
        ))
        _local.parser = parser
    return parser


def parse_html(html: str) -> Any:
    """Parse a page as trafilatura.utils.load_html does for a str, with the parser above; None if not HTML."""
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    try:
        tree = lxml.html.fromstring(html, parser=_parser())
    except Exception:  # a str with an encoding declaration, or nothing to parse: try bytes
        tree = None
    if tree is None or len(tree) < 1:
        try:
            tree = lxml.html.fromstring(html.encode("utf-8", "surrogatepass"), parser=_parser())
        except Exception:
            tree = None
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


# An overlay candidate holding more than this share of the page's text is a page
# wrapper that happens to carry such a class (e.g. "modal-open"), not an overlay.
OVERLAY_MAX_SHARE = 0.3


def prune_overlays(tree: Any, root: Any) -> list[Block]:
    """Cut `root` into blocks, remove cookie/consent/modal/newsletter overlays from the tree; return the other blocks.

    Overlays (blocks.walk's candidates) are removed in document order; one inside
    an overlay already removed is skipped, and so is one holding more than
    OVERLAY_MAX_SHARE of the page's text.
    """
    page, found = walk(root)
    if not found:
        return page
    total = len(root.text_content()) or 1
    removed: set[Any] = set()
    dropped = np.zeros(len(page) + 1, dtype=np.intp)
    for el, first, end in found:
        if el.getparent() is None or any(a in removed for a in el.iterancestors()):
            continue
        if len(el.text_content()) > OVERLAY_MAX_SHARE * total:
            continue
        _drop(el)
        removed.add(el)
        dropped[first] += 1
        dropped[end] -= 1
    if not removed:
        return page
    inside = np.cumsum(dropped)[:-1] > 0
    return [b for b, gone in zip(page, inside) if not gone]


def _drop(el: Any) -> None:
    """Remove an element but keep its tail text."""
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


class _VisibleText(HTMLParser):
    """The text of a page outside script, style and head, one line per block element."""

    HIDDEN = frozenset("script style noscript template head title svg".split())
    BREAKS = frozenset("p div br li tr h1 h2 h3 h4 h5 h6 section article header footer ul ol table pre blockquote".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """All visible text of an HTML page or fragment, any depth, by a flat tokenizer.

    >>> visible_text("<p>One</p><script>x()</script><div>Two <b>three</b></div>")
    'One\\nTwo three'
    """
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def repeated_lines(source: str) -> list[Removal]:
    """Removals for lines that repeat an earlier line verbatim."""
    seen: set[str] = set()
    found, pos = [], 0
    for line in source.split("\n"):
        key = line.strip()
        if key and key in seen:
            found.append(Removal(pos, pos + len(line), CLASSIFIER, "html.repeated-line", line))
        seen.add(key)
        pos += len(line) + 1
    return found


def run_html(cleaner: Cleaner, html: str) -> Result:
    """Extract a page's main text, then clean it with the rules (the line classifier is for text)."""
    text, method = extract_main_text(html)
    source = cleaner.prepare(text)
    dropped = repeated_lines(source) if CLASSIFIER not in cleaner.config.keep else []
    result = cleaner.run_source(source, extra=dropped, classify=False)
    result.metadata.setdefault("extractor", method)
    return result


def run_text(cleaner: Cleaner, text: str) -> Result:
    """The trafilatura cleaner on plain text: each line becomes an HTML paragraph.

    trafilatura then judges the paragraphs with its own text heuristics; the
    lines it leaves out are recorded as removals of category "extraction",
    and the rule pass runs over the rest. Offsets stay in the input text.
    """
    source = cleaner.prepare(text)
    lines = _lines(source)
    body = "".join(f"<p>{html_lib.escape(line.strip())}</p>\n" for _, _, line in lines if line.strip())
    page = f"<html><body><article>\n{body}</article></body></html>"
    extracted = trafilatura.extract(page, **TRAFILATURA_OPTIONS) or ""
    kept = {" ".join(line.split()) for line in extracted.split("\n") if line.strip()}
    dropped = [
        Removal(start, end, EXTRACTION, "trafilatura.dropped", line)
        for start, end, line in lines
        if line.strip() and " ".join(line.split()) not in kept
    ]
    if len(dropped) == sum(1 for _, _, line in lines if line.strip()):
        dropped = []  # trafilatura found no main text: keep everything rather than lose it all
    result = cleaner.run_source(source, extra=dropped, classify=False)
    result.metadata.setdefault("extractor", "trafilatura" if dropped or extracted else "none")
    return result


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out
