"""Text blocks of a page region, with the cheap features cleaner.html's combiner needs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

WORD = re.compile(r"\w+")
# Leaf text containers: a block is the text of one of these that holds none of them inside.
BLOCK_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 li td th dt dd pre blockquote figcaption caption".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Page chrome by tag name: whatever sits inside these is navigation/decoration, not content.
CHROME_TAGS = frozenset("nav header footer aside form dialog noscript button select option label".split())
SKIP_TAGS = frozenset("script style template svg iframe head title meta link".split())
# Page chrome by class/id words (generic widget names, no site names).
CHROME_ATTR = re.compile(
    r"cookie|consent|gdpr|modal|popup|newsletter|subscribe|share|social|breadcrumb|related|"
    r"recommend|sidebar|navbar|\bmenu|banner|promo|advert|\bads?\b|skip-link|comment", re.I)


@dataclass
class Block:
    """The text of one leaf block element, its tag, word counts and whether it is page chrome."""

    text: str
    tag: str
    words: int
    link_words: int
    chrome: bool

    @property
    def link_density(self) -> float:
        """Share of the block's words that sit inside <a>."""
        return self.link_words / self.words if self.words else 0.0


def _tag(el: Any) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def _is_chrome(el: Any) -> bool:
    """True if the element itself is page chrome by tag, role or class/id."""
    t = _tag(el)
    if t in CHROME_TAGS:
        return True
    role = el.get("role") or ""
    if role in ("navigation", "banner", "contentinfo", "complementary", "dialog", "menu"):
        return True
    attrs = (el.get("class") or "") + " " + (el.get("id") or "")
    return bool(attrs.strip()) and t not in ("body", "html", "main") and bool(CHROME_ATTR.search(attrs))


def blocks(root: Any) -> list[Block]:
    """Walk `root` in document order and cut its visible text into leaf blocks."""
    out: list[Block] = []
    buf: list[str] = []
    state = {"link": 0}

    def flush(tag: str, chrome: bool, link_words: int) -> None:
        text = " ".join(" ".join(buf).split())
        buf.clear()
        if text:
            n = len(WORD.findall(text))
            if n:
                out.append(Block(text, tag, n, min(link_words, n), chrome))

    def walk(el: Any, chrome: bool, in_link: bool) -> None:
        t = _tag(el)
        if not t or t in SKIP_TAGS:  # comments, scripts...; their tail is added by the parent
            return
        chrome = chrome or _is_chrome(el)
        in_link = in_link or t == "a"
        is_block = t in BLOCK_TAGS or (t in ("div", "section", "article", "ul", "ol", "table", "tr", "br", "hr"))
        if is_block:
            flush(cur_tag[-1], chrome_stack[-1], link_acc[-1])
            link_acc[-1] = 0
            cur_tag.append(t if t in BLOCK_TAGS else "div")
            chrome_stack.append(chrome)
            link_acc.append(0)
        if el.text:
            buf.append(el.text)
            if in_link:
                link_acc[-1] += len(WORD.findall(el.text))
        for ch in el:
            walk(ch, chrome, in_link)
            if ch.tail:
                buf.append(ch.tail)
                if in_link:
                    link_acc[-1] += len(WORD.findall(ch.tail))
        if is_block:
            flush(cur_tag[-1], chrome_stack[-1], link_acc[-1])
            cur_tag.pop()
            chrome_stack.pop()
            link_acc.pop()
            link_acc[-1] = 0

    cur_tag, chrome_stack, link_acc = ["div"], [False], [0]
    walk(root, False, False)
    flush(cur_tag[-1], chrome_stack[-1], link_acc[-1])
    return out
