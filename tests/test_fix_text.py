"""cleaner/fix_text.py: ftfy.fix_text's copy with fast helpers gives ftfy's results."""
from __future__ import annotations

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import text
from cleaner.fix_text import fast_fix_text

WORDS = ["café", "naïve", "über", "straße", "señor", "déjà", "Москва", "Ελλάδα", "東京", "नमस्ते", "مرحبا",
         "“quoted”", "‘single’", "—", "…", "€5", "™", "ﬁsh", "ﬂow", "Ĳssel", "plain", "the", "a", "1,000"]
ENCODINGS = ["sloppy-windows-1252", "latin-1", "sloppy-windows-1251", "sloppy-windows-1250", "macroman", "cp437"]
NOISE = ["\x00", "\x07", "\x1b[31m", "\x85", "\x96", "\r\n", "\r", "\u2028", "\ufeff", "&amp;", "&eacute;", "&#8220;",
         "\u00a0", "\u2003", " ", "\n", "Ã", "Â ", "\ud800"]


def mojibake(words: list[str], encoding: str) -> str:
    """The words' UTF-8 read in another encoding (as it is, where that cannot be read)."""
    plain = " ".join(words)
    try:
        return plain.encode("utf-8").decode(encoding)
    except UnicodeDecodeError:
        return plain


PIECES = st.one_of(
    st.builds(mojibake, st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), st.sampled_from(ENCODINGS)),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join),
    st.sampled_from(NOISE),
    st.text(max_size=3),
)
LINES = st.lists(PIECES, max_size=8).map("".join)


@settings(max_examples=600, deadline=None)
@given(LINES)
def test_fast_fix_text_equals_ftfy(line) -> None:
    fast = fast_fix_text(text.BADNESS_RE2)
    assert fast(line, config=text.FTFY_CONFIG) == ftfy.fix_text(line, config=text.FTFY_CONFIG)
    assert fast(line) == ftfy.fix_text(line)


def test_fast_fix_text_equals_ftfy_on_every_kind_of_repair() -> None:
    fast = fast_fix_text(text.BADNESS_RE2)
    cases = [
        "\u00e2\u20ac\u0153Hello\u00e2\u20ac\u009d", "NOMAD\u00c2\u00ae case", "voil\u00c3 le travail",
        "à¡Š", "ﬁne ligatures", "controls \x00\x07 here", "C1 \x85 and \x96", "&eacute;t&eacute; &amp; more",
        "escape \x1b[31mred\x1b[0m", "lone \ud800 surrogate and caf\u00c3\u00a9", "Ð¡Ð¾Ð²ÐµÑ‚", "",
    ]
    for case in cases + [mojibake([w], e) for w in WORDS for e in ENCODINGS]:
        assert fast(case, config=text.FTFY_CONFIG) == ftfy.fix_text(case, config=text.FTFY_CONFIG), repr(case)


def test_fast_fix_text_on_the_mojibake_of_single_characters() -> None:
    fast = fast_fix_text(text.BADNESS_RE2)
    for c in range(0x80, 0x30000, 31):
        if 0xD800 <= c < 0xE000:
            continue
        for encoding in ("sloppy-windows-1252", "latin-1"):
            line = "x " + chr(c).encode("utf-8").decode(encoding) + " y"
            assert fast(line, config=text.FTFY_CONFIG) == ftfy.fix_text(line, config=text.FTFY_CONFIG), hex(c)


@pytest.mark.skipif(not ftfy.__version__.startswith("6."), reason="written against ftfy 6's code")
def test_the_fast_copy_is_in_use() -> None:
    assert text._fix_text is not ftfy.fix_text


def test_unknown_shapes_get_ftfy_itself(monkeypatch) -> None:
    from ftfy import badness

    monkeypatch.setattr(ftfy, "is_bad", lambda t: badness.BADNESS_RE.search(t) is not None)  # another shape
    assert fast_fix_text(text.BADNESS_RE2) is ftfy.fix_text
    monkeypatch.undo()
    monkeypatch.setitem(ftfy.FIXERS, "fix_latin_ligatures", lambda t: t.replace("ﬁ", "fi"))
    assert fast_fix_text(text.BADNESS_RE2) is ftfy.fix_text
    monkeypatch.undo()
    monkeypatch.delattr(ftfy, "_try_fix")
    assert fast_fix_text(text.BADNESS_RE2) is ftfy.fix_text
