r"""Whether a rule pattern is line-confined: it finds in a whole text what it finds in each line alone.

A pattern none of whose pieces can match a line break, and that does not
look at the ends of the text (``\A``, ``\z``) or turn off multi-line mode,
has every match inside one line; in multi-line mode ``^``, ``$``, ``\b`` and
``\B`` see a line break as they see the ends of a text, so each line, searched
alone, gives the same matches. The check reads the pattern's syntax and is
conservative: what it does not understand counts as not confined.
"""
from __future__ import annotations

_SINGLE = {"t": 9, "n": 10, "v": 11, "f": 12, "r": 13, "a": 7}  # escapes of one control character
_NEWLINE_CLASSES = set("sDW")  # \s, \D, \W hold a line break
_PLAIN_CLASSES = set("dwS")  # \d, \w, \S do not
_SAFE_POSIX = {"alnum", "alpha", "blank", "digit", "graph", "lower", "print", "punct", "upper", "word", "xdigit"}
_NEWLINE_POSIX = {"ascii", "cntrl", "space"}
_SAFE_CATEGORIES = {  # Unicode general categories without U+000A (a control, Cc)
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
    "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp",
}
_ASSERTIONS = set("bB")  # zero-width, and \n reads as a text end for them
_HEX = set("0123456789abcdefABCDEF")
YES, NO, MAYBE = "yes", "no", "maybe"  # does an item hold the line break


def line_confined(pattern: str) -> bool:
    """Whether no match of the pattern can hold a line break or see past its line.

    Such a pattern finds in a whole text exactly what it finds in each line
    alone: in multi-line mode ``^``, ``$`` and ``\\b`` see a line break as they
    see the ends of a text. Conservative: what this check does not understand
    (``\\A``, ``\\z``, ``(?s)``, ``(?-m)``, ``\\C``, a Unicode class it does not
    know) makes the answer False, and the rule is then run on the whole text.

    >>> line_confined(r"^Share[^\\n]{0,40}$"), line_confined(r"Share\\s+this"), line_confined(r"[^a-z]")
    (True, False, False)
    """
    dot_all = _dot_all(pattern)
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\n" or (ch == "." and dot_all):
            return False
        if ch == "\\":
            if pattern[i + 1 : i + 2] in _ASSERTIONS:
                i += 2
                continue
            size, holds, _ = _escape(pattern, i)
            if size == 0 or holds != NO:
                return False
            i += size
        elif ch == "[":
            size = _class(pattern, i)
            if size == 0:
                return False
            i += size
        elif ch == "(" and pattern.startswith("(?", i):
            j = i + 2
            while j < n and pattern[j] not in ":)<P":
                j += 1
            flags = pattern[i + 2 : j]
            if "m" in flags.partition("-")[2]:
                return False
            i = j
        else:
            i += 1
    return True



def _dot_all(pattern: str) -> bool:
    """Whether some flag group may turn on ``s`` (``.`` matching a line break)."""
    start = 0
    while (i := pattern.find("(?", start)) >= 0:
        j = i + 2
        while j < len(pattern) and pattern[j] not in ":)<":
            j += 1
        if "s" in pattern[i + 2 : j].partition("-")[0]:
            return True
        start = i + 2
    return False


def _escape(pattern: str, i: int) -> tuple[int, str, int | None]:
    """(length, whether it holds the line break, its code point if one character) of the escape at i.

    Length 0: not understood (or \\A, \\z, \\C, \\Q...\\E holding a line break: never confined).
    """
    c = pattern[i + 1 : i + 2]
    if not c or c in "AzCPZ":
        return 0, MAYBE, None
    if c in _SINGLE:
        return 2, YES if c == "n" else NO, _SINGLE[c]
    if c in _NEWLINE_CLASSES:
        return 2, YES, None
    if c in _PLAIN_CLASSES:
        return 2, NO, None
    if c == "Q":
        end = pattern.find("\\E", i + 2)
        literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
        return (0 if "\n" in literal else (len(pattern) - i if end < 0 else end + 2 - i)), NO, None
    if c == "x":
        if pattern.startswith("{", i + 2):
            close = pattern.find("}", i + 3)
            body = pattern[i + 3 : close] if close > 0 else ""
            size = close + 1 - i
        else:
            body, size = pattern[i + 2 : i + 4], 4
            body = body if len(body) == 2 else ""
        if not body or not set(body) <= _HEX:
            return 0, MAYBE, None
        value = int(body, 16)
        return size, YES if value == 10 else NO, value
    if c in "01234567":
        j = i + 2
        while j < len(pattern) and j < i + 4 and pattern[j] in "01234567":
            j += 1
        value = int(pattern[i + 1 : j], 8)
        return j - i, YES if value == 10 else NO, value
    if c == "p":
        if pattern.startswith("{", i + 2):
            close = pattern.find("}", i + 3)
            if close < 0:
                return 0, MAYBE, None
            return close + 1 - i, NO if pattern[i + 3 : close] in _SAFE_CATEGORIES else MAYBE, None
        return 3, NO if pattern[i + 2 : i + 3] in _SAFE_CATEGORIES else MAYBE, None
    if c.isascii() and not c.isalnum():  # escaped punctuation: itself
        return 2, NO, ord(c)
    return 0, MAYBE, None


def _class(pattern: str, i: int) -> int:
    """Length of the character class at i if it cannot match the line break, else 0 (also if not understood)."""
    n = len(pattern)
    j = i + 1
    negated = pattern.startswith("^", j)
    j += negated
    items: set[str] = set()
    first = True
    prev: int | None = None  # the last single character, a possible range start
    while j < n:
        ch = pattern[j]
        if ch == "]" and not first:
            if negated:  # [^...] holds the line break unless an item surely does
                safe = YES in items
            else:
                safe = YES not in items and MAYBE not in items
            return j + 1 - i if safe else 0
        first = False
        if pattern.startswith("[:", j):
            close = pattern.find(":]", j + 2)
            if close < 0:
                return 0
            name = pattern[j + 2 : close]
            inverse = name.startswith("^")
            name = name.lstrip("^")
            holds = YES if name in _NEWLINE_POSIX else NO if name in _SAFE_POSIX else MAYBE
            if inverse:
                holds = {YES: NO, NO: YES, MAYBE: MAYBE}[holds]
            items.add(holds)
            j, prev = close + 2, None
            continue
        if ch == "-" and prev is not None and j + 1 < n and pattern[j + 1] != "]":
            if pattern[j + 1] == "\\":
                size, _, hi = _escape(pattern, j + 1)
            else:
                size, hi = 1, ord(pattern[j + 1])
            if size == 0 or hi is None:
                return 0
            items.add(YES if prev <= 10 <= hi else NO)
            j, prev = j + 1 + size, None
            continue
        if ch == "\\":
            size, holds, value = _escape(pattern, j)
            if size == 0:
                return 0
        else:
            size, holds, value = 1, YES if ch == "\n" else NO, ord(ch)
        items.add(holds)
        j, prev = j + size, value
    return 0
