"""Shared fixtures: the project root, seeds and a click runner."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
GOLDEN = ROOT / "golden"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
