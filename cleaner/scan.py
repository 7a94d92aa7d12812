"""Running a pack's rules over a text: which rules may match, and where, from as few scans as possible.

Rules are compiled in cleaner/rules.py. Here they are run: the Scanner, when
every line rule's pattern is line-confined (cleaner/confined.py), finds all
line-confined rules' matches from one scan of the text for their proxies
(cleaner/proxy.py) and a test of each line it names; the Prefilter's RE2 Set
names the other rules worth running on the whole text. LineScan is the line rules' scan for packs with a line rule that is
not line-confined (then span, block and code rules go through the Prefilter).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import re2

from .confined import line_confined
from .proxy import proxy
from .rules import _LOW_LEVEL, Match, Rule, _captures, _group_names, _options, search, spans

if _LOW_LEVEL:
    _UNANCHORED = re2._Anchor.UNANCHORED
    _ANCHOR_BOTH = re2._Anchor.ANCHOR_BOTH


class Prefilter:
    """Which rules can match a text at all, from one scan of the text for all their triggers.

    Every trigger pattern, loosened (long bounded repeats opened, which only
    adds matches) and without capturing groups, goes into one RE2 Set; one
    pass over the text names the triggers that match somewhere. A rule none of
    whose triggers match finds nothing, so only the named patterns run and the
    cost of the pack grows with what a text contains, not with the number of
    rules. (RE2's FilteredRE2, which names the patterns whose literal atoms
    occur, ran 3.7 times as many patterns on the WCXB text pages, 75% of them
    for nothing, and its scan was slower than the Set's.)
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self.always = [i for i, r in enumerate(self.rules) if not r.triggers]
        self.owner: list[tuple[int, int]] = []  # Set pattern -> (rule, its trigger number)
        self.set: Any = re2.Set.SearchSet(_options())
        for i, rule in enumerate(self.rules):
            for k, pattern in enumerate(rule.triggers):
                self.set.Add(uncapture(loosen(pattern)))
                self.owner.append((i, k))
        if self.owner:
            self.set.Compile()

    def candidates(self, data: bytes) -> list[tuple[Rule, tuple[int, ...] | None]]:
        """The rules worth running on the UTF-8 data, in pack order, each with its live patterns.

        For span and line rules the triggers are the patterns themselves, so only
        the numbered ones run; other rules run whole (None).
        """
        hit: dict[int, set[int]] = {i: set() for i in self.always}
        if self.owner:
            for k in self.set.Match(data) or ():
                rule, trigger = self.owner[k]
                hit.setdefault(rule, set()).add(trigger)
        out = []
        for i in sorted(hit):
            rule = self.rules[i]
            which = tuple(sorted(hit[i])) if rule.scope in ("span", "line") and rule.triggers else None
            out.append((rule, which))
        return out

    def find(self, data: bytes) -> dict[str, list[Match]]:
        """Rule name -> the matches of each rule worth running (rules never named left out)."""
        if not self.rules:
            return {}
        return {rule.name: list(rule.find(data, which)) for rule, which in self.candidates(data)}


LOOSEN_MIN = 10  # bounded repeats {m,n} with n at least this are loosened to {m,} for the line scan


def pattern_pieces(pattern: str) -> Iterator[tuple[int, int, int]]:
    r"""(start, end, class) of each piece of a regex pattern, in order: an escape (a backslash and
    what follows), a class's opening (``[`` or ``[^``) or one character. class: where the class
    holding the piece opens (its opening and closing ``]`` included), -1 outside classes.

    >>> pattern = r"a[^]\d]\["
    >>> print(" ".join(f"{pattern[a:b]}@{c}" for a, b, c in pattern_pieces(pattern)))
    a@-1 [^@1 ]@1 \d@1 ]@1 \[@-1
    """
    i, n, opened, body = 0, len(pattern), -1, -1  # body: where the open class's members start
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            yield i, min(i + 2, n), opened
            i += 2
        elif opened >= 0:
            yield i, i + 1, opened
            if ch == "]" and i > body:  # a "]" first in a class is a member
                opened = -1
            i += 1
        elif ch == "[":
            opened = i
            body = i + 2 if pattern.startswith("[^", i) else i + 1
            yield i, body, opened
            i = body
        else:
            yield i, i + 1, -1
            i += 1


def _structural(pattern: str) -> Iterator[int]:
    """Positions of the characters of a pattern outside escapes and character classes."""
    return (i for i, _, opened in pattern_pieces(pattern) if opened < 0 and pattern[i] != "\\")


def _rewrite(pattern: str, char: str, rewrite: Callable[[str, int], tuple[str, int] | None]) -> str:
    """The pattern with each ``char`` outside escapes and classes replaced where ``rewrite`` says.

    ``rewrite(pattern, i)`` gives (replacement, where the replaced text ends) or None.
    A pattern with a quoted literal (``\\Q...``), which may hold ``char``, is left as it is.
    """
    if "\\Q" in pattern:
        return pattern
    out, done = [], 0
    for i in _structural(pattern):
        if pattern[i] == char and i >= done and (found := rewrite(pattern, i)) is not None:
            out.append(pattern[done:i] + found[0])
            done = found[1]
    return "".join(out) + pattern[done:]


def _open_repeat(pattern: str, i: int) -> tuple[str, int] | None:
    """``{m,n}`` at i, with n at least LOOSEN_MIN, as ``{m,}``."""
    close = pattern.find("}", i)
    low, comma, high = pattern[i + 1 : close].partition(",")
    if close > 0 and comma and low.isdigit() and high.isdigit() and int(high) >= LOOSEN_MIN:
        return "{" + low + ",}", close + 1
    return None


def _non_capturing(pattern: str, i: int) -> tuple[str, int] | None:
    """A capturing group's opening at i (``(``, ``(?P<name>``, ``(?<name>``) as ``(?:``."""
    if not pattern.startswith("?", i + 1):
        return "(?:", i + 1
    if pattern.startswith(("(?P<", "(?<"), i) and (close := pattern.find(">", i)) > 0:
        return "(?:", close + 1
    return None


def loosen(pattern: str) -> str:
    """The pattern with long bounded repeats ``{m,n}`` made open ``{m,}``: it matches a superset.

    Escapes, character classes and quoted literals (``\\Q...``) are left as they are.

    >>> loosen(r"[^\\n]{0,400}x{2,3}[{1,20}]\\{0,50}")
    '[^\\\\n]{0,}x{2,3}[{1,20}]\\\\{0,50}'
    """
    return _rewrite(pattern, "{", _open_repeat)


def uncapture(pattern: str) -> str:
    """The pattern with every capturing group made non-capturing: the same matches, found faster.

    RE2 needs its slower submatch engines only to report groups.

    >>> uncapture(r"(a)(?P<x>b)(?:c)[(]\\(d")
    '(?:a)(?:b)(?:c)[(]\\\\(d'
    """
    return _rewrite(pattern, "(", _non_capturing)


def _trigger_set(rules: Sequence[Rule], proxies: bool = False) -> tuple[Any, list[str], list[tuple[int, int]]]:
    """An RE2 Set of the rules' triggers, loosened (compiled if not empty); the loosened patterns;
    for each Set pattern, (rule, trigger number). With ``proxies``, each trigger's proxy
    (cleaner/proxy.py) stands in for it where it has one."""
    rset: Any = re2.Set.SearchSet(_options())
    loose: list[str] = []
    where: list[tuple[int, int]] = []
    for i, rule in enumerate(rules):
        for k, pattern in enumerate(rule.triggers):
            loose.append(loosen(proxy(pattern) or pattern if proxies else pattern))
            rset.Add(loose[-1])
            where.append((i, k))
    if loose:
        rset.Compile()
    return rset, loose, where


class LineScan:
    """The line rules, run as one scan of the text instead of one scan per rule.

    A line rule removes the lines its pattern matches whole. Every rule's
    patterns, loosened (long bounded repeats opened: RE2's DFA for many of
    them at once blows up) and without capturing groups (only the spans of
    its matches are used), are joined into one alternation and run once;
    each line it touches is then tested with an RE2 Set of the loosened
    patterns, and the rules whose patterns the Set names run on that line
    alone (each distinct line once per text). Loosened patterns match a
    superset of lines, so every rule finds exactly the lines it would find alone.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = [r for r in rules if r.scope == "line"]
        self.set, loose, self.owner = _trigger_set(self.rules)  # owner: Set pattern -> (rule, its pattern number)
        self.scan: Any = None
        if loose:
            self.scan = re2.compile("|".join(f"(?:{uncapture(p)})" for p in loose), _options())

    def find(self, data: bytes) -> dict[str, list[Match]]:
        """Rule name -> that line rule's matches in the UTF-8 data, in text order (rules with none left out)."""
        found: dict[str, list[Match]] = {}
        if self.scan is None:
            return found
        # A line is tested alone, so equal lines give equal matches: boilerplate lines
        # repeat ("Read more:", "Share"), and each distinct one is tested once.
        memo: dict[bytes, list[tuple[str, int, int, dict[str, str]]]] = {}
        line_end = -1  # end of the last line tested: lines are visited in order, each once
        for m in self.scan.finditer(data):
            a, b = m.span()
            pos = a
            while True:  # every line the match touches
                if pos > line_end:
                    i = data.rfind(b"\n", line_end + 1, pos)
                    line_start = line_end + 1 if i < 0 else i + 1
                    line_end = data.find(b"\n", pos)
                    line_end = len(data) if line_end < 0 else line_end
                    line = data[line_start:line_end]
                    hits = memo.get(line)
                    if hits is None:
                        hits = memo[line] = self._test_line(line)
                    for name, x, y, captures in hits:
                        found.setdefault(name, []).append((line_start + x, line_start + y, captures))
                if line_end >= b - 1:
                    break
                pos = line_end + 1
        return found

    def _test_line(self, line: bytes) -> list[tuple[str, int, int, dict[str, str]]]:
        """(rule name, start, end, captures) of every line rule's matches in one line, in rule order."""
        which: dict[int, list[int]] = {}
        for k in sorted(self.set.Match(line) or ()):
            rule, pattern = self.owner[k]
            which.setdefault(rule, []).append(pattern)
        hits = []
        for i, patterns in which.items():
            rule = self.rules[i]
            for a, b, captures in rule.find(line, patterns):
                hits.append((rule.name, a, b, captures))
        return hits


LINE, SPAN, BLOCK, CODE = "line", "span", "block", "code"


class Scanner:
    """All the rules of a pack whose line rules are all line-confined, with few scans of a text.

    A line-confined rule (a line rule, or a span, block or code rule whose
    patterns are line-confined) finds in a whole text exactly what it finds in
    each line alone. Each pattern's proxy (cleaner/proxy.py: a piece every
    match holds, before or after the pattern's long loops; else the pattern
    itself), loosened and without capturing groups, goes into one
    alternation: one scan of the text names each line where a pattern may
    match (the rest of a named line is skipped; matches are leftmost-longest,
    since any match names its line). Each such line is tested with an RE2 Set
    of the proxies, and the patterns it names run on that line alone (each
    distinct line once per text): span and line rules' matches, block rules'
    opening lines (the block is then found in the whole text), code rules'
    triggers (the code rule then runs on the whole text). The whole patterns'
    alternation has a DFA state for every mix of patterns part-way through
    a line, built as new text needs it; the proxies' has few (10 MB of new
    text: 0.40 s for the whole patterns' scan, 0.13 s for the proxies').
    Rules with a pattern that is not line-confined run on the whole text when the Prefilter's Set names them, and so do
    block rules whose opening pattern matches an empty line (re2's finditer
    gives such an empty match twice when it skipped text to find it, and the
    block with it: a line alone would give it once).
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        rules = list(rules)
        confined = [r.scope == LINE or bool(r.triggers) and all(map(line_confined, r.triggers))
                    and not (r.scope == BLOCK and whole_line(r.regexes[0], b"") is not None) for r in rules]
        self.rules = [r for r, c in zip(rules, confined) if c]
        self.whole = Prefilter([r for r, c in zip(rules, confined) if not c])
        self.set, loose, where = _trigger_set(self.rules, proxies=True)
        self.owner: list[tuple[int, int, str, tuple[tuple[str, int], ...]]] = [  # Set pattern -> rule, pattern, kind, groups
            (i, k, self.rules[i].scope, _group_names(self.rules[i].regexes[k]) if self.rules[i].scope != CODE else ())
            for i, k in where
        ]
        # A code rule runs when its trigger, loosened, matches a line (the Set names it by proxy).
        self.code_triggers = {
            (i, k): re2.compile(loosen(self.rules[i].triggers[k]), _options()) for i, k in where if self.rules[i].scope == CODE
        }
        self.scan: Any = None
        if loose:
            # Any match of the alternation names its line, so the scan may take the
            # leftmost-longest one: RE2's DFA for that keeps unordered thread sets,
            # far fewer states than leftmost-first (10 MB: 0.08-0.10 s -> 0.055-0.07 s).
            options = _options()
            options.longest_match = True
            self.scan = re2.compile("|".join(f"(?:{uncapture(p)})" for p in loose), options)

    def find(self, data: bytes) -> dict[str, list[Match]]:
        """Rule name -> that rule's matches in the UTF-8 data, in the order the rule alone gives them."""
        found = self.whole.find(data)
        if self.scan is None:
            return found
        # A line is tested alone, so equal lines give equal matches: boilerplate lines
        # repeat ("Read more:", "Share"), and each distinct one is tested once.
        memo: dict[bytes, list[tuple[int, int, int, int, dict[str, str]]]] = {}
        lines: dict[int, list[Match]] = {}  # line rules: matches in text order
        patterns: dict[tuple[int, int], list[Match]] = {}  # span rules: matches of each pattern
        starts: dict[int, list[Match]] = {}  # block rules: the opening lines' matches
        code: list[int] = []
        kinds = [rule.scope for rule in self.rules]
        for line_start, line in self._lines(data):
            hits = memo.get(line)
            if hits is None:
                hits = memo[line] = self._test_line(line)
            for i, k, x, y, captures in hits:
                kind = kinds[i]
                if kind == LINE:
                    lines.setdefault(i, []).append((line_start + x, line_start + y, captures))
                elif kind == SPAN:
                    patterns.setdefault((i, k), []).append((line_start + x, line_start + y, captures))
                elif kind == BLOCK:
                    starts.setdefault(i, []).append((line_start + x, line_start + y, captures))
                elif i not in code:
                    code.append(i)
        for i, matches in lines.items():
            found[self.rules[i].name] = matches
        for (i, k) in sorted(patterns):  # a span rule's patterns in order, each in text order
            found.setdefault(self.rules[i].name, []).extend(patterns[i, k])
        for i, opened in starts.items():
            found[self.rules[i].name] = list(self.rules[i].blocks(data, opened))  # type: ignore[misc]
        for i in code:
            found[self.rules[i].name] = list(self.rules[i].find(data))
        return found

    def _lines(self, data: bytes):  # type: ignore[no-untyped-def]
        """(start, bytes) of each line the scan names, in text order, each once."""
        n, pos = len(data), 0
        while pos <= n:
            if _LOW_LEVEL:
                a, b = self.scan._regexp.Match(_UNANCHORED, data, pos, n)[0]
            else:  # pragma: no cover - another re2 binding
                m = self.scan.search(data, pos, n)
                a, b = m.span() if m else (-1, -1)
            if b < 0:
                return
            i = data.rfind(b"\n", pos, a)
            line_start = pos if i < 0 else i + 1  # pos is a line start
            while True:  # the lines the match touches (one: its patterns are line-confined)
                line_end = data.find(b"\n", a)
                line_end = n if line_end < 0 else line_end
                yield line_start, data[line_start:line_end]
                if line_end >= b - 1:
                    break
                line_start = a = line_end + 1
            pos = line_end + 1

    def _test_line(self, line: bytes) -> list[tuple[int, int, int, int, dict[str, str]]]:
        """(rule, pattern, start, end, captures) of the exact matches in one line, in pattern order.

        Span and line rules' empty matches are dropped (as Rule.find drops them);
        a code rule's trigger comes as one (rule, trigger, 0, 0, {}).
        """
        hits = []
        for idx in sorted(self.set.Match(line) or ()):
            i, k, kind, names = self.owner[idx]
            if kind == CODE:
                if search(self.code_triggers[i, k], line, 0, len(line)) is not None:
                    hits.append((i, k, 0, 0, {}))
                continue
            regex = self.rules[i].regexes[k]
            if kind == SPAN:
                for f in spans(regex, line):
                    x, y = f[0]
                    if y > x:
                        hits.append((i, k, x, y, _captures(line, f, names) if names else {}))
                continue
            # Line rules and block openings are whole-line patterns (^...$, rules.line_pattern):
            # in a line alone they match the whole line or nothing, so one anchored test does.
            f = whole_line(regex, line)
            if f is not None and (f[0][1] > 0 or kind == BLOCK):
                hits.append((i, k, 0, f[0][1], _captures(line, f, names) if names else {}))
        return hits


def whole_line(regex: Any, line: bytes) -> list[tuple[int, int]] | None:
    """The group spans of regex matching all of line (which holds no line break), or None."""
    if _LOW_LEVEL:
        found = regex._regexp.Match(_ANCHOR_BOTH, line, 0, len(line))
        return None if found[0][1] < 0 else found
    m = regex.fullmatch(line)  # pragma: no cover - another re2 binding
    return None if m is None else [m.span(g) for g in range(regex.groups + 1)]


def scanner(rules: Sequence[Rule]) -> Scanner | Any:
    """The way to run these rules: the Scanner if every line rule is line-confined, else LineScan and the Prefilter."""
    rules = list(rules)
    if all(line_confined(t) for r in rules if r.scope == LINE for t in r.triggers):
        return Scanner(rules)
    return Split(rules)


class Split:
    """Line rules through LineScan, the others through the Prefilter (a pack with a line rule that is not line-confined)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.whole = Prefilter([r for r in rules if r.scope != LINE])
        self.line_scan = LineScan(rules)

    def find(self, data: bytes) -> dict[str, list[Match]]:
        """Rule name -> that rule's matches in the UTF-8 data."""
        found = self.whole.find(data)
        found.update(self.line_scan.find(data))
        return found


class LineTest:
    """Which line rule, if any, removes a line of text alone (the first in pack order).

    An RE2 Set of the rules' loosened whole-line patterns names the candidates;
    only those are tried exactly.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)  # rules with line_regexes
        self.set, _, self.owner = _trigger_set(self.rules)  # owner: Set pattern -> (rule, pattern)

    def __call__(self, line: bytes) -> Rule | None:
        if not self.owner:
            return None
        named = sorted(self.set.Match(line) or ())
        for idx in named:
            i, k = self.owner[idx]
            if search(self.rules[i].line_regexes[k], line, 0, len(line)) is not None:
                return self.rules[i]
        return None
