"""The C block walk (_cleaner_tree) gives exactly the blocks and overlay candidates of the Python walk."""
from __future__ import annotations

import os
import re
import sys

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from cleaner import blocks
from cleaner.html import parse_html

needs_walker = pytest.mark.skipif(blocks._WALKER is None, reason="the _cleaner_tree extension is not built")


def test_tree_walk_is_built_where_required() -> None:
    """CI sets CLEANER_REQUIRE_NATIVE=1: there the tree walk must have been built and loaded too."""
    if os.environ.get("CLEANER_REQUIRE_NATIVE") == "1":
        assert blocks._WALKER is not None, f"_cleaner_tree did not build or load ({sys.executable})"


def same_walk(root: etree._Element) -> tuple[list[blocks.Block], list[list]]:
    """Assert that walk() and walk_python() agree on root (the same blocks, the same overlay elements)."""
    ours = blocks.walk(root)
    theirs = blocks.walk_python(root)
    assert ours[0] == theirs[0]
    assert len(ours[1]) == len(theirs[1])
    for a, b in zip(ours[1], theirs[1]):
        assert a[0] is b[0] and a[1:] == b[1:]
    return ours


def native_walk(root: etree._Element) -> object:
    """What the C walk itself returns (None: it left the page to the Python walk)."""
    assert blocks._WALKER is not None
    return blocks._WALKER.walk(root, etree._Element)


PAGE = """<html><head><title>T</title><style>p {}</style></head><body class="home page">
<div id="cookie-banner" class="consent"><p>We use cookies. <a href="/ok">Accept</a></p></div>
<header class="site-header"><nav role="navigation"><ul><li><a href="/">Home</a></li>
<li><a href="/news">News</a> <span class="icon">›</span></li></ul></nav></header>
<main><article class="post entry-content"><h1 class="headline">The  council\u00a0met</h1>
<p>On Tuesday the <b>council</b> met\u3000and <a href="/b">approved the budget</a>, after a long debate.</p>
<p>  </p><p>Café Straße İstanbul ΣΟΦΙΑ σοφίας 日本語 ǅemal e\u0301 \U0001F600 under_score 3.5</p>
<figure><img src="x.jpg"><figcaption>Photo: A. Person</figcaption></figure>
<script>var x = "<p>not text</p>";</script>tail after script
<div role="dialog" aria-modal="true"><p>Sign up for our newsletter</p><button>Subscribe</button></div>
<table><tr><td>1</td><td class="price">£2</td></tr></table>
<div class="">empty class</div><div id="">empty id</div><div id="only-id">id only</div>
<span class="stars rating">★★★★☆</span> inline text <i>more</i>
<p><a href="/1">glued</a><a href="/2">links</a></p>
</article></main>
<aside class="sidebar widget"><h3>Related</h3><ul><li><a href="/r1">One</a></li><li><a href="/r2">Two</a></li></ul></aside>
<footer class="site-footer" role="contentinfo"><p>© 2026 Example</p><noscript><p>No scripts</p></noscript></footer>
</body></html>"""


@needs_walker
def test_walks_agree_on_a_page_with_every_feature() -> None:
    tree = parse_html(PAGE)
    for root in (tree.find(".//body"), tree, tree.find(".//article"), tree.find(".//script")):
        page, overlays = same_walk(root)
        assert native_walk(root) is not None
    page, overlays = same_walk(tree.find(".//body"))
    texts = [b.text for b in page]
    assert "The council met" in texts  # a no-break space and a double space normalised
    assert "Café Straße İstanbul ΣΟΦΙΑ σοφίας 日本語 ǅemal e\u0301 \U0001F600 under_score 3.5" in texts
    assert not any("not text" in t for t in texts)
    assert len(overlays) == 2  # the cookie banner, the dialog
    glued = next(b for b in page if b.text == "gluedlinks")
    assert glued.words == 1 and glued.link_words == 1  # two link words counted, one word in the block


@needs_walker
def test_walks_agree_with_comments_and_processing_instructions() -> None:
    # lxml's default HTML parser keeps comments and processing instructions: their tails are text
    root = lxml.html.fromstring(
        "<div class='a'>one<!-- c -->two<p>three<?pi x?>four <a href='#'>five<!--x--> six</a> seven</p>"
        "<!--last-->eight</div>")
    page, _ = same_walk(root)
    assert [b.text for b in page] == ["onetwo", "threefour five six seven", "eight"]
    assert page[1].link_words == 2
    assert native_walk(root) is not None


@needs_walker
def test_entity_references_are_left_to_the_python_walk() -> None:
    parser = etree.XMLParser(resolve_entities=False)
    root = etree.fromstring(b'<!DOCTYPE d [<!ENTITY e "x">]><div><p>a &e; b</p></div>', parser)
    assert native_walk(root) is None
    same_walk(root)


@needs_walker
def test_namespaced_elements_are_left_to_the_python_walk() -> None:
    root = etree.fromstring(b'<div xmlns:x="urn:x"><p>a</p><x:p class="c">b</x:p></div>')
    assert native_walk(root) is None
    same_walk(root)


@needs_walker
def test_overlay_candidates_are_the_python_walks_elements() -> None:
    tree = parse_html(PAGE)
    body = tree.find(".//body")
    _, overlays = blocks.walk(body)
    assert [el.get("class") or el.get("role") for el, _, _ in overlays] == ["consent", "dialog"]
    assert all(body in el.iterancestors() for el, _, _ in overlays)


def test_lower_casing_keeps_whether_a_text_holds_a_word_character() -> None:
    """The C walk keeps a block when its text holds a word character; the Python walk when its
    lower-cased text does. They agree if lower-casing neither makes nor loses one, for any character."""
    word = re.compile(r"\w")
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        assert (word.search(ch) is None) == (word.search(ch.lower()) is None), hex(cp)


# Random pages: tags of every kind the walk treats differently, attributes it reads, text with
# every kind of whitespace and word character.
TAGS = sorted(blocks.BLOCK_TAGS | blocks.DIV_LIKE | blocks.SKIP_TAGS | set(blocks.TAG_BITS)
              | {"span", "b", "i", "main", "article", "body", "html", "custom-el"})
CLASSES = ["", "nav", "menu item", "site-footer", "entry-content", "cookie-notice", "modal", "share",
           "btn icon", "card", "Ünïcode", "sr-only"]
TEXTS = st.one_of(
    st.sampled_from(["", " ", "\n\t ", "\u00a0", "\u3000x", "word", "two words", "İ", "Σ.", "3,5", "_", "·",
                     "a\u2028b", "\x1c", "日本", "e\u0301", "\U0001F600", "Read more »"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
)


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attrs = ""
    if draw(st.booleans()):
        attrs += f' class="{draw(st.sampled_from(CLASSES))}"'
    if draw(st.integers(0, 4)) == 0:
        attrs += f' id="{draw(st.sampled_from(CLASSES))}"'
    if draw(st.integers(0, 5)) == 0:
        attrs += f' role="{draw(st.sampled_from(["navigation", "dialog", "main", "menu", "alertdialog", "x"]))}"'
    if draw(st.integers(0, 6)) == 0:
        attrs += ' aria-modal="true"'
    children = []
    if depth < 4:
        for _ in range(draw(st.integers(0, 3))):
            children.append(draw(elements(depth + 1)) if draw(st.booleans()) else draw(TEXTS))
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;")  # noqa: E731
    return f"<{tag}{attrs}>{esc(draw(TEXTS))}{''.join(c if c.startswith('<') else esc(c) for c in children)}</{tag}>"


@needs_walker
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(elements(), min_size=1, max_size=4))
def test_walks_agree_on_random_pages(parts: list[str]) -> None:
    tree = parse_html("<html><body>" + "".join(parts) + "</body></html>")
    if tree is None:
        return
    body = tree.find(".//body")
    same_walk(body if body is not None else tree)
    same_walk(tree)


@needs_walker
def test_walks_agree_past_the_class_memo_size() -> None:
    """The C walk remembers up to 32,768 class/id strings, then starts again: its bits stay right."""
    names = ["nav", "site-footer", "cookie-modal", "card item", "x"]
    items = "".join(f'<li class="{names[i % 5]} n{i}">item {i}</li>' for i in range(40_000))
    tree = parse_html(f"<html><body><ul>{items}</ul></body></html>")
    body = tree.find(".//body")
    for _ in range(2):
        same_walk(body)


def test_no_class_word_group_matches_white_space() -> None:
    """The C walk ORs the bits of a class/id string's words (split at ASCII white space): exact if no
    group's pattern can match white space. Each pattern is an alternation of lower-case words, hyphens
    and word boundaries, optional letters: none matches a space, a tab or a line break."""
    for _, pattern in (*blocks.ATTR_GROUPS, ("overlay", blocks.OVERLAY_ATTR)):
        assert re.fullmatch(r"[a-z0-9|?()-]+", pattern.replace(r"\b", "")), pattern
    assert blocks.attr_bits("site-footer  nav\tshare") == (
        blocks.attr_bits("site-footer") | blocks.attr_bits("nav") | blocks.attr_bits("share"))


@needs_walker
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["nav", "NAV", "Foot", "ads", "x_ads", "ad-", "tabs", "tab", "more-", "Ünï",
                                 "K\u212a", "İtem", "modal", "pop-up", "\u00a0", " ", "\t", "-", "_", "3"]),
                max_size=6).map("".join))
def test_walks_agree_on_any_class_string(cls: str) -> None:
    tree = parse_html(f'<html><body><div class="{cls}" id="{cls[::-1]}"><p>text</p><span class="{cls}">'
                      "more text</span></div></body></html>")
    same_walk(tree.find(".//body"))
