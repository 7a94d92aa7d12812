"""The NFC gate: text without an unsafe character (cleaner/nfc.py) is NFC, so repair skips the check."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import native
from cleaner.nfc import LIMIT, TABLES, parse_ranges, ranges_text, unsafe_bits, unsafe_codes
from cleaner.text import FIXABLE_BITS, repair

needs_native = pytest.mark.skipif(not native.available(), reason="the C extension is not built")

UNSAFE = unsafe_codes()
SAFE = [c for c in range(LIMIT) if c not in UNSAFE and not 0xD800 <= c < 0xE000]


def test_the_shipped_table_is_this_pythons_unicode() -> None:
    table = TABLES.get(unicodedata.unidata_version)
    if table is None:
        pytest.skip(f"no shipped table for Unicode {unicodedata.unidata_version}: it is computed at run time")
    assert parse_ranges(table) == UNSAFE
    assert ranges_text(UNSAFE) == table


def test_the_bitmap_holds_the_unsafe_set() -> None:
    bits = unsafe_bits()
    assert len(bits) * 8 == LIMIT
    assert {c for c in range(LIMIT) if bits[c >> 3] >> (c & 7) & 1} == UNSAFE


def test_no_ascii_character_is_unsafe_in_any_table() -> None:
    """The C scan tests only non-ASCII characters against the bitmap."""
    for table in TABLES.values():
        assert min(parse_ranges(table)) >= 0x80


def test_every_safe_character_is_a_stable_starter() -> None:
    for c in SAFE:
        ch = chr(c)
        assert unicodedata.combining(ch) == 0 and unicodedata.is_normalized("NFC", ch), hex(c)


def test_known_unsafe_characters() -> None:
    for ch in "\u0301\u0308\u1161\u11a8\u0cd5\u0b3e\u212b\u0958\u0344\u0340":
        assert ord(ch) in UNSAFE, hex(ord(ch))


def test_nothing_safe_composes_with_what_comes_before() -> None:
    """Safe characters after any safe first character of a canonical pair (or a Hangul L or LV syllable) stay NFC."""
    firsts = {"\u1100", "\uac00"}  # Hangul: L + V and LV + T compose
    for c in range(LIMIT):
        mapping = unicodedata.decomposition(chr(c))
        if mapping and not mapping.startswith("<") and len(mapping.split()) == 2:
            firsts.add(chr(int(mapping.split()[0], 16)))
    after = "".join(chr(c) for c in SAFE)
    for first in sorted(f for f in firsts if ord(f) not in UNSAFE):  # an unsafe first makes the text unsafe anyway  # one string per first character: every safe character follows a copy of it
        text = first + first.join(after)
        assert unicodedata.is_normalized("NFC", text), hex(ord(first))


SAFE_TEXT = st.lists(st.sampled_from(SAFE), max_size=40).map(lambda cs: "".join(map(chr, cs)))


@settings(max_examples=300, deadline=None)
@given(SAFE_TEXT)
def test_text_of_safe_characters_is_nfc(text: str) -> None:
    assert unicodedata.is_normalized("NFC", text)


@needs_native
@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), SAFE_TEXT, st.text(st.sampled_from("ae\u0301\u0308\u1100\u1161\uac00\u11a8 \n\u212b"))))
def test_the_scan_flags_every_unsafe_character(text: str) -> None:
    flagged = native.module.repair_scan(text, FIXABLE_BITS, unsafe_bits())[3]
    assert flagged == any(ord(c) >= LIMIT or ord(c) in UNSAFE for c in text)
    if not flagged:
        assert unicodedata.is_normalized("NFC", text)


def test_repair_still_normalises_text_that_needs_it() -> None:
    assert repair("cafe\u0301 and \u212b") == unicodedata.normalize("NFC", "cafe\u0301 and \u212b")
    assert repair("\u1100\u1161 ok \U0002f800") == unicodedata.normalize("NFC", "\u1100\u1161 ok \U0002f800")
    assert repair("plain caf\u00e9 \u2019quoted\u2019") == "plain caf\u00e9 \u2019quoted\u2019"
