"""The only code that produces output text: repair, cut and normalise."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

import ftfy
import re2
from ftfy import badness, chardata

from . import native
from .fix_text import fast_fix_text
from .nfc import bitmap, unsafe_bits
from .scan import pattern_pieces
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

SURROGATE_RE = re.compile("[\ud800-\udfff]")

# ftfy.fix_text repairs a text line by line, and each of its fixers acts only
# on lines holding certain characters. A line of printable ASCII without "&"
# is never changed (mojibake needs non-ASCII; entities need "&"; the rest need
# control characters). Any other line needs ftfy only if it holds a character
# some fixer maps (controls, C1, ligatures, line breaks, ESC), an HTML entity
# (ftfy's own entity regex), a match of ftfy's badness regex (the gate of
# every encoding fix), or is not NFC. Other lines are skipped: the result is
# exactly ftfy's, several times faster (tests/test_text.py checks both).
SUSPECT_RE = re.compile(r"[^\t\n\x20-\x25\x27-\x7e]")
_FIXED_CHARS = (
    set(chardata.CONTROL_CHARS) | set(chardata.LIGATURES)
    | set(range(0x80, 0xA0)) | {ord(c) for c in "\x1b\r\u2028\u2029"}
)
FIXABLE_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FIXED_CHARS)) + "]")
ENTITY_RE = chardata.HTML_ENTITY_RE  # two scans: an alternation of both runs 2x slower than the pair
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


def _unverbose(pattern: str) -> str:
    """Drop the whitespace and comments a re.VERBOSE pattern ignores (RE2 has no verbose mode)."""
    out: list[str] = []
    in_class = escaped = in_comment = False
    for i, ch in enumerate(pattern):
        if in_comment:
            in_comment = ch != "\n"
        elif escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif in_class:
            out.append(ch)
            in_class = ch != "]" or pattern[i - 1] == "[" or pattern[i - 2 : i] == "[^"
        elif ch == "[":
            out.append(ch)
            in_class = True
        elif ch == "#":
            in_comment = True
        elif not ch.isspace():
            out.append(ch)
    return "".join(out)


# Python's \d \s \w hold non-ASCII characters (U+00A0, U+2003, é, ж); RE2's
# are ASCII only. Each is widened to its ASCII members or any non-ASCII
# character: a superset of Python's, so the RE2 pattern matches wherever
# ftfy's does (and on a few more lines, which then go to ftfy for nothing).
_WIDER = {  # escape -> (its members inside a class, the escape outside one)
    "d": ("0-9", r"(?:[0-9]|[^\x00-\x7f])"),
    "s": (r"\t-\r\x1c-\x20", r"(?:[\t-\r\x1c-\x20]|[^\x00-\x7f])"),
    "w": ("0-9A-Za-z_", r"(?:[0-9A-Za-z_]|[^\x00-\x7f])"),
}


def re2_superset(pattern: str) -> str | None:
    r"""A non-verbose pattern for RE2 that matches wherever ``pattern`` matches in Python's re.

    \d \s \w are widened (_WIDER); None where that cannot give a superset:
    their negations, \b, \B, a widened class inside a negated class, or ``$``
    (which in Python also matches before a final line break).

    >>> print(re2_superset(r"[a-z]\s?[\w.]x"))
    [a-z](?:[\t-\r\x1c-\x20]|[^\x00-\x7f])?[0-9A-Za-z_\x{80}-\x{10ffff}.]x
    """
    out: list[str] = []
    for i, j, opened in pattern_pieces(pattern):
        piece = pattern[i:j]
        if piece == "$" and opened < 0:
            return None
        if len(piece) == 2 and piece[0] == "\\":
            if piece[1] in "DSWbB":
                return None
            if piece[1] in _WIDER:
                if opened < 0:
                    piece = _WIDER[piece[1]][1]
                elif pattern.startswith("[^", opened):
                    return None
                else:
                    piece = _WIDER[piece[1]][0] + r"\x{80}-\x{10ffff}"
        out.append(piece)
    return "".join(out)


# ftfy's badness regex (the test every encoding fix starts with), on RE2:
# widened (re2_superset), so it says which lines may need ftfy, never which
# do not. ftfy applies it to one line at a time, where "^" is the line's
# start: scanning a whole text needs multi-line mode for the same matches.
# Should a future pattern not widen, Python's own regex is used (slower).
def _badness_re2() -> tuple[Any, Any] | None:
    """ftfy's badness regex widened for RE2 (re2_superset), compiled, and in multi-line mode;
    None where that is not sure to be a superset (flags other than verbose, a pattern that
    does not widen or that RE2 cannot compile)."""
    flags = badness.BADNESS_RE.flags & ~re.UNICODE
    if flags & ~re.VERBOSE:
        return None
    pattern = badness.BADNESS_RE.pattern
    wide = re2_superset(_unverbose(pattern) if flags & re.VERBOSE else pattern)
    try:
        return None if wide is None else (re2.compile(wide, _RE2_OPTIONS), re2.compile("(?m)" + wide, _RE2_OPTIONS))
    except re2.error:
        return None


_WIDE_BADNESS = _badness_re2()
if _WIDE_BADNESS is None:  # Python's own regex: exact, and slower
    BADNESS_RE2 = badness.BADNESS_RE
    BADNESS_LINES_RE2 = re.compile(badness.BADNESS_RE.pattern, badness.BADNESS_RE.flags | re.MULTILINE)
else:
    BADNESS_RE2, BADNESS_LINES_RE2 = _WIDE_BADNESS
# ftfy.fix_text, faster where a line needs it (cleaner/fix_text.py); the same results.
_fix_text = ftfy.fix_text if _WIDE_BADNESS is None else fast_fix_text(BADNESS_RE2)


FIXABLE_BITS = bitmap(_FIXED_CHARS)  # the C pre-scan's form of FIXABLE_RE
# Every match of ftfy 6.3's badness regex holds two non-ASCII characters in a
# row, or one of Â Ã Œ œ or a C1 control: the C pre-scan says whether the text
# has any, and the badness scan is skipped when it has none. For another
# version of the regex the scan always runs.
BADNESS_GATE = hashlib.sha256(badness.BADNESS_RE.pattern.encode()).hexdigest() == (
    "9dcc0f2ac90d9ae3c85eb7b9b2c0b8a8e8126153847c2b30c91a0bb263f3b8c4"
)


def repair(text: str) -> str:
    """Repair broken Unicode with ftfy, keeping quotes and character widths.

    >>> repair("The caf\\u00c3\\u00a9 said &amp; left")
    'The café said & left'
    """
    if SUSPECT_RE.search(text) is None:
        return text
    hits: list[int] | None = None
    bad = maybe_not_nfc = True
    if native.module is not None:  # one C pass: fixable characters, entities, surrogates, badness and NFC gates
        hits, surrogate, possible, maybe_not_nfc = native.module.repair_scan(text, FIXABLE_BITS, unsafe_bits())
        bad = possible or not BADNESS_GATE
    else:
        try:
            text.encode("utf-8")
            surrogate = False
        except UnicodeEncodeError:
            surrogate = True
    if surrogate:  # lone surrogates: RE2 cannot scan them, ftfy fixes them
        return _fix_text(text, config=FTFY_CONFIG)
    # A trigger inside a line is a trigger in the whole text, so scanning the
    # whole text once finds every line that needs ftfy (and perhaps a few more,
    # where a match spans lines: ftfy leaves those as they are).
    if hits is None:
        hits = [m.start() for m in FIXABLE_RE.finditer(text)]
        hits.extend(m.start() for m in ENTITY_RE.finditer(text))
    if bad:
        for m in BADNESS_LINES_RE2.finditer(text):
            a, b = m.span()
            hits.append(a)
            hits.extend(i + 1 for i in range(a, b - 1) if text[i] == "\n")  # every line the match touches
    # Text with no character that can break NFC (cleaner/nfc.py) is NFC: the check is skipped.
    if maybe_not_nfc and not unicodedata.is_normalized("NFC", text):
        hits.extend(_lines_not_nfc(text))
    if not hits:
        return text
    return _repair_lines(text, sorted(hits))


def _lines_not_nfc(text: str) -> Iterator[int]:
    """The start of each line that is not NFC (ftfy normalises it). NFC never joins characters
    across a line break, so a line's form is its own; a line that is not NFC is not ASCII."""
    search, pos = SUSPECT_RE.search, 0
    while (m := search(text, pos)) is not None:
        start, end = _line_at(text, m.start())
        if not unicodedata.is_normalized("NFC", text[start:end]):
            yield start
        pos = end


def _line_at(text: str, at: int) -> tuple[int, int]:
    """Start and end (past its line break, if any) of the line holding position ``at``."""
    end = text.find("\n", at)
    return text.rfind("\n", 0, at) + 1, len(text) if end < 0 else end + 1


def _repair_lines(text: str, positions: Iterable[int]) -> str:
    """Run ftfy on each line holding one of the (sorted) positions."""
    pieces: list[str] = []
    pos = 0
    for at in positions:
        if at < pos:
            continue
        start, end = _line_at(text, at)
        line = text[start:end]
        pieces.append(text[pos:start])
        pieces.append(_fix_text(line, config=FTFY_CONFIG))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def without_surrogates(text: str) -> str:
    """Replace lone surrogates (not text; RE2 cannot scan them) with U+FFFD.

    >>> without_surrogates("a\\ud800b")
    'a\\ufffdb'
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return SURROGATE_RE.sub("\ufffd", text)


def cut(source: str, removed: Iterable[Removal]) -> str:
    """Return source minus the removed spans; a seam never glues two words.

    A cut inside a line leaves a space, a cut across lines leaves a newline.

    >>> cut("Hello CUT world", [Removal(6, 9, "ads", "x", "CUT")])
    'Hello   world'
    """
    return cut_spans(source, merge_spans((r.start, r.end) for r in removed))


def cut_spans(source: str, spans: Iterable[tuple[int, int]]) -> str:
    """Source minus sorted, disjoint spans (merge_spans), each replaced by a space or, if it held one, a newline."""
    pieces: list[str] = []
    pos = 0
    find = source.find
    for start, end in spans:
        pieces.append(source[pos:start])
        pieces.append("\n" if find("\n", start, end) >= 0 else " ")
        pos = end
    pieces.append(source[pos:])
    return "".join(pieces)


def cut_normalise(source: str, spans: list[tuple[int, int]]) -> str:
    """normalise_whitespace(cut_spans(source, spans)), in one C pass when the extension is built.

    >>> cut_normalise("Hello CUT world\\nx", [(6, 9)])
    'Hello world\\n\\nx\\n'
    """
    if native.module is not None:
        return native.module.cut_normalise(source, spans)
    return normalise_whitespace_python(cut_spans(source, spans))


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
    ends with exactly one newline. The C extension does the same in one pass.

    >>> normalise_whitespace("  a  b \\n\\n\\n c\\t\\n")
    'a b\\n\\nc\\n'
    """
    if native.module is not None:
        return native.module.normalise(text)
    return normalise_whitespace_python(text)


def normalise_whitespace_python(text: str) -> str:
    """normalise_whitespace in Python: ``str.split()`` splits on exactly the whitespace of ``[^\\S\\n]``."""
    kept = [" ".join(words) for line in text.split("\n") if (words := line.split())]
    return "\n\n".join(kept) + "\n" if kept else ""
