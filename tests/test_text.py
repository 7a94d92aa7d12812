"""Repair, cut and normalise; and the invariants that hold for every seed."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Cleaner, clean, process
from cleaner.text import cut, normalise_whitespace, repair
from conftest import SEEDS


def squash(text: str) -> str:
    return " ".join(text.split())


def test_repair_fixes_mojibake_and_entities_but_keeps_quotes() -> None:
    assert repair("\u00e2\u20ac\u0153Hello\u00e2\u20ac\u009d") == "“Hello”"
    assert repair("Fish &amp; chips &lt;3") == "Fish & chips <3"
    assert repair("“curly” ‘quotes’ stay") == "“curly” ‘quotes’ stay"
    assert repair("ﬁne") == "fine"  # ligature
    assert repair("ａｂｃ") == "ａｂｃ"  # full width kept


def test_normalise_paragraphs() -> None:
    assert normalise_whitespace("a\nb\n\n\n\nc") == "a\n\nb\n\nc\n"
    assert normalise_whitespace("  x \u00a0 y  \r\n") == "x y\n"
    assert normalise_whitespace(" \n \t\n") == ""


def test_cut_never_glues_words() -> None:
    result = process("One two Advertisement\nthree")
    assert result.text == "One two Advertisement\n\nthree\n"
    text = "Before Sign up to our daily emails after."
    assert clean(text) == "Before after.\n"


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seed_invariants(seed) -> None:
    source = seed.read_text(encoding="utf-8")
    result = Cleaner().run(source)
    for r in result.removed:
        assert result.source[r.start:r.end] == r.text
    # Output is the input minus removed spans: only whitespace may differ.
    assert squash(result.text) == squash(cut(result.source, result.removed))
    # Cleaning clean text changes nothing.
    assert Cleaner().run(result.text).text == result.text
    # Nothing invented: every output paragraph appears verbatim in the source.
    source_squashed = squash(result.source)
    for paragraph in result.text.split("\n\n"):
        assert squash(paragraph) in source_squashed


def test_removals_are_sorted_and_explain_their_rule() -> None:
    result = process("Advertisement\nA story.\nShare this article\n© 2020 Example Ltd")
    assert [r.start for r in result.removed] == sorted(r.start for r in result.removed)
    assert [(r.category, r.rule) for r in result.removed] == [
        ("ads", "ads.marker"), ("share", "share.buttons"), ("legal", "legal.copyright-line")]


def test_debris_of_a_cut_line_goes_with_it() -> None:
    result = process("Follow us on Twitter | Follow us on Facebook\nA story.")
    assert result.text == "A story.\n"
    assert any(r.rule == "debris" and r.text.strip() == "|" for r in result.removed)


REPAIR_CASES = [
    "plain ascii line\nand another",
    "NOMAD\u00c2\u00ae case | Black",  # mojibake of ®
    "caf\u00c3\u00a9 \u00e2\u20ac\u201c d\u00c3\u00a9j\u00c3\u00a0 vu",
    "decomposed e\u0301 accents\n“quotes” stay",
    "ligature \ufb01sh and \ufb02ow",
    "controls \x00\x07 here\r\nwindows line\rold mac",
    "C1 \x85 next line and \x96 dash",
    "entities &amp; &eacute; &#8220;x&#8221; and a bare & sign",
    "escape \x1b[31mred\x1b[0m text",
    "bom \ufeff in the middle; separators \u2028 and \u2029",
    "Ελληνικά και русский текст, 中文, العربية",
    "\u00a0non-breaking\u00a0spaces\u00a0and ©®™ symbols",
    "prices in\n\u00c2\u00a3 GBP\nand \u00c2\u00a5 JPY",  # a badness match that starts at a line break
    "a line.\n\u00c2 Your price",  # the badness regex anchors "^\u00c2 " at a line's start
    "Tom & Jerry\nfish &chips; and AT&T\n&#x27;quoted&#39; d\u00e9j\u00e0",
    "e\u0301 not NFC\nplain \u00e9\ncaf\u00c3\u00a9 mojibake\n\u0301 starts a line\n\u212b\n\u1100\n\u1161 apart",
]


@pytest.mark.parametrize("text", REPAIR_CASES, ids=range(len(REPAIR_CASES)))
def test_repair_fast_path_equals_ftfy(text) -> None:
    import ftfy

    from cleaner.text import FTFY_CONFIG

    assert repair(text) == ftfy.fix_text(text, config=FTFY_CONFIG)
    joined = "\n".join(REPAIR_CASES)
    assert repair(joined) == ftfy.fix_text(joined, config=FTFY_CONFIG)


def test_badness_regex_on_re2_matches_wherever_ftfys_does() -> None:
    from ftfy import badness

    from cleaner.text import BADNESS_RE2

    for text in REPAIR_CASES + ["Â®", "Ã©", "â€™", "plain"]:
        assert (BADNESS_RE2.search(text) is None) == (badness.BADNESS_RE.search(text) is None), text
    # Python's \s and \w hold U+00A0, U+2003, é and ж; RE2's do not, and once missed these
    # lines (ftfy 6.3's regex matches them all; other versions' may not).
    for text in ["x\u2003Ð€", "\u00a0Ã€", "é“é", "ü»Ж", "a\u00a0Ã ", "\x0bÃ€"]:
        if badness.BADNESS_RE.search(text) is not None:
            assert BADNESS_RE2.search(text) is not None, text


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(sorted(set(__import__("ftfy.badness", fromlist=["x"]).BADNESS_RE.pattern)
                                      | set("\u00a0\u2003\u3000\x0b\x1c\x85éжß5٣_ \n"))), max_size=12))
def test_badness_regex_on_re2_is_a_superset(text) -> None:
    from ftfy import badness

    from cleaner.text import BADNESS_LINES_RE2, BADNESS_RE2

    if badness.BADNESS_RE.search(text) is not None:
        assert BADNESS_RE2.search(text) is not None
        assert BADNESS_LINES_RE2.search(text) is not None


def test_re2_superset_refuses_what_it_cannot_widen() -> None:
    from cleaner.text import re2_superset

    assert re2_superset(r"\bx") is None and re2_superset(r"\S") is None and re2_superset(r"[^\w]") is None
    assert re2_superset(r"x$") is None and re2_superset(r"[$]x") == r"[$]x"
    assert re2_superset(r"[\]\w]\\w") == r"[\]0-9A-Za-z_\x{80}-\x{10ffff}]\\w"


def test_badness_regexes_that_cannot_be_widened_run_on_pythons_re(monkeypatch) -> None:
    import re

    from ftfy import badness

    from cleaner import text

    assert text._badness_re2() is not None  # ftfy 6's pattern widens
    for pattern, flags in [("caf\\w$", 0), ("[ÃÂ]", re.IGNORECASE), ("\\u00c3\\w", 0)]:
        monkeypatch.setattr(badness, "BADNESS_RE", re.compile(pattern, flags))
        assert text._badness_re2() is None, pattern


def test_repair_equals_ftfy_on_the_mojibake_of_single_characters() -> None:
    """UTF-8 read as Windows-1252, one character at a time: found only by Python's Unicode \\s and \\w for some."""
    import ftfy

    from cleaner.text import FTFY_CONFIG

    assert repair("à¡Š") == ftfy.fix_text("à¡Š", config=FTFY_CONFIG)  # "\u084a" under ftfy 6.3
    for c in range(0x80, 0x30000, 29):
        if 0xD800 <= c < 0xE000:  # surrogates: not characters
            continue
        text = "word " + chr(c).encode("utf-8").decode("sloppy-windows-1252") + " word"
        assert repair(text) == ftfy.fix_text(text, config=FTFY_CONFIG), hex(c)


def test_lone_surrogates_do_not_crash() -> None:
    assert clean("broken \ud800 surrogate\nAdvertisement") == "broken \ufffd surrogate\n"
    assert clean("broken \ud800 surrogate\nAdvertisement", fix_unicode=False) == "broken \ufffd surrogate\n"


@pytest.mark.parametrize("data,expected", [
    ("Advertisement\nLe café a fermé.".encode("utf-8"), "Le café a fermé.\n"),
    ("Le café a fermé.".encode("cp1252"), "Le café a fermé.\n"),
    ("Advertisement\nUTF-16 text.".encode("utf-16"), "UTF-16 text.\n"),
    (b"\xff\xfe\xfd broken \xc3 bytes", None),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
    (b"", ""),
])
def test_bytes_input_never_raises(data, expected) -> None:
    out = clean(data)
    assert isinstance(out, str)
    if expected is not None:
        assert out == expected
