"""Cleaning quality on a WCXB-style data folder: mean word F1, precision and recall, per page type.

    python benchmarks/quality.py DATA_DIR --mode text    # DATA_DIR/text/ID.txt in
    python benchmarks/quality.py DATA_DIR --mode html    # DATA_DIR/html/ID.html.gz in, beside plain trafilatura

Runs the installed `cleaner` in this process, one core, and prints pages/second.
The data never enters the repository; pass its folder.
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wcxb import load_truth, prf, report  # noqa: E402

from cleaner import Pipeline, settings  # noqa: E402


def read_page(data_dir: Path, mode: str, pid: str) -> str:
    """The input of one page: whole-page text or the HTML."""
    if mode == "text":
        return (data_dir / "text" / f"{pid}.txt").read_text(encoding="utf-8")
    with gzip.open(data_dir / "html" / f"{pid}.html.gz", "rt", encoding="utf-8", errors="replace") as fh:
        return fh.read()


def run(name: str, fn: Callable[[str], str], pages: dict[str, str], truth: dict[str, dict], out: Path | None) -> str:
    """Clean every page with fn, score it, and return the table with the speed."""
    fn(next(iter(pages.values())))  # load models and caches outside the timing
    start = time.perf_counter()
    outputs = {pid: fn(page) for pid, page in pages.items()}
    secs = time.perf_counter() - start
    scores = {pid: prf(text, truth[pid]["main_content"]) for pid, text in outputs.items()}
    if out is not None:
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for pid, text in outputs.items():
            (folder / f"{pid}.txt").write_text(text, encoding="utf-8")
    mb = sum(len(p.encode("utf-8")) for p in pages.values()) / 1e6
    speed = f"{len(pages) / secs:.1f} pages/s, {mb / secs:.2f} MB/s of input ({len(pages)} pages, {mb:.1f} MB, {secs:.1f} s)"
    return report(scores, truth, title=f"== {name}: {speed}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--mode", choices=("text", "html"), default="text")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (by id)")
    ap.add_argument("--out", type=Path, help="also write each system's outputs under OUT/<system>/ID.txt")
    args = ap.parse_args()
    truth = load_truth(args.data_dir)
    ids = sorted(truth)[: args.limit or None]
    pages = {pid: read_page(args.data_dir, args.mode, pid) for pid in ids}
    truth = {pid: truth[pid] for pid in ids}
    tables = []
    if args.mode == "text":
        tables.append(run("uncleaned", lambda t: t, pages, truth, None))
        rules = Pipeline(settings(format="text", keep=["boilerplate"]))
        tables.append(run("cleaner rules only", lambda t: rules.run(t).text, pages, truth, args.out))
        full = Pipeline(settings(format="text"))
        tables.append(run("cleaner (rules + classifier)", lambda t: full.run(t).text, pages, truth, args.out))
    else:
        import trafilatura

        from cleaner.html import TRAFILATURA_OPTIONS

        tables.append(run("trafilatura.extract", lambda h: trafilatura.extract(h, **TRAFILATURA_OPTIONS) or "",
                          pages, truth, args.out))
        full = Pipeline(settings(format="html"))
        tables.append(run("cleaner html", lambda h: full.run(h).text, pages, truth, args.out))
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
