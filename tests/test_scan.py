"""The Scanner finds exactly what each rule finds alone; line_confined is never wrong when it says yes."""
from __future__ import annotations

from pathlib import Path

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.confined import line_confined
from cleaner.rules import _options, compile_pattern, default_pack_path, fullmatch, load_pack, spans
from cleaner.scan import LineScan, Scanner, Split, loosen, scanner, uncapture, whole_line

ARTICLE = "The council approved the budget on Tuesday after a four-hour debate."
RULES = load_pack(default_pack_path()).rules
EXAMPLES = [t for r in RULES for t in r.examples.get("remove", []) + r.examples.get("keep", [])]


def alone(rules, data: bytes) -> dict[str, list]:
    """Each rule run by itself: line rules on each line they may match (LineScan), the others on the whole text."""
    out = {r.name: list(r.find(data)) for r in rules if r.scope != "line"}
    out.update(LineScan(rules).find(data))
    return {k: v for k, v in out.items() if v}


def scanned(rules, data: bytes) -> dict[str, list]:
    return {k: v for k, v in scanner(rules).find(data).items() if v}


def test_default_pack_is_scanned_whole_by_the_scanner() -> None:
    s = scanner(RULES)
    assert isinstance(s, Scanner)
    assert not s.whole.rules  # every default rule is line-confined


@pytest.mark.parametrize("sep", ["\n", "\r\n", "\n\n", " "])
def test_scanner_finds_what_each_rule_finds_alone(sep: str) -> None:
    for order in (EXAMPLES, EXAMPLES[::-1], sorted(EXAMPLES)):
        data = sep.join([ARTICLE, *order, "", ARTICLE]).encode("utf-8")
        expected = alone(RULES, data)
        assert expected
        assert scanned(RULES, data) == expected  # same matches, same order, same captures


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(EXAMPLES + [ARTICLE, "", " ", "\t", "By", "Share", "©", "x" * 50]), max_size=12),
       st.sampled_from(["\n", "\r\n", " ", ". ", "\n\n"]))
def test_scanner_equals_rules_alone_on_mixed_lines(pieces: list[str], sep: str) -> None:
    data = sep.join(pieces).encode("utf-8")
    assert scanned(RULES, data) == alone(RULES, data)


def test_a_line_rule_that_is_not_confined_keeps_the_line_scan(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[categories]\nx = 'x'\n[[rule]]\nname = 'x.a'\ncategory = 'x'\nscope = 'line'\npattern = 'Share\\s+this'\n"
                    "[[rule]]\nname = 'x.b'\ncategory = 'x'\npattern = 'foo\\sbar'\n", encoding="utf-8")
    rules = load_pack(path).rules
    assert isinstance(scanner(rules), Split)
    assert isinstance(scanner(RULES + rules[1:]), Scanner)  # a span rule that is not confined runs on the whole text
    data = b"Share this\nfoo\nbar and foo bar\n" + "\n".join(EXAMPLES).encode()
    assert scanned(rules, data) == alone(rules, data)
    both = RULES + rules[1:]
    assert scanned(both, data) == alone(both, data)
    assert scanned(both, data)["x.b"] == [(11, 18, {}), (23, 30, {})]


@pytest.mark.parametrize("pattern,confined", [
    (r"^Share[^\n]{0,40}$", True), (r"Share\s+this", False), (r"[^a-z]", False), (r"[^.\n]", True),
    (r"[^.!?:;,\s]", True), (r"\bfoo\b", True), (r"a.b", True), (r"(?s)a.b", False), (r"(?s:x)a.b", False),
    (r"(?i-s)a.b", True), (r"(?-m)^a", False), (r"\Aa", False), (r"a\z", False), (r"\x0a", False),
    (r"\x{A}", False), (r"\x41", True), (r"\012", False), (r"\011", True), (r"[\t-\r]", False),
    (r"[\x00-\x7f]", False), (r"[ -~]", True), (r"[[:space:]]", False), (r"[[:alpha:]]", True),
    (r"[^[:alpha:]]", False), (r"[[:^alpha:]]", False), (r"[^[:space:]]", True), (r"\pL+", True),
    (r"\p{Greek}", False), (r"\PL", False), (r"[\pL\d]", True), (r"[^\pL]", False), (r"\D", False),
    (r"\W", False), (r"\S+", True), (r"[\S]", True), (r"[^\S]", False), (r"\Qa.b\E", True), ("a\nb", False),
    (r"[]a]", True), (r"[^]a]", False), (r"[^]\n]", True), (r"(?P<x>[^\n]{1,5})", True), (r"\C", False),
    (r"[\w'’-]", True), (r"(?m)(?i)^[ \t]*(?:x)[ \t]*\r?$", True), (r"[^\\n]", False), (r"\\n", True),
    (r"[a\-z]", True), (r"[--/]", True), (r"[\x{0}-\x{10FFFF}]", False), (r"\Q\E", True),
])
def test_line_confined(pattern: str, confined: bool) -> None:
    re2.compile(pattern, _options())  # every case is a valid RE2 pattern
    assert line_confined(pattern) is confined


PIECES = [
    "a", "b", "ab", " ", r"\b", r"\B", "^", "$", ".", r"\s", r"\S", r"\w", r"\W", r"\d", r"\D", r"[^a]",
    r"[^\n]", r"[a-c]", r"[\t-\r]", r"\n", r"\r", r"[[:space:]]", r"[[:alpha:]]", r"\pL", r"\x0a", r"\x41",
    r"(?s:.)", r"(?-m:$)", r"\A", r"\z", "(?:a|b)", "(a)", r"[^.!?\s]",
]
PATTERN = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", "*", "+", "?", "{0,3}"])), min_size=1, max_size=5)
TEXT = st.text(alphabet="ab \n\r\tA.!é", max_size=40)


@settings(max_examples=400, deadline=None)
@given(PATTERN, TEXT)
def test_a_confined_pattern_finds_in_each_line_what_it_finds_in_the_text(parts, text) -> None:
    pattern = "".join(p + (q if p not in ("^", "$", r"\b", r"\B", r"\A", r"\z") else "") for p, q in parts)
    try:
        regex = compile_pattern(pattern, ignore_case=False)
    except re2.error:
        return
    if not line_confined(pattern):
        return
    data = text.encode("utf-8")
    whole = [f[0] for f in spans(regex, data) if f[0][1] > f[0][0]]  # rules drop empty matches
    per_line, start = [], 0
    for line in data.split(b"\n"):
        per_line += [(start + a, start + b) for a, b in (f[0] for f in spans(regex, line)) if b > a]
        start += len(line) + 1
    assert whole == per_line, pattern


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([r"a+", r"(a)(b)?", r"(?P<x>\w+)\s*", r"", r"\b", r"x*"]), st.text(alphabet="ab x\n", max_size=30),
       st.integers(0, 35), st.integers(0, 35))
def test_spans_are_the_matches_of_finditer(pattern, text, pos, endpos) -> None:
    regex = compile_pattern(pattern, ignore_case=True)
    data = text.encode("utf-8")
    expected = [[m.span(g) for g in range(regex.groups + 1)] for m in regex.finditer(data, pos, endpos)]
    assert [list(f) for f in spans(regex, data, pos, endpos)] == expected
    assert fullmatch(regex, data) is (regex.fullmatch(data) is not None)


def test_whole_line_is_the_line_patterns_only_match() -> None:
    for rule in RULES:
        if rule.scope not in ("line", "block"):
            continue
        for regex in rule.regexes:
            for line in {x for t in EXAMPLES + ["", " ", ARTICLE, "Share\r"] for x in t.encode("utf-8").split(b"\n")}:
                found = [list(f) for f in spans(regex, line)]
                got = whole_line(regex, line)
                assert found == ([] if got is None else [list(got)]), (rule.name, line)


def test_a_block_opening_on_empty_lines_runs_on_the_whole_text(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[categories]\nx = 'x'\n[[rule]]\nname = 'x.gap'\ncategory = 'x'\nscope = 'block'\n"
                    "start = '(?:Related)?'\nfollow = '- .*'\nmax_lines = 2\n", encoding="utf-8")
    rules = load_pack(path).rules
    s = scanner(RULES + rules)
    assert isinstance(s, Scanner) and [r.name for r in s.whole.rules] == ["x.gap"]
    data = f"{ARTICLE}\n\n- one\nRelated\n- two\n".encode()
    assert scanned(RULES + rules, data) == alone(RULES + rules, data)


@pytest.mark.parametrize(
    "pattern, text",
    [
        (r"\Qa{1,20}\E", "a{1,20}"),  # a quoted literal is text, not a repeat
        (r"\Q(x)\E y", "(x) y"),
        (r"[9[](a){0,30}b", "[aab"),  # "[" inside a class, then the class ends
        (r"[]x](?P<n>y{1,12})", "]yyy"),
    ],
)
def test_loosened_uncaptured_patterns_still_match(pattern: str, text: str) -> None:
    looser = re2.compile(uncapture(loosen(pattern)), _options())
    assert re2.compile(pattern, _options()).search(text)
    assert looser.search(text)
    assert looser.groups == 0 or r"\Q" in pattern
