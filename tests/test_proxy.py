"""A pattern's proxy matches in every line where the pattern matches, and has no long-lived loop."""
from __future__ import annotations

import re

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.confined import line_confined
from cleaner.proxy import MIN_SCORE, _long_lived, _score, parse, proxy, text
from cleaner.rules import _options, default_pack_path, load_pack, spans

TRIGGERS = [t for r in load_pack(default_pack_path()).rules for t in r.triggers]


def matching_lines(pattern: str, data: bytes) -> set[int]:
    """Numbers of the lines of data where the pattern, run on the line alone, matches."""
    regex = re2.compile(pattern, _options())
    return {n for n, line in enumerate(data.split(b"\n")) if any(True for _ in spans(regex, line))}


def test_parse_gives_back_the_pattern() -> None:
    for pattern in TRIGGERS:
        flags, alts = parse(pattern)
        assert flags + "|".join("".join(map(text, alt)) for alt in alts) == pattern


def test_default_proxies_are_valid_and_hold_literal_text() -> None:
    found = [p for p in map(proxy, TRIGGERS) if p is not None]
    assert len(found) == len(TRIGGERS)  # every shipped pattern has one
    for p in found:
        re2.compile(p, _options())
        flags, alts = parse(p)
        assert not any(_long_lived(item) for alt in alts for item in alt), p
        assert min(sum(map(_score, alt)) for alt in alts) >= MIN_SCORE


@pytest.mark.parametrize(
    "pattern, expected",
    [
        (r"(?m)(?i)\bread more\b[^\n]{0,80}$", r"(?m)(?i)(?:\bread more\b)"),
        (r"(?m)^[ \t]*(?:Ad|Advert)[ \t]*$", r"(?m)(?:^[ \t]*(?:Ad|Advert)[ \t]*$)"),  # no loop: the whole pattern
        # an alternative without a loop goes on into what follows the group
        (r"(?m)^(?:Ad|Sponsored by [^\n]+)!$", r"(?m)(?:^(?:Ad!$|Sponsored by ))"),
        # nothing before the loop: what follows it
        (r"(?m)^[^\n]{0,}\(Photo\)$", r"(?m)(?:\(Photo\)$)"),
    ],
)
def test_proxy_examples(pattern: str, expected: str) -> None:
    assert proxy(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?i)\bread more\b[^\n]*",  # no multi-line mode: ^ and $ would mean the text's ends
        r"(?m)\Aread more[^\n]*",
        r"(?m)\Qread more\E[^\n]*",  # syntax the parser leaves alone
        r"(?m)read(?i)more[^\n]*",
        r"(?m)[^\n]*x[^\n]*",  # too little literal text
        r"(?m)(?:a|bcd)[^\n]*",
    ],
)
def test_no_proxy(pattern: str) -> None:
    assert proxy(pattern) is None


PIECES = [
    "a", "b", "ab", "ba b", " ", r"\b", "^", "$", r"\w", r"\d", r"\s", r"[^a]", r"[^\n]", r"[^.\n]", "[ab]",
    ".", "(?:a|bb)", "(a)", "(?P<n>ab)", "(?:ab|b[^\n]*a)", "(?:[^\n]*b|a)", r"\.", "é",
]
QUANT = ["", "", "*", "+", "?", "{0,3}", "{1,12}", "{0,}", "*?"]
PATTERN = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(QUANT)), min_size=1, max_size=7)
TEXT = st.text(alphabet="ab \n.é", max_size=60)
# What each piece can match (assertions: nothing), and how many times each quantifier lets it repeat.
# A line is built from these: most such lines match the pattern, and none is filtered out (drawing
# lines with st.from_regex(..., fullmatch=True) could spend minutes on a pattern like a\bb).
MATCHES = {
    "a": ["a"], "b": ["b"], "ab": ["ab"], "ba b": ["ba b"], " ": [" "], r"\b": [""], "^": [""], "$": [""],
    r"\w": ["a", "Z", "7", "_"], r"\d": ["0", "9"], r"\s": [" ", "\t"], r"[^a]": ["b", " ", "é"],
    r"[^\n]": ["a", " ", "."], r"[^.\n]": ["a", " "], "[ab]": ["a", "b"], ".": ["a", "."], "(?:a|bb)": ["a", "bb"],
    "(a)": ["a"], "(?P<n>ab)": ["ab"], "(?:ab|b[^\n]*a)": ["ab", "ba", "b a"], "(?:[^\n]*b|a)": ["b", "ab", "a"],
    r"\.": ["."], "é": ["é"],
}
REPEATS = {"": (1, 1), "*": (0, 3), "+": (1, 3), "?": (0, 1), "{0,3}": (0, 3), "{1,12}": (1, 12), "{0,}": (0, 3),
           "*?": (0, 3)}


def a_line(parts, data) -> str:
    """A line built piece by piece from what each piece matches (it may still miss an assertion)."""
    out = []
    for piece, quant in parts:
        low, high = REPEATS[quant] if piece not in ("^", "$", r"\b") else (1, 1)
        for _ in range(data.draw(st.integers(low, high))):
            out.append(data.draw(st.sampled_from(MATCHES[piece])))
    return "".join(out)


def test_every_piece_and_quantifier_can_be_drawn() -> None:
    assert set(MATCHES) == set(PIECES) and set(REPEATS) == set(QUANT)
    for piece, examples in MATCHES.items():
        for example in examples:
            assert re.fullmatch(piece, example) or (example == "" and piece in ("^", "$", r"\b")), (piece, example)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))  # 1 in 10 reaches the check
@given(PATTERN, PATTERN, st.booleans(), TEXT, TEXT, st.data())
def test_a_proxy_matches_every_line_the_pattern_matches(left, right, alternate, before, after, data) -> None:
    def join(parts):
        return "".join(p + (q if p not in ("^", "$", r"\b") else "") for p, q in parts)

    pattern = "(?m)" + join(left) + ("|" + join(right) if alternate else "")
    try:
        re2.compile(pattern, _options())
    except re2.error:
        return
    found = proxy(pattern)
    if found is None or not line_confined(pattern):
        return
    line = a_line(right if alternate and data.draw(st.booleans()) else left, data)
    body = (before + line.replace("\n", " ") + after).encode("utf-8")
    assert matching_lines(pattern, body) <= matching_lines(found, body), (pattern, found)
