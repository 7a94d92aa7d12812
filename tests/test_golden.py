"""Every seed, cleaned by the `clean` command, must equal its reviewed golden file byte for byte."""
from __future__ import annotations

import difflib

import pytest

from cleaner.cli import main
from conftest import GOLDEN, SEEDS


def test_seeds_and_goldens_pair_up() -> None:
    assert SEEDS, "no seeds found: an empty parametrize would pass silently"
    assert sorted(p.name for p in SEEDS) == sorted(p.name for p in GOLDEN.glob("*.txt"))


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seed_matches_golden(runner, seed) -> None:
    result = runner.invoke(main, [str(seed)])
    assert result.exit_code == 0, result.output
    expected = (GOLDEN / seed.name).read_text(encoding="utf-8")
    if result.output != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), result.output.splitlines(keepends=True),
                fromfile=f"golden/{seed.name}", tofile=f"clean seeds/{seed.name}",
            )
        )
        pytest.fail(f"output differs from the reviewed golden file:\n{diff}")


def test_cli_diff_mode_agrees_with_goldens(runner) -> None:
    seeds_dir = SEEDS[0].parent
    result = runner.invoke(main, [str(seeds_dir), "--diff", str(GOLDEN)])
    assert result.exit_code == 0, result.output
    assert result.output == ""
