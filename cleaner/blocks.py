"""Text blocks of a page region, with the cheap features cleaner.html's combiner needs."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WORD = re.compile(r"\w+")
# Leaf text containers: a block is the text of one of these that holds none of them inside.
BLOCK_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 li td th dt dd pre blockquote figcaption caption".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Containers that end the current block but are not blocks themselves.
DIV_LIKE = frozenset("div section article ul ol dl table tbody tr br hr main".split())
# Page chrome by tag name: whatever sits inside these is navigation/decoration, not content.
CHROME_TAGS = frozenset("nav header footer aside form dialog noscript button select option label".split())
CHROME_ROLES = frozenset("navigation banner contentinfo complementary dialog menu".split())
SKIP_TAGS = frozenset("script style template svg iframe head title meta link".split())
# Page chrome by class/id words (generic widget names, no site names).
CHROME_ATTR = re.compile(
    r"cookie|consent|gdpr|modal|popup|newsletter|subscribe|share|social|breadcrumb|related|"
    r"recommend|sidebar|navbar|\bmenu|banner|promo|advert|\bads?\b|skip-link|comment", re.I)
# Widget class/id words (on the block or any ancestor, inline elements included): text
# there is mostly not main content. Chosen by 5-fold CV on the WCXB development split
# from a fixed vocabulary of generic widget words: the words whose non-chrome text was
# >= 75% outside the gold text (docs/quality.md). They cover
# screen-reader-only labels, ratings/stars, pagination, quantity/wishlist/upsell shop
# controls, forum avatars and signatures, "recent/popular/trending" teasers, toolbars.
WIDGET_ATTR = re.compile(
    r"sr-only|visually-hidden|rating|stars|pagination|quantity|wishlist|upsell|avatar|signature|"
    r"recent|popular|trending|toolbar", re.I)


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


is_chrome_attr = attr_matcher(CHROME_ATTR)
is_widget_attr = attr_matcher(WIDGET_ATTR)


@dataclass
class Block:
    """The text of one leaf block element, its tag, word counts and whether it is page chrome.

    `widget` is true when the block or one of its ancestors (or an inline element
    inside it) has a widget class/id word (WIDGET_ATTR).
    """

    text: str
    tag: str
    words: int
    link_words: int
    chrome: bool
    widget: bool = False
    key: str = ""  # the lower-cased words joined by single spaces, for matching against other text

    @property
    def link_density(self) -> float:
        """Share of the block's words that sit inside <a>."""
        return self.link_words / self.words if self.words else 0.0


def _tag(el: Any) -> str:
    t = el.tag
    return t.lower() if isinstance(t, str) else ""


def blocks(root: Any) -> list[Block]:
    """Walk `root` in document order and cut its visible text into leaf blocks."""
    out: list[Block] = []
    buf: list[str] = []
    attr_memo: dict[tuple[str, str], tuple[bool, bool]] = {}  # class/id repeat a lot on a page

    def attr_flags(t: str, attrs: str) -> tuple[bool, bool]:
        key = (t, attrs)
        if key not in attr_memo:
            chrome = t not in ("body", "html", "main") and is_chrome_attr(attrs)
            attr_memo[key] = (chrome, is_widget_attr(attrs))
        return attr_memo[key]

    def flush() -> None:
        text = " ".join(" ".join(buf).split())
        buf.clear()
        widget = widget_stack[-1] or inline_widget[-1]
        inline_widget[-1] = False
        if text:
            words = WORD.findall(text.lower())
            n = len(words)
            if n:
                out.append(Block(text, cur_tag[-1], n, min(link_acc[-1], n), chrome_stack[-1], widget, " ".join(words)))

    def walk(el: Any, chrome: bool, in_link: bool, widget: bool) -> None:
        t = _tag(el)
        if not t or t in SKIP_TAGS:  # comments, scripts...; their tail is added by the parent
            return
        if t in CHROME_TAGS or (el.get("role") or "") in CHROME_ROLES:
            chrome = True
        attrs = (el.get("class") or "") + " " + (el.get("id") or "")
        if attrs != " ":
            is_chrome, is_widget = attr_flags(t, attrs)
            chrome = chrome or is_chrome
            widget = widget or is_widget
        in_link = in_link or t == "a"
        is_block = t in BLOCK_TAGS or t in DIV_LIKE
        if is_block:
            flush()
            link_acc[-1] = 0
            cur_tag.append(t if t in BLOCK_TAGS else "div")
            chrome_stack.append(chrome)
            link_acc.append(0)
            widget_stack.append(widget)
            inline_widget.append(False)
        elif widget:  # an inline widget (a star rating <span>) marks its block's text
            inline_widget[-1] = True
        if el.text:
            buf.append(el.text)
            if in_link:
                link_acc[-1] += len(WORD.findall(el.text))
        for ch in el:
            walk(ch, chrome, in_link, widget)
            if ch.tail:
                buf.append(ch.tail)
                if in_link:
                    link_acc[-1] += len(WORD.findall(ch.tail))
        if is_block:
            flush()
            cur_tag.pop()
            chrome_stack.pop()
            link_acc.pop()
            widget_stack.pop()
            inline_widget.pop()
            link_acc[-1] = 0

    cur_tag, chrome_stack, link_acc = ["div"], [False], [0]
    widget_stack, inline_widget = [False], [False]
    walk(root, False, False, False)
    flush()
    return out
