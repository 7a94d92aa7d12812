"""Text blocks of a page, with the structural features cleaner.html's block model reads."""
from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

import numpy as np
import re2
from lxml import etree

from . import native
from .stoplists import stoplists

WORD = re.compile(r"\w+")
# Leaf text containers: a block is the text of one of these that holds none of them inside.
BLOCK_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 li td th dt dd pre blockquote figcaption caption".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Containers that end the current block but are not blocks themselves.
DIV_LIKE = frozenset("div section article ul ol dl table tbody thead tr br hr main figure header footer nav aside form".split())
SKIP_TAGS = frozenset("script style template svg iframe head title meta link".split())

# Bits of Block.flags. Tag bits: the block sits inside an element of that kind.
TAG_BITS = {
    "nav": 0, "header": 1, "footer": 2, "aside": 3,
    "form": 4, "button": 4, "select": 4, "option": 4, "label": 4, "dialog": 4,
    "ul": 5, "ol": 5, "dl": 5,
    "table": 6,
    "a": 7,
    "figure": 8, "figcaption": 8,
    "blockquote": 9,
    "noscript": 11,  # the text a page shows without scripts: some sites put all their content there
}
ROLE_BITS = {"navigation": 0, "banner": 1, "contentinfo": 2, "complementary": 3, "dialog": 4, "menu": 0,
             "search": 4, "main": 10, "article": 10}
ARTICLE_BIT = 10  # inside <article>, <main> or role=main/article
# Class/id word groups (generic widget names, no site names): bit ATTR_BIT0 + group index.
ATTR_GROUPS: tuple[tuple[str, str], ...] = (
    ("nav", r"nav|menu|breadcrumb|pagination|pager|\btabs?\b"),
    ("footer", r"footer|copyright|legal|\bfoot"),
    ("header", r"header|masthead|topbar|top-bar"),
    ("side", r"sidebar|aside|widget|\brail|column-right|col-right"),
    ("social", r"share|social|follow|facebook|twitter|whatsapp|pinterest"),
    ("related", r"related|recommend|suggest|more-|also|teaser|trending|popular|recent|latest|next|prev"),
    ("comment", r"comment|disqus|reply|respond|discussion"),
    ("ad", r"advert|\bads?\b|\bad-|sponsor|promo|banner|dfp|gpt"),
    ("meta", r"byline|author|date|time|meta|\btags?\b|categor|publish"),
    ("content", r"content|article|post|entry|story|body|text|main|prose|rich|descr"),
    ("title", r"title|headline|heading"),
    ("caption", r"caption|credit|figure|photo|image|img|media"),
    ("shop", r"product|price|cart|buy|sku|variant|spec|shop|checkout|quantity|wishlist|upsell|stock"),
    ("review", r"review|rating|stars"),
    ("card", r"card|item|tile|grid|list|thumb"),
    ("form", r"form|search|login|signin|sign-in|signup|subscribe|newsletter|input"),
    ("hidden", r"sr-only|visually-hidden|hidden|screen-reader|offscreen"),
    ("overlay", r"cookie|consent|gdpr|modal|popup|lightbox"),
    ("button", r"btn|button|\bcta\b|icon"),
    ("user", r"avatar|signature|profile|user|member"),
)
ATTR_BIT0 = 12
# Overlay candidates (cookie/consent banners, modals, sign-up pop-ups): elements with one of
# these roles, aria-modal="true", or an OVERLAY_ATTR class/id word; never these containers.
OVERLAY_ATTR = r"cookie|consent|gdpr|modal|popup|pop-up|newsletter|lightbox"
OVERLAY_ROLES = frozenset("dialog alertdialog".split())
OVERLAY_KEEP_TAGS = frozenset("html body main article".split())
OVERLAY_MATCH = len(ATTR_GROUPS)  # its index in _ATTR_SET
N_FLAGS = ATTR_BIT0 + len(ATTR_GROUPS)


def _attr_set() -> Any:
    """One RE2 Set of the ATTR_GROUPS patterns: a single linear scan names every group a string matches."""
    options = re2.Options()
    options.log_errors = False
    found = re2.Set.SearchSet(options)
    for _, pattern in ATTR_GROUPS:
        found.Add(pattern)
    found.Add(OVERLAY_ATTR)
    found.Compile()
    return found


_ATTR_SET = _attr_set()


def attr_matcher(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """A test equal to ``pattern.search`` for a case-insensitive pattern written in lower case.

    Python's re is slow on case-insensitive alternations; for ASCII text (nearly
    every class and id) searching the lower-cased text case-sensitively gives the
    same answer about 4x faster. Other text keeps the case-insensitive search.
    """
    assert pattern.flags & re.IGNORECASE and pattern.pattern == pattern.pattern.lower()
    lower = re.compile(pattern.pattern)

    def matches(text: str) -> bool:
        if text.isascii():
            return lower.search(text.lower()) is not None
        return pattern.search(text) is not None

    return matches


def attr_bits(attrs: str) -> int:
    """The ATTR_GROUPS bits of a class/id string.

    >>> attr_bits("site-footer") == 1 << (ATTR_BIT0 + 1)
    True
    """
    bits = 0
    for group in _ATTR_SET.Match(attrs.lower()) or ():
        bits |= 1 << (ATTR_BIT0 + group)  # the last, OVERLAY_MATCH, gives OVERLAY_BIT
    return bits


@dataclass(slots=True)
class Block:
    """The visible text of one leaf block element and where it sits in the page.

    `flags` has a bit per kind of ancestor (TAG_BITS, ROLE_BITS) and per class/id
    word group of the block or an ancestor (ATTR_GROUPS); `sig` names its tag and
    its and its parent's classes, so repeated items (cards, menu entries) share it.
    """

    text: str
    tag: str
    words: int
    link_words: int
    flags: int
    depth: int
    sig: str
    key: str  # the lower-cased words joined by single spaces
    parent: int = 0  # the numbers of the two nearest enclosing block/container elements (0: none)
    grand: int = 0

    @property
    def link_density(self) -> float:
        """Share of the block's words that sit inside <a>."""
        return self.link_words / self.words if self.words else 0.0


def walk(root: Any) -> tuple[list[Block], list[list[Any]]]:
    """Cut the visible text under `root` into leaf blocks, in document order, and find overlay candidates.

    Returns the blocks and, for each overlay candidate, [element, first block, end block]
    (the blocks from first to end-1 are its text). The walk is iterative, so it goes as
    deep as lxml parsed. The C extension _cleaner_tree walks libxml2's tree directly
    where it is built; walk_python is the same walk over lxml's iterwalk.
    """
    if _WALKER is not None and isinstance(root, etree._Element):
        found = _WALKER.walk(root, etree._Element)
        if found is not None:
            page = _native_blocks(found[0])
            if page is not None:
                return page, found[1]
    return walk_python(root)


def _native_blocks(raw: list[tuple[Any, ...]]) -> list[Block] | None:
    """Blocks from the C walk's tuples of Block's fields, in which a text that is not ASCII has no words or
    key yet; None if such a text has no word (the C walk keeps a text if it holds a word character, and
    lower-casing keeps one: tests/test_tree_walk.py checks every character)."""
    findall = WORD.findall
    out = []
    for item in raw:
        if item[7] is None:
            text, tag, _, link_words, flags, depth, sig, _, parent, grand = item
            words = findall(text.lower())
            if not words:
                return None
            n = len(words)
            out.append(Block(text, tag, n, min(link_words, n), flags, depth, sig, " ".join(words), parent, grand))
        else:
            out.append(Block(*item))
    return out


def walk_python(root: Any) -> tuple[list[Block], list[list[Any]]]:
    """walk() in Python, over lxml's iterwalk."""
    out: list[Block] = []
    buf: list[str] = []
    overlays: list[list[Any]] = []
    attr_memo: dict[str, int] = {}  # class/id strings repeat a lot on a page
    # Open blocks: [tag, flags, link words so far, depth, signature, number].
    stack: list[list[Any]] = [["div", 0, 0, 0, "", 0], ["div", 0, 0, 0, "", 0], ["div", 0, 0, 0, "", 0]]
    # Open elements: (flags, is_block, class, overlay index or -1), None for a skipped one.
    open_: list[tuple[int, bool, str, int] | None] = [(0, False, "", -1)]
    findall = WORD.findall
    stack_ids: list[None] = [None]  # its length numbers the next block element

    def flush() -> None:
        top = stack[-1]
        text = " ".join("".join(buf).split())
        buf.clear()
        if text:
            words = findall(text.lower())
            if words:
                n = len(words)
                out.append(Block(text, top[0], n, min(top[2], n), top[1], top[3], top[4], " ".join(words),
                                 stack[-2][5], stack[-3][5]))
        top[2] = 0

    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        if event == "start":
            t = el.tag
            if t in SKIP_TAGS or not isinstance(t, str):
                walker.skip_subtree()
                open_.append(None)
                continue
            parent = open_[-1]
            flags = parent[0] if parent is not None else 0
            bit = TAG_BITS.get(t)
            if bit is not None:
                flags |= 1 << bit
            role = el.get("role")
            overlay = False
            if role is not None:
                if role in ROLE_BITS:
                    flags |= 1 << ROLE_BITS[role]
                overlay = role in OVERLAY_ROLES
            if t == "main" or t == "article":
                flags |= 1 << ARTICLE_BIT
            cls = el.get("class") or ""
            ident = el.get("id")
            is_block = t in BLOCK_TAGS or t in DIV_LIKE
            if cls or ident:
                attrs = cls + " " + ident if ident else cls
                bits = attr_memo.get(attrs)
                if bits is None:
                    bits = attr_memo[attrs] = attr_bits(attrs)
                if bits & OVERLAY_BIT:
                    overlay = True
                    bits ^= OVERLAY_BIT
                flags |= bits
                if not is_block:  # an inline widget (a star-rating <span>) marks its block
                    stack[-1][1] |= bits
            if el.get("aria-modal") == "true":
                overlay = True
            cand = -1
            if overlay and t not in OVERLAY_KEEP_TAGS:
                if buf:
                    flush()
                cand = len(overlays)
                overlays.append([el, len(out), len(out)])
            if is_block:
                if buf:
                    flush()
                pcls = parent[2] if parent is not None else ""
                stack.append([t if t in BLOCK_TAGS else "div", flags, 0, len(open_), f"{t}.{cls}.{pcls}", len(stack_ids)])
                stack_ids.append(None)
            open_.append((flags, is_block, cls, cand))
            text = el.text
            if text and (buf or not text.isspace()):  # leading white space adds nothing to a block
                buf.append(text)
                if flags & LINK_FLAG:
                    stack[-1][2] += len(findall(text))
            continue
        if event == "end":
            state = open_.pop()
            if state is not None:
                if state[1]:
                    if buf:
                        flush()
                    stack.pop()
                if state[3] >= 0:
                    if buf:
                        flush()
                    overlays[state[3]][2] = len(out)
        tail = el.tail
        if tail and el is not root and (buf or not tail.isspace()):
            buf.append(tail)
            parent = open_[-1]
            if parent is not None and parent[0] & LINK_FLAG:
                stack[-1][2] += len(findall(tail))
    if buf:
        flush()
    return out, overlays


def blocks(root: Any) -> list[Block]:
    """The leaf blocks under `root` (walk() without the overlay candidates)."""
    return walk(root)[0]


LINK_FLAG = 1 << TAG_BITS["a"]
OVERLAY_BIT = 1 << (ATTR_BIT0 + OVERLAY_MATCH)  # not a feature: walk() clears it


def _walker() -> Any:
    """The C walk, configured with this module's tables; None without the extension (or with CLEANER_NATIVE=0)."""
    tree = native.tree()
    if tree is None:
        return None
    kinds = {"block": 1, "div": 2, "skip": 4, "keep": 8, "article": 16}
    tags: dict[str, list[int]] = {}
    for kind, names in (("block", BLOCK_TAGS), ("div", DIV_LIKE), ("skip", SKIP_TAGS), ("keep", OVERLAY_KEEP_TAGS),
                        ("article", ("main", "article"))):
        for name in names:
            tags.setdefault(name, [0, TAG_BITS.get(name, -1)])[0] |= kinds[kind]
    for name, bit in TAG_BITS.items():
        tags.setdefault(name, [0, bit])
    roles = {role: (ROLE_BITS.get(role, -1), role in OVERLAY_ROLES) for role in {*ROLE_BITS, *OVERLAY_ROLES}}
    low_level = getattr(_ATTR_SET, "_set", None)  # re2's RE2::Set binding: bytes in, group numbers out
    return tree.Walker({k: tuple(v) for k, v in tags.items()}, roles, attr_bits,
                       low_level.Match if low_level is not None else None, ATTR_BIT0,
                       LINK_FLAG, OVERLAY_BIT, 1 << ARTICLE_BIT)


_WALKER = _walker()


# ---- features for the block model (one row per block) ----
TERMINALS = tuple('.!?。！？:;"”’)')
TAG_GROUPS = {"p": 0, "h1": 1, "h2": 1, "h3": 1, "h4": 1, "h5": 1, "h6": 1, "li": 2, "td": 3, "th": 3, "div": 4}
N_TAG_GROUPS = 6  # 5: dt dd pre blockquote figcaption caption
CONTEXT_OFFSETS = (-2, -1, 1, 2)
WINDOWS = (3, 10, 30)


def _names() -> list[str]:
    names = ["traf_share", "traf_run", "traf_cov", "log_words", "link_density", "depth", "pos", "stop_share", "end_punct",
             "punct", "digits", "sig_count", "sig_traf"]
    names += [f"tag{i}" for i in range(N_TAG_GROUPS)]
    names += [f"flag{i}" for i in range(N_FLAGS)]
    names += [f"{f}@{o}" for o in CONTEXT_OFFSETS for f in ("traf_share", "link_density", "log_words")]
    names += [f"win{w}" for w in WINDOWS]
    names += ["in_span", "span_dist", "page_traf_ratio", "page_log_traf", "page_log_words", "page_product",
              "page_article_share"]
    names += [f"{level}_{f}" for level in ("parent", "grand") for f in ("traf", "log_words", "link", "log_blocks")]
    names += ["h1", "chars_per_word", "before_span", "after_span"]
    return names


FEATURES = _names()


def _shift(a: "np.ndarray", o: int) -> "np.ndarray":
    """a moved by o places (out[i] = a[i + o]), zero past the ends."""
    out = np.zeros_like(a)
    if o > 0:
        out[:-o] = a[o:]
    elif o < 0:
        out[-o:] = a[:o]
    return out


def _window_mean(values: "np.ndarray", weights: "np.ndarray", half: int) -> "np.ndarray":
    """Weighted mean of values over blocks i-half..i+half."""
    cv = np.concatenate(([0.0], np.cumsum(values * weights)))
    cw = np.concatenate(([0.0], np.cumsum(weights)))
    n = len(values)
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)
    return (cv[hi] - cv[lo]) / np.maximum(cw[hi] - cw[lo], 1e-9)


def _trigram_cover(c: "np.ndarray", e: "np.ndarray", v: int) -> "np.ndarray":
    """For each word of the page: 1.0 if it is part of a run of three words that also occurs in trafilatura's text.

    c: the page's words as ids of trafilatura's words (-1: not among them); e: trafilatura's words as ids; v: the ids.
    """
    n = len(c)
    cover = np.zeros(n)
    if n < 3 or len(e) < 3:
        return cover
    known = np.sort((e[:-2] * v + e[1:-1]) * v + e[2:])
    tri = (c[:-2] * v + c[1:-1]) * v + c[2:]
    pos = np.minimum(np.searchsorted(known, tri), len(known) - 1)
    hit = (known[pos] == tri) & (c[:-2] >= 0) & (c[1:-1] >= 0) & (c[2:] >= 0)
    cover[:-2] += hit
    cover[1:-1] += hit
    cover[2:] += hit
    return np.minimum(cover, 1.0)


def _whole_runs(traf: "np.ndarray", keys: list[str], norm: str) -> "np.ndarray":
    """1.0 for each block all of whose words occur in trafilatura's text and whose words occur there as one run.

    Same as testing ``f" {key} " in norm`` for every such block; each search starts where the
    previous block was found (blocks mostly come in trafilatura's order), and if it fails there,
    the text before that point is searched.
    """
    out = np.zeros(len(keys))
    last = 0
    for i in np.flatnonzero(traf == 1.0).tolist():
        s = f" {keys[i]} "
        at = norm.find(s, last)
        if at < 0 and last:
            at = norm.find(s, 0, last + len(s))
        if at >= 0:
            out[i] = 1.0
            last = at
    return out


def features(page: list[Block], extracted: str, stopwords: frozenset[str], product: bool) -> "np.ndarray":
    """The FEATURES matrix of a page's blocks given trafilatura's text (float64, one row per block)."""
    n = len(page)
    x = np.zeros((n, len(FEATURES)))
    if not n:
        return x
    ext_words = WORD.findall(extracted.lower())
    index = {w: i for i, w in enumerate(dict.fromkeys(ext_words))}  # trafilatura's words -> ids
    norm = " " + " ".join(ext_words) + " "
    keys = [b.key for b in page]
    allw = " ".join(keys).split(" ")
    m = len(allw)
    nw = np.array([b.words for b in page], dtype=float)
    starts = np.concatenate(([0], np.cumsum(nw)[:-1])).astype(np.int64)
    ids = np.fromiter(map(index.get, allw, repeat(-1)), dtype=np.int64, count=m)
    e = np.fromiter(map(index.__getitem__, ext_words), dtype=np.int64, count=len(ext_words))
    is_stop = np.fromiter(map(stopwords.__contains__, allw), dtype=bool, count=m)
    is_digit = np.fromiter(map(str.isdigit, allw), dtype=bool, count=m)
    traf = np.add.reduceat(ids >= 0, starts, dtype=float) / nw
    run = _whole_runs(traf, keys, norm)
    cov = np.add.reduceat(_trigram_cover(ids, e, len(index)), starts) / nw
    log_words = np.log1p(nw)
    link = np.array([b.link_words for b in page], dtype=float) / nw
    texts = [b.text for b in page]
    col = FEATURES.index
    x[:, 0] = traf
    x[:, 1] = run
    x[:, 2] = cov
    x[:, 3] = log_words
    x[:, 4] = link
    x[:, 5] = [b.depth for b in page]
    total = float(nw.sum())
    x[:, 6] = starts / total
    x[:, 7] = np.add.reduceat(is_stop, starts, dtype=float) / nw
    x[:, 8] = [t.endswith(TERMINALS) for t in texts]
    x[:, 9] = [(t.count(",") + t.count(".")) for t in texts] / nw
    x[:, 10] = np.add.reduceat(is_digit, starts, dtype=float) / nw
    sig_ids: dict[str, int] = {}
    sig = np.array([sig_ids.setdefault(b.sig, len(sig_ids)) for b in page])
    sig_n = np.bincount(sig)
    x[:, col("sig_count")] = np.log(sig_n[sig])
    x[:, col("sig_traf")] = (np.bincount(sig, weights=cov) / sig_n)[sig]
    tags = np.array([TAG_GROUPS.get(b.tag, 5) for b in page])
    t0 = col("tag0")
    x[np.arange(n), t0 + tags] = 1.0
    flags = np.array([b.flags for b in page], dtype=np.int64)
    f0 = col("flag0")
    x[:, f0:f0 + N_FLAGS] = (flags[:, None] >> np.arange(N_FLAGS)) & 1
    c0 = col(f"traf_share@{CONTEXT_OFFSETS[0]}")
    for i, o in enumerate(CONTEXT_OFFSETS):
        x[:, c0 + 3 * i] = _shift(cov, o)
        x[:, c0 + 3 * i + 1] = _shift(link, o)
        x[:, c0 + 3 * i + 2] = _shift(log_words, o)
    w0 = col(f"win{WINDOWS[0]}")
    for i, w in enumerate(WINDOWS):
        x[:, w0 + i] = _window_mean(cov, nw, w)
    anchors = np.flatnonzero((run > 0) & (nw >= 3))
    idx = np.arange(n)
    if len(anchors):
        x[:, col("in_span")] = (idx >= anchors[0]) & (idx <= anchors[-1])
        pos = np.searchsorted(anchors, idx)
        left = anchors[np.clip(pos - 1, 0, len(anchors) - 1)]
        right = anchors[np.clip(pos, 0, len(anchors) - 1)]
        x[:, col("span_dist")] = np.log1p(np.minimum(np.abs(idx - left), np.abs(right - idx)))
    else:
        x[:, col("span_dist")] = np.log1p(n)
    x[:, col("page_traf_ratio")] = len(ext_words) / total
    x[:, col("page_log_traf")] = np.log1p(len(ext_words))
    x[:, col("page_log_words")] = np.log1p(total)
    x[:, col("page_product")] = product
    x[:, col("page_article_share")] = float(nw[(flags >> ARTICLE_BIT) & 1 == 1].sum()) / total
    g0 = col("parent_traf")
    link_words = link * nw
    traf_words = cov * nw
    for i, group in enumerate((np.array([b.parent for b in page]), np.array([b.grand for b in page]))):
        _, g = np.unique(group, return_inverse=True)
        gw = np.bincount(g, weights=nw)
        x[:, g0 + 4 * i] = (np.bincount(g, weights=traf_words) / gw)[g]
        x[:, g0 + 4 * i + 1] = np.log1p(gw)[g]
        x[:, g0 + 4 * i + 2] = (np.bincount(g, weights=link_words) / gw)[g]
        x[:, g0 + 4 * i + 3] = np.log(np.bincount(g))[g]
    x[:, col("h1")] = [b.tag == "h1" for b in page]
    x[:, col("chars_per_word")] = np.array([len(t) for t in texts]) / nw
    if len(anchors):
        first, last = starts[anchors[0]], starts[anchors[-1]] + nw[anchors[-1]]
        x[:, col("before_span")] = np.maximum(first - starts - nw, 0) / total
        x[:, col("after_span")] = np.maximum(starts - last, 0) / total
    return x


LANG_SAMPLE_BLOCKS = 5


def page_stopwords(page: list[Block]) -> frozenset[str]:
    """The stoplist of the language with most hits among the words of the page's longest blocks (empty if none)."""
    index, sets = stoplists()
    sample: set[str] = set()
    for b in heapq.nlargest(LANG_SAMPLE_BLOCKS, page, key=lambda b: b.words):
        sample.update(b.key.split(" "))
    hits = Counter(chain.from_iterable(filter(None, map(index.get, sample))))
    if not hits:
        return frozenset()
    return sets[min(hits, key=lambda lang: (-hits[lang], lang))]  # ties: the lower id, never set order
