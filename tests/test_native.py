"""The C extension gives exactly the results of the pure-Python code it replaces."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import native
from cleaner.classify import SEPARATORS, TERMINALS
from cleaner.stoplists import stoplists
from cleaner.lines import COLUMNS, Lexicon
from cleaner.nfc import unsafe_bits

needs_native = pytest.mark.skipif(not native.available(), reason="the C extension is not built")
_LEXICON: list[Lexicon] = []


def _lexicon() -> Lexicon:
    """The classifier's stoplists, separators and terminals (built once)."""
    if not _LEXICON:
        _LEXICON.append(Lexicon(stoplists()[0], SEPARATORS, TERMINALS))
    return _LEXICON[0]


def test_native_is_built_where_required() -> None:
    """CI sets CLEANER_REQUIRE_NATIVE=1: there the extension must have been built and loaded."""
    if os.environ.get("CLEANER_REQUIRE_NATIVE") == "1":
        assert native.available(), f"_cleaner_native did not build or load ({sys.executable})"


def same_page(lexicon: Lexicon, text: str, sample_lines: int = 3, sample_words: int = 30) -> None:
    a = lexicon.page(text, sample_lines, sample_words)
    b = lexicon.page(text, sample_lines, sample_words, use_native=False)
    assert a.lang == b.lang
    assert a.lines == b.lines
    assert a.columns.shape == b.columns.shape == (len(COLUMNS), len(b.lines))
    for name, x, y in zip(COLUMNS, a.columns, b.columns):
        assert x.tolist() == y.tolist(), name
    if native.available():  # without the line strs (the C scorer's call): the same columns
        c = lexicon.page(text, sample_lines, sample_words, with_lines=False)
        assert c.lines is None and c.lang == a.lang
        assert c.columns.tolist() == a.columns.tolist()


# Words with every kind of character the passes treat differently: stopwords of
# several languages in any case, separators, terminal punctuation, commas and
# full stops, non-ASCII letters (Σ and İ lower-case specially), combining marks,
# title-case letters, astral characters, NUL.
STOPWORDS = sorted(w for w, ids in stoplists()[0].items() if len(w) < 12)[::97]
WORDS = st.one_of(
    st.sampled_from(STOPWORDS).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title(), w + ",", w + "."])),
    st.sampled_from(SEPARATORS),
    st.sampled_from(["The", "THE", "İstanbul", "ΣΟΦΙΑ", "σοφίας", "ΌΣΟΣ", "e\u0301", "ǅemal", "Straße", "ﬁne",
                     "a.", "b,", "c!", "d?", "x:", "”", "’s", ".", ",", "::", "\x00", "\U0001F600", "日本語", "\ufeff"]),
    st.text(min_size=1, max_size=6),
)
SPACES = st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\r\n", "\n \n", "\x0b", "\x0c", "\x1c", "\x85", "\xa0",
                          "\u2028", "\u3000", " \n"])


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS, SPACES), max_size=60))
def test_page_primitives_native_equals_python(parts) -> None:
    same_page(_lexicon(), "".join(w + s for w, s in parts))


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(0, 5), st.integers(0, 40))
def test_page_primitives_any_text(text, sample_lines, sample_words) -> None:
    same_page(_lexicon(), text, sample_lines, sample_words)


@needs_native
def test_page_primitives_edge_cases() -> None:
    lexicon = _lexicon()
    for text in ["", "\n", " \n\t\n", "a", "a\n", "\na", "a\n\n\nb", "x \x00 y\nthe cat", "Σ σ ΣΑ ΑΣ ΑΣ.",
                 "same\nsame\n same \nother\nsame", "word " * 5000, "\u3000indeed\u3000\n"]:
        same_page(lexicon, text)


@needs_native
def test_page_primitives_in_every_language() -> None:
    """A text of each stoplist's own words, so that each language's table is built and used."""
    lexicon = _lexicon()
    for words in stoplists()[1]:
        sample = sorted(words)[:200]
        same_page(lexicon, " ".join(sample[:100]) + ".\n" + ", ".join(w.title() for w in sample[100:]) + "\n")


@needs_native
@pytest.mark.parametrize("terminals", [("...", "!", "»"), ("", "."), tuple("abcdefghijklmnopq"), ()])
def test_terminals_of_any_length(terminals) -> None:
    """The C pass tests one last character when every terminal is one (at most 16), else each terminal: both as str.endswith."""
    lexicon = Lexicon(stoplists()[0], SEPARATORS, terminals)
    same_page(lexicon, "Wait...\nNo..\nYes!\n«Quoi»\nq\nstop.\nabc\n\u00bb \nx")


@needs_native
def test_every_code_point_is_lowered_and_classed_alike() -> None:
    """Each character alone, beside a capital and after a letter: the same lower case, space and case tests."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and (c < 0x10000 or c % 5 == 0)]
    # Half the lower-cased forms are stopwords of language 0, the others of language 1.
    index = {}
    for i, ch in enumerate(chars):
        index.setdefault(ch.lower(), (i % 2,))
        index.setdefault(("a" + ch).lower(), ((i + 1) % 2,))
    lexicon = Lexicon(index, SEPARATORS, TERMINALS)
    for i in range(0, len(chars), 4096):
        block = chars[i:i + 4096]
        text = "\n".join(f"{c} A{c} a{c}{c} {c}.  , {c}" for c in block)
        same_page(lexicon, text)


@needs_native
def test_native_lower_is_str_lower() -> None:
    lexicon = _lexicon()._native
    for c in range(0x110000):
        if 0xD800 <= c < 0xE000:
            continue
        ch = chr(c)
        if ch.isspace():
            continue
        assert lexicon.lower(ch) == ch.lower(), hex(c)
    for token in ["ΣΑΣ", "ΑΣ", "Σ", "ΑΣΑ", "Α-Σ", "İİ", "ΑΣ\u0301", "Σ'Α"]:
        assert lexicon.lower(token) == token.lower(), token


def test_python_fallback_matches_its_own_columns() -> None:
    p = _lexicon().page("Home | News\n\nThe cat sat on the mat, and then it left. Again.\nHome | News\n", 3, 30,
                        use_native=False)
    assert p.lines == ["Home | News", "The cat sat on the mat, and then it left. Again.", "Home | News"]
    assert p.words.tolist() == [3, 11, 3]
    assert p.separators.tolist() == [1, 0, 1]
    assert p.stopwords.tolist()[1] >= 4
    assert p.commas.tolist() == [0, 1, 0] and p.dot_spaces.tolist() == [0, 1, 0]
    assert p.terminal.tolist() == [0, 1, 0] and p.title.tolist() == [1, 0, 1]
    assert p.dup.tolist() == [2, 1, 2] and p.blank.tolist() == [1, 1, 0]
    assert isinstance(p.columns, np.ndarray)


TEXTS = st.lists(st.one_of(WORDS, SPACES), max_size=80).map("".join)


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXTS, st.text()))
def test_normalise_native_equals_python(text) -> None:
    from cleaner.text import normalise_whitespace_python

    assert native.module.normalise(text) == normalise_whitespace_python(text)


@needs_native
def test_normalise_narrows_the_string() -> None:
    """Dropping the only wide character (a wide space) gives the same, narrow, str as Python's."""
    out = native.module.normalise("a\u3000b\U0001F600 \u2028c")
    assert out == "a b\U0001F600 c\n"
    assert native.module.normalise("a\u3000b") == "a b" + "\n"


# Characters of every class ftfy's badness regex knows, beside ASCII.
MOJIBAKE = "".join(sorted(set("".join(__import__("ftfy.badness", fromlist=["x"]).MOJIBAKE_CATEGORIES.values()))))
REPAIR_TEXT = st.lists(
    st.one_of(st.sampled_from(MOJIBAKE), st.sampled_from("aZ .,;&#x1\n\r\t"), st.sampled_from(
        ["&amp;", "&#39;", "&#x27;", "&eacute;", "&" + "a" * 24 + ";", "&" + "a" * 25 + ";", "&;", "&#;",
         "\ufb01", "\x1b[0m", "\u2028", "\x85", "\x00", "e\u0301", "\ud800", "\U0001F600", "’", "”"])),
    max_size=60).map("".join)


@needs_native
@settings(max_examples=400, deadline=None)
@given(st.one_of(REPAIR_TEXT, st.text()))
def test_repair_scan_native_equals_python(text) -> None:
    from cleaner.text import ENTITY_RE, FIXABLE_BITS, FIXABLE_RE

    hits, surrogate, _, _ = native.module.repair_scan(text, FIXABLE_BITS, unsafe_bits())
    expected = sorted([m.start() for m in FIXABLE_RE.finditer(text)] + [m.start() for m in ENTITY_RE.finditer(text)])
    assert hits == expected
    assert surrogate == any(0xD800 <= ord(c) < 0xE000 for c in text)


def _ftfy_badness_lines():  # type: ignore[no-untyped-def]
    """ftfy's own badness regex (Python's re), in multi-line mode as the whole-text scan runs it."""
    import re

    from ftfy import badness

    return re.compile(badness.BADNESS_RE.pattern, badness.BADNESS_RE.flags | re.MULTILINE)


@needs_native
@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.text(st.characters(max_codepoint=127), max_size=4), st.sampled_from(MOJIBAKE)),
                max_size=30).map(lambda parts: "".join(a + b for a, b in parts)))
def test_badness_gate_is_sound(text) -> None:
    """When the pre-scan says ftfy's badness regex cannot match, neither it nor our RE2 form does."""
    from cleaner.text import BADNESS_GATE, BADNESS_LINES_RE2, FIXABLE_BITS

    _, _, possible, _ = native.module.repair_scan(text, FIXABLE_BITS, unsafe_bits())
    if BADNESS_GATE and not possible:
        assert BADNESS_LINES_RE2.search(text) is None
        assert _ftfy_badness_lines().search(text) is None


@needs_native
def test_badness_gate_on_every_isolated_character() -> None:
    """Each mojibake-class character alone between ASCII neighbours: the gate opens wherever the regex matches."""
    from cleaner.text import BADNESS_GATE, BADNESS_LINES_RE2, FIXABLE_BITS

    if not BADNESS_GATE:
        pytest.skip("another ftfy badness regex: the gate is off")
    around = ["", " ", "a", "Z", ".", "\n", "a ", " a", "1", "\u00a0", "é", "\u2003"]
    ftfy_lines = _ftfy_badness_lines()
    for c in MOJIBAKE + "".join(map(chr, range(0x80, 0x250))):
        for left in around:
            for right in around:
                text = left + c + right
                if BADNESS_LINES_RE2.search(text) is not None or ftfy_lines.search(text) is not None:
                    assert native.module.repair_scan(text, FIXABLE_BITS, unsafe_bits())[2], repr(text)


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXTS, st.text(st.characters(exclude_categories=("Cs",)))), st.data())
def test_char_offsets_native_equals_python(text, data) -> None:
    from cleaner import pipeline

    raw = text.encode("utf-8")
    bounds = [len(text[:i].encode("utf-8")) for i in range(len(text) + 1)]
    wanted = sorted(set(data.draw(st.lists(st.sampled_from(bounds), max_size=20))))
    assert native.module.char_offsets(raw, wanted) == [len(raw[:o].decode("utf-8")) for o in wanted]
    saved, native.module = native.module, None
    try:
        python = pipeline._char_offsets(raw, wanted)
    finally:
        native.module = saved
    assert pipeline._char_offsets(raw, wanted) == python


OUTPUT_FORM = st.lists(st.one_of(WORDS, st.sampled_from([" ", "\n", "\n\n", "\n\n\n", "  ", "\t"])), max_size=30).map("".join)


@needs_native
@settings(max_examples=400)
@given(st.one_of(OUTPUT_FORM, OUTPUT_FORM.map(lambda t: t + "\n"), TEXTS, st.text()))
def test_in_output_form_native_equals_python(text) -> None:
    from cleaner.text import normalise_whitespace_python

    expected = text.endswith("\n") and normalise_whitespace_python(text) == text
    assert native.module.in_output_form(text) is expected
    normalised = normalise_whitespace_python(text)
    assert native.module.in_output_form(normalised) is bool(normalised)


@needs_native
@given(st.one_of(TEXTS, st.text()), st.data())
def test_cut_normalise_native_equals_python(text, data) -> None:
    from cleaner.text import cut_spans, merge_spans, normalise_whitespace_python

    bounds = st.integers(0, len(text))
    spans = merge_spans(data.draw(st.lists(st.tuples(bounds, bounds).map(sorted).map(tuple), max_size=8)))
    assert native.module.cut_normalise(text, spans) == normalise_whitespace_python(cut_spans(text, spans))
    if len(spans) > 1:  # touching spans too: each leaves its own seam
        touching = [(0, 0), (0, len(text))]
        assert native.module.cut_normalise(text, touching) == normalise_whitespace_python(cut_spans(text, touching))
    with pytest.raises(ValueError):
        native.module.cut_normalise(text, [(1, 0)])
    with pytest.raises(ValueError):
        native.module.cut_normalise(text, [(0, len(text) + 1)])


@needs_native
@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXTS, st.text()), st.data())
def test_mask_native_equals_python(text, data) -> None:
    """Blanking removed spans: the same str (and the same narrow kind: equality checks it) for any spans."""
    from cleaner.classify import _mask_python

    bounds = st.integers(0, len(text) + 3)  # past the end too: clamped
    spans = sorted(data.draw(st.lists(st.tuples(bounds, bounds), max_size=8)))  # unmerged, overlapping, empty
    out = native.module.mask(text, spans)
    assert out == _mask_python(text, spans)
    assert out.isascii() == _mask_python(text, spans).isascii()
    with pytest.raises(ValueError):
        native.module.mask(text, [(1, 2), (0, 1)])


LINES = st.lists(st.sampled_from(["Share | Tweet |", "Advertisement", " \t", "", "Story text.", "—", "a|b", "日本 ・"]),
                 max_size=12).map("\n".join)


@needs_native
@settings(max_examples=400, deadline=None)
@given(st.one_of(LINES, TEXTS, st.text(st.characters(exclude_categories=("Cs",)))), st.data())
def test_residue_native_equals_python(text, data) -> None:
    """Each line's kept pieces, its first removal's category (each removal has its own) and its rest, for any removals."""
    from cleaner.pipeline import residue_lines

    bounds = st.integers(0, len(text))
    pairs = data.draw(st.lists(st.tuples(bounds, bounds).map(sorted), max_size=10))  # unsorted, overlapping, empty
    pairs += data.draw(st.lists(st.sampled_from(pairs), max_size=3)) if pairs else []  # equal starts and ends
    cuts = [(a, b, "rule", f"category {k}") for k, (a, b) in enumerate(pairs)]
    assert native.module.residue(text, cuts) == residue_lines(text, cuts)


@needs_native
def test_residue_rejects_bad_removals() -> None:
    assert native.module.residue("text", []) == []
    for bad in ([(0, 5, "r", "c")], [(2, 1, "r", "c")], [(-1, 1, "r", "c")]):
        with pytest.raises(ValueError):
            native.module.residue("text", bad)
    with pytest.raises(TypeError):
        native.module.residue("text", [(0, 1)])
