r"""A short piece of a pattern that every match of it contains: the pattern's proxy for a scan.

RE2 builds a DFA's states as the text needs them. Many patterns joined in one
alternation, each with a long-lived loop (``[^.\n]{0,}`` between two phrases,
``[^\n]{0,}`` to the end of a line), have a state for every combination of
patterns part-way through a line, and new text keeps making new ones: the
scan is fast on text it has seen and several times slower on text it meets
first. A proxy stops before such a loop (or starts after one): it is the part
of the pattern with the most literal text that any match must hold, so the
lines where the pattern matches are among the lines where its proxy matches,
and the proxies' alternation has few states.

The pattern is read as RE2 syntax; what this module does not know (``\Q``,
``\x{...}``, flags set inside the pattern) gives no proxy, and the caller
uses the whole pattern.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

LONG = 10  # a repeat with no upper bound, or one at least this high, is long-lived when its item is broad

MIN_SCORE = 3  # a proxy must hold at least this much literal text (see _score)
_ESCAPED_LITERALS = set("tnrfva") | set(r".^$*+?()[]{}|\/-'\"&@#%!,;:<>=~`_ ") | {"’"}
_CLASSES = set("dswDSW")
_BROAD_ESCAPES = set("DSWP")
_ASSERTIONS = set("bB")
_SCOPED = re.compile(r"\(\?[imsU-]*:")  # a non-capturing group, maybe with flags of its own


class Unsupported(ValueError):
    """Syntax this module does not read (the caller then uses the whole pattern)."""


@dataclass
class Item:
    """One piece of a pattern: its source text, kind, and for groups and repeats what they hold."""

    kind: str  # "lit", "set", "assert", "group", "repeat"
    text: str  # the source text (for a group, its opening, such as "(?:"; for a repeat, its quantifier)
    broad: bool = False  # a set matching most characters (a negated class, ".", \D, \S, \W, \P..)
    alts: list[list[Item]] = field(default_factory=list)  # a group's alternatives
    low: int = 1  # a repeat's bounds (high None: no bound)
    high: int | None = 1


def parse(pattern: str) -> tuple[str, list[list[Item]]]:
    """The pattern's leading flag groups (``(?m)(?i)``) and its top-level alternatives."""
    flags, i = "", 0
    while pattern.startswith("(?", i) and (close := pattern.find(")", i)) > 0 and pattern[i + 2 : close].isalpha():
        flags += pattern[i : close + 1]
        i = close + 1
    alts, i = _alternatives(pattern, i)
    if i != len(pattern):
        raise Unsupported(f"unbalanced ')' at {i}")
    return flags, alts


def _alternatives(p: str, i: int) -> tuple[list[list[Item]], int]:
    alts: list[list[Item]] = [[]]
    while i < len(p) and p[i] != ")":
        if p[i] == "|":
            alts.append([])
            i += 1
            continue
        item, i = _atom(p, i)
        item, i = _quantified(p, i, item)
        alts[-1].append(item)
    return alts, i


def _atom(p: str, i: int) -> tuple[Item, int]:
    ch = p[i]
    if ch == "(":
        if (m := _SCOPED.match(p, i)) is not None:
            opening = m.group()
        elif p.startswith(("(?P<", "(?<"), i):
            opening = p[i : p.index(">", i) + 1]
        elif p.startswith("(?", i):
            raise Unsupported(f"group syntax at {i}")
        else:
            opening = "("
        alts, j = _alternatives(p, i + len(opening))
        if j >= len(p):
            raise Unsupported("unclosed group")
        return Item("group", opening, alts=alts), j + 1
    if ch == "[":
        j = i + 1 + p.startswith("^", i + 1)
        j += p.startswith("]", j)  # a "]" first in a class is a member
        while j < len(p) and p[j] != "]":
            if p[j] == "[" and p.startswith("[:", j):
                j = p.index(":]", j) + 2
                continue
            j += 2 if p[j] == "\\" else 1
        if j >= len(p):
            raise Unsupported("unclosed class")
        return Item("set", p[i : j + 1], broad=p.startswith("[^", i)), j + 1
    if ch == ".":
        return Item("set", ".", broad=True), i + 1
    if ch in "^$":
        return Item("assert", ch), i + 1
    if ch in "*+?{":
        raise Unsupported(f"quantifier with nothing to repeat at {i}")
    if ch != "\\":
        return Item("lit", ch), i + 1
    nxt = p[i + 1 : i + 2]
    if nxt in _ASSERTIONS:
        return Item("assert", p[i : i + 2]), i + 2
    if nxt in _CLASSES:
        return Item("set", p[i : i + 2], broad=nxt in _BROAD_ESCAPES), i + 2
    if nxt in ("p", "P"):
        end = p.index("}", i) + 1 if p.startswith("{", i + 2) else i + 3
        return Item("set", p[i:end], broad=nxt == "P"), end
    if nxt in _ESCAPED_LITERALS:
        return Item("lit", p[i : i + 2]), i + 2
    raise Unsupported(f"escape {p[i:i + 2]!r} at {i}")


def _quantified(p: str, i: int, item: Item) -> tuple[Item, int]:
    if i >= len(p) or p[i] not in "*+?{":
        return item, i
    if p[i] == "{":
        close = p.find("}", i)
        low, comma, high = p[i + 1 : close].partition(",")
        if close < 0 or not low.isdigit() or not (high.isdigit() or high == ""):
            return item, i  # RE2 reads a brace that is not a repeat as a literal; so does _atom next
        bounds = (int(low), (int(high) if high else None) if comma else int(low))
        end = close + 1
    else:
        bounds = {"*": (0, None), "+": (1, None), "?": (0, 1)}[p[i]]
        end = i + 1
    end += p.startswith("?", end)  # lazy
    return Item("repeat", p[i:end], alts=[[item]], low=bounds[0], high=bounds[1]), end


def text(item: Item) -> str:
    """The item's source text."""
    if item.kind == "group":
        return item.text + "|".join(map(_seq_text, item.alts)) + ")"
    if item.kind == "repeat":
        return text(item.alts[0][0]) + item.text
    return item.text


def _seq_text(seq: list[Item]) -> str:
    return "".join(map(text, seq))


def _long_lived(item: Item) -> bool:
    """Whether a match may spend many characters in this item (a loop over most characters)."""
    if item.kind == "repeat":
        inner = item.alts[0][0]
        unbounded = item.high is None or item.high >= LONG
        return unbounded and inner.broad or _long_lived(inner)
    if item.kind == "group":
        return any(_long_lived(x) for alt in item.alts for x in alt)
    return False


def _score(item: Item) -> int:
    """How much literal text any match of the item holds: 1 per literal, 2 for a line's start or end."""
    if item.kind == "lit":
        return 1
    if item.kind == "assert":
        return 2 if item.text in "^$" else 0
    if item.kind == "group":
        return min(sum(map(_score, alt)) for alt in item.alts)
    if item.kind == "repeat":
        return item.low * _score(item.alts[0][0])
    return 0


Rest = tuple  # the item lists that follow a sequence in the groups around it, innermost first


def _either(parts: list[tuple[str, int]]) -> tuple[str, int]:
    """A group of alternative proxies, and its score (the least of theirs)."""
    return "(?:" + "|".join(t for t, _ in parts) + ")", min(s for _, s in parts)


def _opened(item: Item, after: Rest) -> tuple[Item | None, Rest]:
    """The group a long-lived item opens into and what follows each alternative of it.

    A group goes on into ``after``; a repeat of a group, at least once, is taken
    its first time through (what follows is another time or ``after``: nothing
    known); anything else opens no group.
    """
    if item.kind == "group":
        return item, after
    if item.kind == "repeat" and item.low >= 1 and item.alts[0][0].kind == "group":
        return item.alts[0][0], ()
    return None, ()


def _prefix(seq: list[Item], rest: Rest = ()) -> tuple[str, int]:
    """A proxy every match of seq (and what follows it, ``rest``) starts with, and its score.

    Items are taken up to the first long-lived one; a group holding one gives
    each alternative's own prefix, and an alternative with no long-lived item
    goes on into what follows the group.
    """
    out, score = [], 0
    for k, item in enumerate(seq):
        if not _long_lived(item):
            out.append(text(item))
            score += _score(item)
            continue
        group, after = _opened(item, (seq[k + 1 :], *rest))
        if group is None:
            return "".join(out), score
        t, s = _either([_prefix(alt, after) for alt in group.alts])
        return "".join(out) + t, score + s
    if rest:
        t, s = _prefix(rest[0], rest[1:])
        return "".join(out) + t, score + s
    return "".join(out), score


def _factor(seq: list[Item], rest: Rest = ()) -> tuple[str, int]:
    """The best proxy of seq: a prefix of it, or of what follows one of its long-lived items."""
    best = _prefix(seq, rest)
    for k, item in enumerate(seq):
        if not _long_lived(item):
            continue
        candidates = [_prefix(seq[k + 1 :], rest)]
        group, after = _opened(item, (seq[k + 1 :], *rest))
        if group is not None:
            candidates.append(_either([_factor(alt, after) for alt in group.alts]))
        for c in candidates:
            if c[1] > best[1]:
                best = c
    return best


def proxy(pattern: str) -> str | None:
    r"""A pattern matching somewhere in every line where ``pattern`` matches, with no long-lived loop; or None.

    None when the pattern's syntax is not understood, or no piece of it holds
    MIN_SCORE of literal text; the pattern itself is then its own proxy.
    Assertions that look at the ends of the whole text keep their meaning
    only in multi-line mode, so without ``(?m)`` there is no proxy.

    >>> proxy(r"(?m)(?i)\bsign up to our\b[^.\n]{0,200}\bnewsletters?\b")
    '(?m)(?i)(?:\\bsign up to our\\b)'
    >>> proxy(r"(?m)^[ \t]*(?:[^\n]{0,}\(Photo: [A-Z]\w+\))[ \t]*$")
    '(?m)(?:(?:\\(Photo: [A-Z]\\w+\\)[ \\t]*$))'
    """
    try:
        flags, alts = parse(pattern)
    except (Unsupported, ValueError):
        return None
    if "m" not in flags or any(x in pattern for x in (r"\A", r"\z", "(?s")):
        return None
    found, score = _either([_factor(alt) for alt in alts])
    return flags + found if score >= MIN_SCORE else None
