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


@pytest.fixture
def small_blocks(monkeypatch) -> int:
    """JSONL handed out in blocks of about 32 bytes: a small test file then spans many blocks,
    and with -j N many workers (a file under one block is cleaned without any)."""
    from cleaner import cli

    monkeypatch.setattr(cli, "JSONL_BLOCK_BYTES", 32)
    return 32


def write(path: Path, data: str | bytes) -> Path:
    """Write a test input (text as UTF-8, or raw bytes), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path
