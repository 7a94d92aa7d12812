"""The trafilatura cleaner: main-text extraction from HTML, then the rule pass."""
from __future__ import annotations

import html as html_lib
from typing import Any

import trafilatura

from .model import Removal, Result
from .pipeline import Cleaner
from .text import repair, without_surrogates

# Options pinned for every call, so the same page always gives the same text.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "output_format": "txt",
    "include_comments": False,  # reader comments are not the article
    "include_tables": True,  # tables often carry the article's figures
    "deduplicate": False,  # trafilatura's dedup cache is process-global state
    "with_metadata": False,
}
EXTRACTION = "extraction"  # the category of text the extractor left out (plain-text input)


def extract_main_text(html: str) -> tuple[str, str]:
    """Return the main text of a page and the method that found it.

    trafilatura's extraction first; if it finds nothing, the page's whole
    visible text (trafilatura.html2txt), so a page is never silently emptied.
    """
    text = trafilatura.extract(html, **TRAFILATURA_OPTIONS)
    if text and text.strip():
        return text, "trafilatura"
    return trafilatura.html2txt(html) or "", "html2txt"


def run_html(cleaner: Cleaner, html: str) -> Result:
    """Extract a page's main text, then clean it with the rules."""
    text, method = extract_main_text(html)
    source = repair(text) if cleaner.config.fix_unicode else text
    result = cleaner.run_source(source)
    result.metadata.setdefault("extractor", method)
    return result


def run_text(cleaner: Cleaner, text: str) -> Result:
    """The trafilatura cleaner on plain text: each line becomes an HTML paragraph.

    trafilatura then judges the paragraphs with its own text heuristics; the
    lines it leaves out are recorded as removals of category "extraction",
    and the rule pass runs over the rest. Offsets stay in the input text.
    """
    source = repair(text) if cleaner.config.fix_unicode else without_surrogates(text)
    lines = _lines(source)
    body = "".join(f"<p>{html_lib.escape(line.strip())}</p>\n" for _, _, line in lines if line.strip())
    page = f"<html><body><article>\n{body}</article></body></html>"
    extracted = trafilatura.extract(page, **TRAFILATURA_OPTIONS) or ""
    kept = {" ".join(line.split()) for line in extracted.split("\n") if line.strip()}
    dropped = [
        Removal(start, end, EXTRACTION, "trafilatura.dropped", line)
        for start, end, line in lines
        if line.strip() and " ".join(line.split()) not in kept
    ]
    if len(dropped) == sum(1 for _, _, line in lines if line.strip()):
        dropped = []  # trafilatura found no main text: keep everything rather than lose it all
    result = cleaner.run_source(source, extra=dropped)
    result.metadata.setdefault("extractor", "trafilatura" if dropped or extracted else "none")
    return result


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out
