"""The statistical classifier on whole-page text: menus and footers go, the article stays."""
from __future__ import annotations

from cleaner import process
from cleaner.classify import find_boilerplate, load_model

MENU = ["Home", "News", "Sport", "Business", "Culture", "Travel", "Weather", "Log in", "Search"]
FOOTER = ["About us", "Contact", "Careers", "Terms of use", "Privacy", "Accessibility", "Site map",
          "Follow", "Newsletters", "Help"]
ARTICLE = [
    "Council approves new housing plan after a long debate",
    "The city council approved a plan on Tuesday to build 4,000 new homes over the next decade, "
    "ending a debate that had divided the chamber for more than a year.",
    "Supporters said the plan would ease a shortage that has pushed rents up by a third since 2019, "
    "while opponents warned that roads and schools in the north of the city were already full.",
    "The plan sets aside a quarter of the new homes for families on the waiting list, and it asks "
    "developers to pay for two new primary schools before the first residents move in.",
    "Work on the first site, a former bus depot near the river, is expected to start in the spring, "
    "and the council will publish a timetable for the remaining sites in the autumn.",
    "The leader of the council said the vote was a turning point for a city that had not built "
    "enough homes for a generation, and that the next step was to make sure they were built well.",
]


def page(*parts: list[str]) -> str:
    return "\n".join(line for part in parts for line in part) + "\n"


def test_menu_and_footer_lines_go_article_stays() -> None:
    text = page(MENU, ARTICLE, FOOTER)
    result = process(text)
    for line in ARTICLE[1:]:
        assert line in result.text
    kept_menu = [m for m in MENU + FOOTER if f"\n{m}\n" in f"\n{result.text}"]
    assert len(kept_menu) <= 3, kept_menu
    assert {r.category for r in result.removed} == {"boilerplate"}
    assert all(r.rule.startswith("classifier") for r in result.removed)


def test_keep_boilerplate_turns_the_classifier_off() -> None:
    text = page(MENU, ARTICLE, FOOTER)
    result = process(text, keep=["boilerplate"])
    assert result.removed == ()
    assert result.text.count("\n\n") == len(MENU + ARTICLE + FOOTER) - 1


def test_short_documents_are_left_alone() -> None:
    text = page(["Home", "News"], ARTICLE[:2])
    assert find_boilerplate(text) == []


def test_spans_are_whole_lines_in_source_offsets() -> None:
    text = page(MENU, ARTICLE, FOOTER)
    for start, end, reason in find_boilerplate(text):
        assert start == 0 or text[start - 1] == "\n"
        assert end == len(text) or text[end] == "\n"
        assert reason == "classifier"


def test_lines_already_removed_by_rules_are_ignored() -> None:
    text = page(MENU, ARTICLE, FOOTER)
    everything = [(0, len(text))]
    assert find_boilerplate(text, everything) == []


def test_model_ships_in_the_package() -> None:
    model = load_model()
    assert model["stages"] and "threshold" in model


def test_language_guess_does_not_depend_on_the_hash_seed() -> None:
    """A tie between two stoplists goes the same way in every process (it used to follow set order)."""
    import os
    import subprocess
    import sys

    code = (
        "from cleaner.classify import _lexicon, _stoplists\n"
        "index, _ = _stoplists()\n"
        "one = [w for w, v in sorted(index.items()) if len(v) == 1]\n"
        "langs = sorted({index[w][0] for w in one})[:2]\n"
        "text = ' '.join(next(w for w in one if index[w] == (lang,)) for lang in langs)\n"
        "print(_lexicon().page(text, 3, 30).lang, _lexicon().page(text, 3, 30, use_native=False).lang)\n"
    )
    seen = set()
    for seed in range(8):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        seen.add(out.stdout.strip())
    assert len(seen) == 1, seen
    native, python = seen.pop().split()
    assert native == python != "-1"


def test_page_features_are_word_shares_above_each_cutoff() -> None:
    from cleaner.classify import SHARE_CUTOFFS, page_features

    score, nwords = [-3.0, -0.5, 0.5, 2.5], [10, 20, 30, 40]
    shares = dict(zip(SHARE_CUTOFFS, page_features(score, nwords)))
    assert shares[-2.0] == 0.9 and shares[0.0] == 0.7 and shares[2.0] == 0.4 and shares[3.0] == 0.0


def test_page_threshold_walks_the_tree_and_falls_back_to_the_global_one() -> None:
    from cleaner.classify import SHARE_CUTOFFS, page_threshold

    at_one = SHARE_CUTOFFS.index(1.0)
    tree = {"feature": at_one, "value": 0.5, "left": {"threshold": -2.0},
            "right": {"feature": at_one, "value": 0.9, "left": {"threshold": 0.0}, "right": {"threshold": 1.0}}}
    model = {"threshold": -0.5, "threshold_tree": tree}
    little_prose = ([3.0, -1.0], [10, 90])   # 10% of words above 1
    much_prose = ([3.0, -1.0], [70, 30])     # 70%
    all_prose = ([3.0, 2.0], [70, 30])       # 100%
    assert page_threshold(*little_prose, model) == -2.0
    assert page_threshold(*much_prose, model) == 0.0
    assert page_threshold(*all_prose, model) == 1.0
    assert page_threshold(*little_prose, {"threshold": -0.5}) == -0.5


def test_shipped_threshold_tree_is_well_formed() -> None:
    from cleaner.classify import SHARE_CUTOFFS

    def leaves(node: dict) -> list[float]:
        if "feature" in node:
            assert 0 <= node["feature"] < len(SHARE_CUTOFFS) and 0.0 <= node["value"] <= 1.0
            return leaves(node["left"]) + leaves(node["right"])
        return [node["threshold"]]

    assert leaves(load_model()["threshold_tree"])
