"""Rule packs: loading, validation errors that name file and rule, scopes, linear-time matching."""
from __future__ import annotations

from pathlib import Path

import pytest

from cleaner import Cleaner, CleanerConfig, RulePackError
from cleaner.rules import default_pack_path, load_pack

ARTICLE = "The council approved the budget on Tuesday after a four-hour debate."


def pack(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pack.toml"
    path.write_text(body, encoding="utf-8")
    return path


def cleaner_with(path: Path) -> Cleaner:
    return Cleaner(CleanerConfig(rule_files=(str(path),)))


def test_default_pack_loads_with_every_category_used() -> None:
    p = load_pack(default_pack_path())
    used = {r.category for r in p.rules}
    assert used | {"boilerplate", "extraction"} == set(p.categories)  # two stage categories
    assert len({r.name for r in p.rules}) == len(p.rules)


@pytest.mark.parametrize("body,message", [
    ("[[rule]\nname = 'x'", "not valid TOML"),
    ("[[rule]]\nname = 'Bad Name'\ncategory = 'ads'\npattern = 'x'\n", "needs a 'name'"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'adverts'\npattern = 'x'\n", "unknown category 'adverts'"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\npattern = 'x'\ncolour = 'red'\n", "unknown field(s): colour"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\nscope = 'page'\npattern = 'x'\n", "scope must be one of"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\n", "needs 'pattern'"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\npattern = '(unclosed'\n", "not a valid RE2 pattern"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\npattern = '(a)\\1'\n", "not a valid RE2 pattern"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\npattern = 'x'\n[[rule]]\nname = 'a.b'\ncategory = 'ads'\npattern = 'y'\n", "duplicate rule name"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\nscope = 'block'\nstart = 'x'\nend = 'y'\nfollow = 'z'\n", "not both"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\nscope = 'block'\nend = 'y'\n", "needs 'start'"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\nscope = 'block'\nstart = 'x'\nmax_lines = 0\n", "max_lines"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\nscope = 'line'\npattern = 'x'\nstart = 'y'\n", "do not apply"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\nscope = 'code'\nfunction = 'nope'\n", "unknown function 'nope'"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\nscope = 'code'\nfunction = 'icon_label_run'\nparams = {x = 1}\n", "bad params"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\npattern = 'x'\nignore_case = 'yes'\n", "ignore_case"),
    ("[[rule]]\nname = 'a.b'\ncategory = 'ads'\npattern = 'x'\nexamples.remove = 'x'\n", "examples"),
    ("[categories]\nads = 3\n", "[categories]"),
    ("rules = 1\n", "unknown top-level key"),
    ("rule = 1\n", "array of tables"),
])
def test_malformed_pack_names_file_rule_and_fault(tmp_path, body, message) -> None:
    path = pack(tmp_path, body)
    with pytest.raises(RulePackError) as info:
        cleaner_with(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    if "name = 'a.b'" in body and "duplicate" not in message and "TOML" not in message:
        assert "'a.b'" in str(info.value)


def test_missing_pack_file(tmp_path) -> None:
    with pytest.raises(RulePackError, match="no such file"):
        cleaner_with(tmp_path / "absent.toml")


def test_user_rule_replaces_default_rule_of_same_name(tmp_path) -> None:
    path = pack(tmp_path, "[[rule]]\nname = 'ads.marker'\ncategory = 'ads'\nscope = 'line'\npattern = 'Werbung'\n")
    cleaner = cleaner_with(path)
    assert cleaner.run(f"Werbung\n{ARTICLE}").text == f"{ARTICLE}\n"
    assert cleaner.run(f"Advertisement\n{ARTICLE}").text == f"Advertisement\n\n{ARTICLE}\n"


def test_catastrophic_backtracking_pattern_runs_in_linear_time(tmp_path) -> None:
    # (a+)+$ takes exponential time in a backtracking engine on "aaaa...!";
    # RE2 matches it in one linear pass, so this returns at once.
    path = pack(tmp_path, "[[rule]]\nname = 'evil.nested'\ncategory = 'ads'\npattern = '(a+)+$'\n"
                "[[rule]]\nname = 'evil.alt'\ncategory = 'ads'\npattern = '(x|x)*z'\n")
    text = "a" * 50_000 + "!\n" + "x" * 50_000 + "\n" + ARTICLE
    result = cleaner_with(path).run(text)
    assert result.removed == ()
    assert result.text.endswith(ARTICLE + "\n")


def test_named_groups_go_to_metadata(tmp_path) -> None:
    path = pack(tmp_path, "[[rule]]\nname = 'meta.section'\ncategory = 'metadata'\nscope = 'line'\n"
                "pattern = 'Section: (?P<section>\\w+)'\n")
    result = cleaner_with(path).run(f"Section: Politics\n{ARTICLE}")
    assert result.metadata == {"section": "Politics"}


def test_block_follow_scope(tmp_path) -> None:
    path = pack(tmp_path, "[[rule]]\nname = 'x.list'\ncategory = 'related'\nscope = 'block'\n"
                "start = 'Elsewhere'\nfollow = '- .*'\nmax_lines = 2\n")
    text = f"Elsewhere\n- one\n\n- two\n- three\n{ARTICLE}"
    assert cleaner_with(path).run(text).text == f"- three\n\n{ARTICLE}\n"


def test_ignore_case_false(tmp_path) -> None:
    path = pack(tmp_path, "[[rule]]\nname = 'x.caps'\ncategory = 'ads'\nignore_case = false\npattern = 'PROMO'\n")
    assert cleaner_with(path).run("PROMO promo").text == "promo\n"


def test_every_removal_indexes_the_source() -> None:
    text = ("date 2022-05-05 Sign up to our weekly emails Please enter a valid email address "
            f"{ARTICLE}\nAdvertisement\nShare | Tweet | Email\n{ARTICLE}")
    result = Cleaner().run(text)
    for r in result.removed:
        assert result.source[r.start:r.end] == r.text
    assert result.text == f"{ARTICLE}\n\n{ARTICLE}\n"


def _alone(rules, data: bytes) -> dict[str, set[tuple[int, int]]]:
    """What each line rule finds scanning the whole text by itself."""
    out = {r.name: {(a, b) for a, b, _ in r.find(data)} for r in rules if r.scope == "line"}
    return {k: v for k, v in out.items() if v}


def _scanned(rules, data: bytes) -> dict[str, set[tuple[int, int]]]:
    from cleaner.scan import LineScan

    return {k: {(a, b) for a, b, _ in v} for k, v in LineScan(rules).find(data).items()}


def test_line_scan_finds_what_each_line_rule_finds_alone() -> None:
    rules = load_pack(default_pack_path()).rules
    lines = [ARTICLE, "", "  \t", "x" * 500]
    for r in rules:
        lines += r.examples.get("remove", []) + r.examples.get("keep", [])
    for order in (lines, lines[::-1], sorted(lines)):
        data = "\n".join(order).encode("utf-8")
        alone = _alone(rules, data)
        assert alone  # the examples do hold lines the rules remove
        assert _scanned(rules, data) == alone
        crlf = "\r\n".join(order).encode("utf-8")
        assert _scanned(rules, crlf) == _alone(rules, crlf)


def test_line_scan_loosens_long_bounded_repeats_but_keeps_their_meaning(tmp_path: Path) -> None:
    path = pack(tmp_path, """
[categories]
credits = "photo credits"

[[rule]]
name = "t.short-credit"
category = "credits"
scope = "line"
pattern = '''Credit: [^\\n]{1,12}'''
""")
    rules = load_pack(str(path)).rules
    data = "Credit: Jane Doe\nCredit: a name much longer than twelve\nCredit: X".encode()
    assert _scanned(rules, data) == _alone(rules, data) == {"t.short-credit": {(0, 16), (56, 65)}}


def test_prefilter_names_every_rule_that_finds_something() -> None:
    """The trigger Set (loosened, uncaptured) never drops a rule or pattern that would match."""
    from cleaner.scan import Prefilter

    rules = [r for r in load_pack(default_pack_path()).rules if r.scope != "line"]
    texts = [ARTICLE] + [t for r in rules for t in r.examples.get("remove", []) + r.examples.get("keep", [])]
    prefilter = Prefilter(rules)
    for text in texts + ["\n".join(texts), "\r\n".join(texts[::-1])]:
        data = text.encode("utf-8")
        named = {rule.name: which for rule, which in prefilter.candidates(data)}
        for rule in rules:
            found = list(rule.find(data))
            if found:
                assert rule.name in named, (rule.name, text[:60])
                assert list(rule.find(data, named[rule.name])) == found


def test_uncapture_keeps_every_match() -> None:
    import re2

    from cleaner.rules import _options
    from cleaner.scan import uncapture

    data = "\n".join([ARTICLE] + [t for r in load_pack(default_pack_path()).rules
                                  for t in r.examples.get("remove", [])]).encode("utf-8")
    for rule in load_pack(default_pack_path()).rules:
        for pattern in rule.triggers:
            plain = re2.compile(uncapture(pattern), _options())
            assert plain.groups == 0
            assert [m.span() for m in plain.finditer(data)] == [m.span() for m in re2.compile(pattern, _options()).finditer(data)]
