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
    assert result.metadata["extractor"] == "trafilatura"
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


def test_product_pages_keep_trafilatura_text_without_region_blocks(monkeypatch) -> None:
    """On a declared product page the region's blocks (grids, reviews) are never merged in."""
    import cleaner.html as html_mod

    monkeypatch.setattr(html_mod, "combine", lambda extracted, region: ("Similar shoes you may like", "blocks"))
    plain = PRODUCT_PAGE.format(head="")
    product = PRODUCT_PAGE.format(head='<meta property="og:type" content="product">')
    assert html_mod.extract_main_text(plain) == ("Similar shoes you may like", "blocks")
    text, method = html_mod.extract_main_text(product)
    assert method == "trafilatura" and "superfine merino" in text and "Similar" not in text
