"""The trafilatura cleaner: HTML extraction then rules; format sniffing; text through trafilatura."""
from __future__ import annotations

from cleaner import process
from cleaner.cli import main
from cleaner.io import looks_like_html

PARAS = [
    "The council approved the budget on Tuesday after a four-hour debate in the town hall.",
    "Councillors said the vote showed real progress on housing, transport and schools.",
    "The leader of the opposition said the plan would raise council tax for most families.",
    "A final vote on the housing plan is expected before the end of the summer recess.",
]
PAGE = f"""<!DOCTYPE html><html><head><title>Budget passes</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Budget passes after long debate</h1>
<p>{PARAS[0]}</p><p>{PARAS[1]}</p>
<p>Follow us on Twitter for the latest news.</p>
<p>{PARAS[2]}</p><p>{PARAS[3]}</p>
</article>
<footer><p>© 2025 Example Media Group. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""


def test_html_extraction_then_rules() -> None:
    result = process(PAGE)
    for para in PARAS:
        assert para in result.text
    assert "Follow us on Twitter" not in result.text  # survived extraction, removed by rules
    assert "Sport" not in result.text and "Privacy" not in result.text
    assert result.metadata["extractor"] in ("blocks", "trafilatura")
    assert any(r.category == "promo" for r in result.removed)


def test_html_rules_only_cleaner_keeps_whole_visible_text() -> None:
    result = process(PAGE, cleaner="rules")
    assert "Sport" in result.text  # no extraction: menus stay
    assert "Follow us on Twitter" not in result.text


def test_format_sniffing() -> None:
    assert looks_like_html(PAGE)
    assert looks_like_html("<div><p>a</p><p>b</p><p>c</p><span>d</span><br></div>")
    assert looks_like_html("anything", name="page.htm.gz")
    assert not looks_like_html("The <b> tag makes text bold, said the guide.")
    assert not looks_like_html(PARAS[0])
    tags = "<div><p>a</p><p>b</p><p>c</p><span>d</span><br></div>"
    for name in ("notes.txt", "NOTES.TXT.gz", "readme.md", "a.text"):  # the name says text
        assert not looks_like_html(tags, name=name)
    assert looks_like_html(tags, name="record-without-a-suffix")


def test_format_text_overrides_sniffing() -> None:
    result = process("<p>Advertisement</p>", format="text")
    assert result.text == "<p>Advertisement</p>\n"


def test_empty_html_page_is_not_an_error() -> None:
    result = process("<html><body></body></html>", format="html")
    assert result.text == ""


def test_trafilatura_cleaner_on_text_keeps_offsets_in_the_input() -> None:
    text = "\n".join(["Advertisement", *PARAS])
    result = process(text, cleaner="trafilatura")
    for para in PARAS:
        assert para in result.text
    for r in result.removed:
        assert result.source[r.start:r.end] == r.text


def test_cli_html_file(runner, tmp_path) -> None:
    f = tmp_path / "page.html"
    f.write_text(PAGE, encoding="utf-8")
    result = runner.invoke(main, [str(f), "--json"])
    assert result.exit_code == 0
    assert PARAS[3] in result.output


PRODUCT_PAGE = (
    "<html><head>{head}</head><body><main><h1>Wool Runner</h1>"
    "<p>This wool runner is knit from superfine merino, so it stays cool in summer and warm in winter.</p>"
    "</main></body></html>"
)


def test_declares_product_reads_structured_data_only() -> None:
    from cleaner.html import declares_product, parse_html

    def declared(head: str) -> bool:
        html = PRODUCT_PAGE.format(head=head)
        return declares_product(html, parse_html(html))

    assert declared('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product"}</script>')
    assert declared('<script type="application/ld+json">{"@type" : [ "Product", "Thing"]}</script>')
    assert declared('<meta property="og:type" content="product">')
    assert declared('<meta property="og:type" content="product.item">')
    assert not declared("")
    assert not declared('<meta property="og:type" content="article">')
    assert not declared('<script type="application/ld+json">{"@type": "ProductGroup"}</script>')
    assert not declared('<title>"Product" reviews</title>')


def test_declared_product_is_a_block_feature() -> None:
    import cleaner.html as html_mod
    from cleaner.blocks import FEATURES, features

    plain = PRODUCT_PAGE.format(head="")
    product = PRODUCT_PAGE.format(head='<meta property="og:type" content="product">')
    col = FEATURES.index("page_product")
    for html, expected in ((plain, 0.0), (product, 1.0)):
        tree = html_mod.parse_html(html)
        page = html_mod.prune_overlays(tree, tree.find(".//body"))
        x = features(page, "", frozenset(), html_mod.declares_product(html, tree))
        assert set(x[:, col]) == {expected}


# ---- the block model ----

ARTICLE = [
    "The river authority said on Monday that the flood defences along the east bank would be raised by half a metre "
    "before the winter, after two years in which the water came within a hand's width of the top.",
    "Engineers began surveying the embankment in March. They found that the clay core had dried and cracked in the "
    "long summer, and that rabbits had dug into it in several places near the old mill.",
    "The work will cost about four million pounds, most of it paid by the national flood fund, and the authority "
    "expects the road along the bank to stay open while the crews work on one short stretch at a time.",
    "Residents who spoke at the public meeting last week said they welcomed the plan, although several asked why the "
    "west bank, where the houses sit lower, was not included in this round of repairs.",
    "A spokesperson for the authority said the west bank would be surveyed next spring and that any work found to be "
    "needed there would be planned in the same way, with the same public meetings beforehand.",
]
RELATED = ["Council tax to rise in spring", "New bridge opens to cyclists", "School wins national prize",
           "Market moves to the square", "Bus timetable changes from May", "Library extends opening hours"]
MENU = ["Home", "News", "Sport", "Weather", "Business", "Culture", "Contact us"]


def news_page(cookie: bool = False) -> str:
    nav = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in MENU)
    related = "".join(f'<li class="card"><a href="/r{i}"><h3>{t}</h3></a><span>2 hours ago</span></li>'
                      for i, t in enumerate(RELATED))
    banner = ('<div class="cookie-banner"><p>We use cookies to improve your experience on our site. '
              'By continuing you accept our use of cookies.</p><button>Accept all</button></div>') if cookie else ""
    body = "".join(f"<p>{p}</p>" for p in ARTICLE)
    return f"""<!DOCTYPE html><html lang="en"><head><title>Flood defences to be raised</title></head><body>
{banner}<header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>Flood defences to be raised before winter</h1>{body}</article>
<section class="related"><h2>More from the region</h2><ul>{related}</ul></section></main>
<footer><p>Copyright 2026 The Valley Gazette Ltd. All rights reserved.</p>
<ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li></ul></footer>
</body></html>"""


def test_model_keeps_the_article_and_drops_menu_footer_and_related_grid() -> None:
    from cleaner.html import extract_main_text

    text, method = extract_main_text(news_page())
    assert method == "blocks"
    for para in ARTICLE:
        assert para in text.split("\n")  # each paragraph whole, as the page shows it
    assert [line for line in text.split("\n") if line in ARTICLE] == ARTICLE  # document order
    for chrome in (*RELATED, "Copyright 2026", "Privacy policy", "Weather", "Contact us"):
        assert chrome not in text


def test_overlays_are_pruned_before_extraction() -> None:
    from cleaner.html import extract_main_text, parse_html, prune_overlays

    text, _ = extract_main_text(news_page(cookie=True))
    assert "cookies" not in text and ARTICLE[0] in text
    tree = parse_html(news_page(cookie=True))
    page = prune_overlays(tree, tree.find(".//body"))
    assert not any("cookies" in b.text for b in page)
    assert "cookie" not in (tree.find(".//body").text_content())
    # a wrapper with an overlay word that holds most of the page is not an overlay
    wrapped = news_page().replace("<main>", '<main class="modal-open">')
    tree = parse_html(wrapped)
    page = prune_overlays(tree, tree.find(".//body"))
    assert any(ARTICLE[0] == b.text for b in page)


def test_model_file_loads_with_the_features_it_was_trained_on() -> None:
    from cleaner.blocks import FEATURES
    from cleaner.html import PAGE_FEATURES, THRESHOLDS, load_model

    model = load_model()
    trees = model.trees
    n = len(trees.feature)
    assert n >= 10
    assert trees.feature.shape == (n, 2**trees.depth - 1) == trees.threshold.shape
    assert trees.leaf.shape == (n, 2**trees.depth)
    assert trees.feature.min() >= 0 and trees.feature.max() < len(FEATURES)

    def leaves(node: dict) -> list[int]:
        return [node["threshold"]] if "feature" not in node else leaves(node["left"]) + leaves(node["right"])

    assert all(0 <= t < len(THRESHOLDS) for t in leaves(model.threshold_tree))

    def splits(node: dict) -> list[int]:
        return [] if "feature" not in node else [node["feature"], *splits(node["left"]), *splits(node["right"])]

    assert all(0 <= f < len(PAGE_FEATURES) for f in splits(model.threshold_tree))


def test_trees_walk_complete_trees_in_heap_order() -> None:
    import numpy as np

    from cleaner.html import Trees

    # one depth-2 tree: root splits on feature 0 at 0.5, its children on feature 1 at 1.0 and 2.0;
    # a second tree that stopped at its root (a leaf repeated below it, thresholds +inf)
    inf = float("inf")
    trees = Trees({"depth": 2, "base": 0.5, "feature": [[0, 1, 1], [0, 0, 0]],
                   "threshold": [[0.5, 1.0, 2.0], [inf, inf, inf]], "leaf": [[1, 2, 3, 4], [10, 10, 10, 10]]})
    x = np.array([[0.0, 0.0], [0.0, 1.5], [0.5, 1.0], [1.0, 2.0], [1.0, 2.5]])
    assert trees.score(x).tolist() == [11.5, 12.5, 11.5, 13.5, 14.5]


def test_extraction_is_deterministic_across_processes() -> None:
    import os
    import subprocess
    import sys

    from cleaner.html import extract_main_text

    code = ("import sys; from cleaner.html import extract_main_text; "
            "sys.stdout.write(repr(extract_main_text(sys.stdin.read())))")
    page = news_page(cookie=True)
    here = repr(extract_main_text(page))
    assert here == repr(extract_main_text(page))
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], input=page, capture_output=True, text=True, env=env,
                             check=True).stdout
        assert out == here


def test_fallbacks_never_empty_a_page(monkeypatch) -> None:
    import cleaner.html as html_mod

    # the model keeps no block: trafilatura's text
    monkeypatch.setattr(html_mod.BlockModel, "keep", lambda self, page, x, extracted: [])
    text, method = html_mod.extract_main_text(news_page())
    assert method == "trafilatura" and ARTICLE[0] in text
    # a fragment lxml cannot make a page of: its visible text
    text, method = html_mod.extract_main_text("<p>Only one short line here.</p>")
    assert method == "visible-text" and text == "Only one short line here."
    # nothing found at all: the whole visible text
    monkeypatch.setattr(html_mod.trafilatura, "extract", lambda tree, **kw: "")
    text, method = html_mod.extract_main_text(news_page())
    assert method == "visible-text" and ARTICLE[0] in text and "Weather" in text


# ---- blocks ----


def test_blocks_cut_visible_text_in_document_order_with_structure_flags() -> None:
    import lxml.html

    from cleaner.blocks import ATTR_BIT0, ATTR_GROUPS, TAG_BITS, blocks

    root = lxml.html.fromstring(
        '<div><nav><a href="/">Home</a> <a href="/a">About</a></nav>'
        '<div class="entry-content"><h2>Title <b>here</b></h2><p>One <a href="/x">two</a> thr<i>ee</i>.'
        "<script>var x = 1;</script> Four</p><noscript><p>Shown without scripts</p></noscript></div>"
        '<footer class="site-footer"><p>Small print</p></footer></div>')
    page = blocks(root)
    assert [b.text for b in page] == ["Home About", "Title here", "One two three. Four", "Shown without scripts",
                                      "Small print"]
    assert [b.tag for b in page] == ["div", "h2", "p", "p", "p"]
    nav, heading, para, noscript, foot = page
    assert nav.flags & (1 << TAG_BITS["nav"]) and nav.link_words == 2 and nav.link_density == 1.0
    assert para.words == 4 and para.link_words == 1
    assert not para.flags & (1 << TAG_BITS["nav"])
    content = 1 << (ATTR_BIT0 + [name for name, _ in ATTR_GROUPS].index("content"))
    footer = 1 << (ATTR_BIT0 + [name for name, _ in ATTR_GROUPS].index("footer"))
    assert para.flags & content and heading.flags & content and not nav.flags & content
    assert foot.flags & footer and foot.flags & (1 << TAG_BITS["footer"])
    assert noscript.flags & (1 << TAG_BITS["noscript"])
    assert heading.parent == para.parent != nav.parent


def test_blocks_walk_any_depth_lxml_parses() -> None:
    import sys

    from cleaner.blocks import blocks
    from cleaner.html import parse_html

    depth = 240  # lxml keeps about 255 levels; deeper than Python's default recursion limit would allow per frame pair
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        tree = parse_html("<html><body>" + "<div>" * depth + "<p>Deep text</p>" + "</div>" * depth + "</body></html>")
        page = blocks(tree.find(".//body"))
    finally:
        sys.setrecursionlimit(old)
    assert [b.text for b in page] == ["Deep text"]


def test_trigram_cover_marks_words_in_shared_three_word_runs() -> None:
    import numpy as np

    from cleaner.blocks import _trigram_cover

    def cover(page: str, ext: str) -> list[float]:
        index = {w: i for i, w in enumerate(dict.fromkeys(ext.split()))}
        c = np.array([index.get(w, -1) for w in page.split()])
        return _trigram_cover(c, np.array([index[w] for w in ext.split()]), len(index)).tolist()

    page = "the cat sat on the mat and then it slept"
    assert cover(page, "a dog saw the cat sat down and then it slept") == [1, 1, 1, 0, 0, 0, 1, 1, 1, 1]
    assert cover(page, "the cat") == [0] * 10


def test_whole_runs_equal_a_substring_search_whatever_the_order() -> None:
    import random

    import numpy as np

    from cleaner.blocks import _whole_runs

    rng = random.Random(5)
    for _ in range(300):
        ext = [rng.choice("abcde") for _ in range(rng.randrange(0, 12))]
        norm = " " + " ".join(ext) + " "
        keys = [" ".join(rng.choice("abcdef") for _ in range(rng.randrange(1, 4))) for _ in range(rng.randrange(1, 8))]
        traf = np.array([1.0 if all(w in ext for w in k.split()) else 0.5 for k in keys])
        expected = [float(t == 1.0 and f" {k} " in norm) for t, k in zip(traf, keys)]
        assert _whole_runs(traf, keys, norm).tolist() == expected


def test_features_have_one_finite_row_per_block() -> None:
    import numpy as np

    from cleaner.blocks import FEATURES, features, page_stopwords
    from cleaner.html import parse_html, prune_overlays

    tree = parse_html(news_page())
    page = prune_overlays(tree, tree.find(".//body"))
    x = features(page, "\n".join(ARTICLE), page_stopwords(page), False)
    assert x.shape == (len(page), len(FEATURES)) and np.isfinite(x).all()
    cov = x[:, FEATURES.index("traf_cov")]
    assert {round(c, 6) for b, c in zip(page, cov) if b.text in ARTICLE} == {1.0}
    assert all(c == 0 for b, c in zip(page, cov) if b.text in RELATED)
    assert "the" in page_stopwords(page)
