"""The C scorer (native/score.h) gives exactly what classify.py's numpy code gives: same spans, same bits."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import classify
from cleaner import native
from cleaner.pipeline import CLASSIFIER, Cleaner
from cleaner.text import repair

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def _scorer() -> object | None:
    return classify.load_model()["native"] if native.available() else None


needs_scorer = pytest.mark.skipif(_scorer() is None, reason="the C extension is not built")


def same(source: str, removed: list[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
    """Assert the C and numpy paths agree on source: spans, every input column and both stages' scores."""
    spans = classify.find_boilerplate(source, removed, use_native=True)
    assert spans == classify.find_boilerplate(source, removed, use_native=False)
    page = classify.Page(source, removed)
    n = len(page.lines)
    x1, s1, x2, s2, threshold, keep = _scorer().trace(page.primitives, page.lang)
    if not n:
        assert len(s2) == 0
        return spans
    model = classify.load_model()
    first, second = model["stages"]
    lines = classify.line_features(page)
    score1 = classify.stage_score(lines, first)
    context = classify.context_features(score1, page, lines)
    for stage, got, features in ((first, x1, lines), (second, x2, context)):
        got = np.frombuffer(got).reshape(len(stage["features"]), n)
        for name, row in zip(stage["features"], got):
            assert row.tobytes() == np.asarray(features[name], dtype=float).tobytes(), name
    assert np.frombuffer(s1).tobytes() == score1.tobytes()
    score2 = classify.stage_score(context, second)
    assert np.frombuffer(s2).tobytes() == score2.tobytes()
    assert threshold == classify.page_threshold(score2, page.nw, model)
    mask = classify.keep_mask(score2, page.nw, threshold)
    if keep == b"":  # the C code says every line is kept
        assert mask.all()
    else:
        assert np.frombuffer(keep, dtype=np.uint8).astype(bool).tolist() == mask.tolist()
    return spans


@needs_scorer
@pytest.mark.parametrize("path", SEEDS, ids=[p.name for p in SEEDS])
def test_seeds_as_the_pipeline_scores_them(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    same(text)
    result = Cleaner().run(text)
    rules = [(r.start, r.end) for r in result.removed if r.category != CLASSIFIER]
    same(result.source, rules)
    same(repair(text))


WORDS = ["the", "of", "and", "to", "in", "is", "that", "it", "was", "for", "on", "with", "as", "by",
         "river", "market", "Council", "report", "Home", "News", "Login", "Share", "price", "2024",
         "weather", "Contact", "Privacy", "about", "über", "été", "город", "Σ", "İstanbul", "日本"]
PUNCT = ["", ".", ",", "!", "?", ":", ";", ")", '"', " |", " »", " -", " /", " •"]


def synthetic_page(rng: random.Random, lines: int) -> str:
    """A page of prose paragraphs, menus, link lists and short lines, blank lines between some."""
    out = []
    for _ in range(lines):
        kind = rng.random()
        if kind < 0.1:
            out.append("")
        elif kind < 0.45:  # a prose paragraph
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 60))]
            out.append(" ".join(w + (rng.choice(PUNCT) if rng.random() < 0.15 else "") for w in words) + ".")
        elif kind < 0.65:  # a menu or breadcrumb
            separator = f" {rng.choice(['|', '»', '·', '/', '-'])} "
            out.append(separator.join(rng.choice(WORDS) for _ in range(rng.randint(2, 8))))
        else:  # a short line: title, button, date
            out.append(" ".join(rng.choice(WORDS).title() for _ in range(rng.randint(1, 4))) + rng.choice(PUNCT))
        if rng.random() < 0.05 and out[-1]:
            out.append(out[-1])  # a repeated line
    return "\n".join(out) + rng.choice(["", "\n", "\n\n"])


@needs_scorer
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 400))
def test_synthetic_pages(seed: int, lines: int) -> None:
    rng = random.Random(seed)
    text = synthetic_page(rng, lines)
    same(text)
    # spans blanked as the rule pass's removals are
    starts = [rng.randrange(len(text) + 1) for _ in range(rng.randint(0, 5))]
    removed = sorted((a, a + rng.randint(0, 80)) for a in starts)
    same(text, removed)


@needs_scorer
@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("ab .,|»-\t\x00\n\r\u2028") + WORDS), max_size=30), max_size=40))
def test_any_small_page(parts: list[str]) -> None:
    """Pages of a few lines (below and around the size the classifier judges) and odd characters."""
    same("\n".join("".join(p) for p in parts))


@needs_scorer
@pytest.mark.parametrize("lines", [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17])
def test_few_lines(lines: int) -> None:
    """Pages of one to a few lines: numpy sums one line's tables pairwise, more lines table by table."""
    rng = random.Random(lines)
    text = "\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 50))) for _ in range(lines))
    same(text)


@needs_scorer
@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "one line",
        "\x00",
        "\x00\n" * 50,
        "word \x00 " * 5000,  # one huge line with NUL bytes
        ("the " * 200_000) + "\nend",  # a line of 800 KB
        "\n".join(["a"] * 50_000),  # very many lines
        "\n".join(("x" * i) for i in range(600)),
        "\n\n".join("the market of the river was on the report " * (i % 7) for i in range(3000)),
    ],
    ids=["empty", "blank", "one", "nul", "nul-lines", "huge-nul", "huge", "many", "lengths", "blocks"],
)
def test_hostile_pages(text: str) -> None:
    same(text)


@needs_scorer
def test_scorer_rejects_a_bad_matrix() -> None:
    scorer = _scorer()
    with pytest.raises(ValueError):
        scorer.spans(b"\x00" * 7, 0)
    with pytest.raises(TypeError):
        scorer.spans("text", 0)
    page = classify.Page("a\nb\n")
    assert scorer.spans(page.primitives, page.lang) == []


@needs_scorer
def test_scorer_rejects_bad_arrays() -> None:
    """scorer() checks what it is given: a table that does not fit its columns' bins is refused."""
    model = classify.load_model()
    sources = classify.native_sources(native.module.score_columns())
    stages = [list(classify.native_stage(s, sources)) for s in model["stages"]]
    rows = np.asarray([classify.COLUMNS.index(r) for r in classify._NATIVE_ROWS], dtype=np.int32).tobytes()
    ints = (len(classify.COLUMNS), classify.MIN_LINES, classify.MIN_WORDS, classify.HEAD_LINES, classify.FAR,
            classify.ZONE_FAR, classify.MAX_ZONES)
    floats = (classify.MIN_KEEP_SHARE, classify.MIN_REMOVE_SHARE, classify.CLIP, classify.STRONG)
    tree = classify.native_tree(model)
    assert native.module.scorer(rows, ints, floats, tuple(stages[0]), tuple(stages[1]), tree) is not None
    broken = list(stages[0])
    broken[9] = broken[9][:-8]  # one value short
    with pytest.raises(ValueError):
        native.module.scorer(rows, ints, floats, tuple(broken), tuple(stages[1]), tree)
    broken = list(stages[0])
    broken[5] = np.full(len(broken[5]) // 4, 10**6, dtype=np.int32).tobytes()  # tables over a column that is not there
    with pytest.raises(ValueError):
        native.module.scorer(rows, ints, floats, tuple(broken), tuple(stages[1]), tree)
    with pytest.raises(ValueError):
        native.module.scorer(rows[:-4], ints, floats, tuple(stages[0]), tuple(stages[1]), tree)


def test_numpy_path_without_the_scorer() -> None:
    """use_native=False is the numpy reference and always available."""
    prose = "The river market of the town was on the report today, as it is."
    text = "\n".join(["Home | News | Contact"] * 3 + [prose] * 20)
    spans = classify.find_boilerplate(text, use_native=False)
    assert all(a < b for a, b, _ in spans)


@needs_scorer
def test_a_column_the_c_code_lacks_means_numpy() -> None:
    """A stage reading a feature C does not compute (or edges it cannot search) gets no C scorer."""
    model = classify.load_model()
    sources = classify.native_sources(native.module.score_columns())
    stage = dict(model["stages"][1])
    assert classify.native_stage(stage, sources) is not None
    assert classify.native_stage(dict(stage, features=stage["features"][:-1] + ["w5"]), sources) is None
    edges = list(stage["edges"])
    edges[0] = np.asarray([2.0, 1.0])
    assert classify.native_stage(dict(stage, edges=edges), sources) is None
    edges[0] = np.asarray([1.0, np.nan])
    assert classify.native_stage(dict(stage, edges=edges), sources) is None
    bigger = dict(model, stages=[model["stages"][0], dict(stage, features=["no such column"] + stage["features"][1:])])
    assert classify.native_scorer(bigger) is None


def _numpy_stage_args(stage: dict, sources: dict) -> tuple:
    """The C scorer's arrays of a prepared stage, made with numpy (the form native_stage had before it read the
    weights without numpy): the reference the numpy-free version must match byte for byte."""
    def i32(values: object) -> bytes:
        return np.ascontiguousarray(values, dtype=np.int32).tobytes()

    def f64(values: object) -> bytes:
        return np.ascontiguousarray(values, dtype=np.float64).tobytes()

    src, shift, fill = zip(*(sources[name] for name in stage["features"]))
    return (
        i32(src), i32(shift), f64(fill), i32([len(e) for e in stage["edges"]]), f64(np.concatenate(stage["edges"])),
        i32(stage["a"]), i32(stage["b"]), i32(stage["offset"].ravel()), i32(stage["stride"].ravel()),
        f64(stage["values"]), float(stage["bias"]),
    )


@needs_scorer
def test_native_stages_from_the_weights_file_are_the_prepared_arrays() -> None:
    """native_model builds the C scorer from the JSON as read (no numpy); its arrays equal the prepared stages'."""
    sources = classify.native_sources(native.module.score_columns())
    raw = classify._read_weights()["stages"]
    for read, prepared in zip(raw, classify.load_model()["stages"]):
        assert classify.native_stage(read, sources) == _numpy_stage_args(prepared, sources)
        assert classify.native_stage(prepared, sources) == _numpy_stage_args(prepared, sources)
    assert classify.load_model()["native"] is classify.native_model()
    # A stage with a one-column table (b = -1: the constant column), integer values and unequal edge counts,
    # which the shipped weights do not have.
    names = sorted(sources)[:3]
    stage = {"features": names, "edges": [[0.5], [1, 2, 3], []], "bias": -0.25,
             "tables": [{"a": 0, "b": 1, "values": [0, 1, 2, 3, 4, 5, 6, 7]}, {"a": 1, "b": -1, "values": [1, 2, 3, 4]},
                        {"a": 2, "b": 0, "values": [0.5, -0.5]}]}
    read = json.loads(json.dumps(stage))
    assert classify.native_stage(read, sources) == _numpy_stage_args(classify.prepare_stage(stage), sources)


@needs_scorer
def test_text_mode_with_the_extension_never_imports_numpy() -> None:
    """numpy is a fifth of `import cleaner`; with the C extension, cleaning text does not import it."""
    import subprocess
    import sys

    code = ("import sys, cleaner; r = cleaner.clean(open(sys.argv[1], encoding='utf-8').read());"
            "assert r, 'empty'; print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(SEEDS[0])], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lazy_module_imports_at_first_use() -> None:
    from cleaner.lazy import LazyModule

    lazy = LazyModule("colorsys")
    assert "rgb_to_hsv" not in vars(lazy)
    assert lazy.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert "rgb_to_hsv" in vars(lazy)
    with pytest.raises(AttributeError):
        lazy.no_such_name
