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
        "from cleaner.classify import _lexicon\nfrom cleaner.stoplists import stoplists\n"
        "index, _ = stoplists()\n"
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


def test_stage_score_adds_one_value_from_each_table() -> None:
    """A stage is its bias plus, per table, the cell at the bins of its two columns (one column: -1)."""
    import numpy as np

    from cleaner.classify import prepare_stage, stage_score

    stage = prepare_stage({
        "features": ["x", "y"], "edges": [[0.5], [1.5, 2.5]], "bias": 0.25,
        "tables": [{"a": 0, "b": 1, "values": [0.0, 1.0, 2.0, 10.0, 20.0, 30.0]},  # 2 x-bins by 3 y-bins
                   {"a": 1, "b": -1, "values": [-1.0, 0.0, 1.0]}],
    })
    x, y = np.array([0.0, 1.0, 1.0, 0.0]), np.array([1.0, 2.0, 3.0, 3.0])
    score = stage_score({"x": x, "y": y, "len": x}, stage)
    assert score.tolist() == [0.25 + 0.0 - 1.0, 0.25 + 20.0 + 0.0, 0.25 + 30.0 + 1.0, 0.25 + 2.0 + 1.0]


def test_line_features_see_neighbours_and_blocks() -> None:
    from cleaner.classify import Page, line_features

    text = "Home\nNews\n\nA first paragraph of the story, with a comma.\n\nSecond one.\nThird line\n"
    page = Page(text)
    f = line_features(page)
    assert page.lines == ["Home", "News", "A first paragraph of the story, with a comma.", "Second one.", "Third line"]
    assert f["len@1"].tolist() == [-1, 4, 4, 45, 11]      # the line above; -1 before the first line
    assert f["len@-1"].tolist() == [4, 45, 11, 10, -1]    # the line below
    assert f["block"].tolist() == [2, 2, 1, 2, 2]         # lines in the blank-separated block
    assert f["inblock"].tolist() == [0, 1, 0, 0, 1]
    assert f["blockwords"].tolist() == [2, 2, 9, 4, 4]
    assert f["term"].tolist() == [0, 0, 1, 1, 0]


def test_context_features_locate_the_biggest_prose_zone() -> None:
    import numpy as np

    from cleaner.classify import Page, context_features, line_features

    page = Page("\n".join(f"line {i} with four words" for i in range(20)) + "\n")
    score = np.array([-3.0] * 4 + [3.0] * 8 + [-3.0] * 4 + [3.0] * 2 + [-3.0] * 2)
    f = context_features(score, page, line_features(page))
    assert f["inbig"].tolist() == [0.0] * 4 + [1.0] * 8 + [0.0] * 8
    assert f["afterbig"][12:16].tolist() == [1.0, 2.0, 3.0, 4.0]   # lines after the main zone's end
    assert f["beforebig"][:4].tolist() == [4.0, 3.0, 2.0, 1.0]
    assert f["zshare"][4] == 0.8 and f["zshare"][16] == 0.2        # words of the line's zone / all zones' words
    assert f["zmassbefore"][16] == 0.8 and f["zmassbefore"][4] == 0.0
    assert f["dprev"][13] == 2 and f["dnext"][13] == 3             # lines to the nearest confident prose


def test_shipped_stages_read_columns_the_features_provide() -> None:
    """The weights file and the feature code agree: every column exists, every table fits its columns' bins."""
    import numpy as np

    from cleaner.classify import Page, context_features, line_features

    page = Page("\n".join(MENU + ARTICLE + FOOTER) + "\n")
    lines = line_features(page)
    provided = [lines, context_features(np.zeros(len(page.lines)), page, lines)]
    for stage, feats in zip(load_model()["stages"], provided):
        assert set(stage["features"]) <= set(feats)
        nbins = [len(e) + 1 for e in stage["edges"]] + [1]
        for t in stage["tables"]:
            assert len(t["values"]) == nbins[t["a"]] * nbins[t["b"]]


def test_same_spans_in_every_process() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cleaner.classify import find_boilerplate\n"
        "print(find_boilerplate(sys.stdin.read()))\n"
    )
    text = page(MENU, ARTICLE, FOOTER, MENU[:3], ARTICLE[1:3])
    seen = {str(find_boilerplate(text))}
    for seed in ("0", "1"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], input=text, env=env, capture_output=True, text=True, check=True)
        seen.add(out.stdout.strip())
    assert len(seen) == 1, seen


def test_compiled_tables_reproduce_the_boosted_trees() -> None:
    """Training side: pair-constrained trees summed into tables give the booster's own scores."""
    import importlib.util
    from pathlib import Path

    import numpy as np
    import pytest

    pytest.importorskip("sklearn")
    path = Path(__file__).resolve().parent.parent / "training" / "train_classifier.py"
    spec = importlib.util.spec_from_file_location("train_classifier", path)
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    codes = rng.integers(0, 6, size=(3000, 4))
    y = ((codes[:, 0] * codes[:, 1] + codes[:, 2] + rng.normal(0, 2, 3000)) > 8).astype(int)
    pairs = [{0, 1}, {0, 2}, {1, 2}, {2, 3}]
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=6, interaction_cst=pairs, random_state=0)
    model.fit(codes.astype(float), y)
    bias, tables = train.compile_trees(model, [6, 6, 6, 6])
    assert all(len(k) <= 2 for k in tables)
    mine = bias + sum(t[tuple(codes[:, f] for f in k)] for k, t in tables.items())
    assert np.allclose(mine, model.decision_function(codes.astype(float)))
