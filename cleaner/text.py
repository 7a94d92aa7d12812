"""The only code that produces output text: repair, cut and normalise."""
from __future__ import annotations

import re
from collections.abc import Iterable

import ftfy

from .model import Removal

# Repair mojibake, stray HTML entities, control characters and line breaks,
# but never rewrite what a careful writer chose: golden files keep sentences
# word for word.
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=True,  # text input: "&amp;" is always a stray entity here
    uncurl_quotes=False,  # typographic quotes are the author's, keep them
    fix_character_width=False,  # fullwidth forms are legitimate in CJK text
    explain=False,  # we keep our own provenance; ftfy's costs time
)

HSPACE_RE = re.compile(r"[^\S\n]+")  # any run of whitespace other than newline


def repair(text: str) -> str:
    """Repair broken Unicode with ftfy, keeping quotes and character widths.

    >>> repair("The caf\\u00c3\\u00a9 said &amp; left")
    'The café said & left'
    """
    return ftfy.fix_text(text, config=FTFY_CONFIG)


def cut(source: str, removed: Iterable[Removal]) -> str:
    """Return source minus the removed spans; a seam never glues two words.

    A cut inside a line leaves a space, a cut across lines leaves a newline.

    >>> cut("Hello CUT world", [Removal(6, 9, "ads", "x", "CUT")])
    'Hello   world'
    """
    pieces: list[str] = []
    pos = 0
    for start, end in merge_spans((r.start, r.end) for r in removed):
        pieces.append(source[pos:start])
        pieces.append("\n" if "\n" in source[start:end] else " ")
        pos = end
    pieces.append(source[pos:])
    return "".join(pieces)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort spans and merge the ones that overlap or touch.

    >>> merge_spans([(5, 8), (0, 2), (2, 3), (7, 9)])
    [(0, 3), (5, 9)]
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def normalise_whitespace(text: str) -> str:
    """One paragraph per non-empty line, separated by one blank line.

    Runs of spaces collapse to one, lines are stripped, and a non-empty text
    ends with exactly one newline.

    >>> normalise_whitespace("  a  b \\n\\n\\n c\\t\\n")
    'a b\\n\\nc\\n'
    """
    lines = (HSPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    kept = [line for line in lines if line]
    return "\n\n".join(kept) + "\n" if kept else ""
