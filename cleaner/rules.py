"""Rules: loaded from TOML packs, compiled with RE2, each finds spans to remove.

A pack is data: ``[categories]`` (name = description) and ``[[rule]]``
entries. Patterns are compiled with RE2, whose matching time is linear in the
input whatever the pattern, so no pack can make cleaning hang; patterns using
features RE2 lacks (look-around, back-references) are rejected when loaded.
Rules scan the UTF-8 bytes of a text, encoded once, and yield byte offsets:
RE2 works on UTF-8, and a str would be re-encoded for every pattern.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import re2

from .errors import RulePackError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCOPES = ("span", "line", "block", "code")
RULE_FIELDS = {
    "name", "category", "scope", "pattern", "patterns", "ignore_case", "description",
    "start", "end", "follow", "max_lines", "function", "params", "examples",
}
EXAMPLE_FIELDS = {"remove", "keep"}
# A rule name reads like "newsletter.signup-prompt": lower case, no spaces.
NAME_RE = re2.compile(r"^[a-z0-9][a-z0-9_.-]*$")
DEFAULT_MAX_LINES = 8  # a block rule never reaches further than this without saying so

Match = tuple[int, int, dict[str, str]]  # start, end (byte offsets in the UTF-8 text), captures
# A finder takes the UTF-8 text and, optionally, the numbers of the only patterns worth running.
Finder = Callable[..., Iterator[Match]]


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # errors are raised as RulePackError, not printed
    options.max_mem = 64 << 20  # room for large alternations
    return options


def with_flags(pattern: str, ignore_case: bool) -> str:
    """The pattern with its flags inline: multi-line, and case-insensitive if asked."""
    return "(?m)" + ("(?i)" if ignore_case else "") + pattern


def compile_pattern(pattern: str, ignore_case: bool) -> Any:
    """Compile a pattern with RE2 in multi-line mode (^ and $ match at line ends)."""
    return re2.compile(with_flags(pattern, ignore_case), _options())


@dataclass
class Rule:
    """A named rule of one category; ``find`` yields byte spans in the UTF-8 text it is given."""

    name: str
    category: str
    scope: str
    description: str = ""
    examples: dict[str, list[str]] = field(default_factory=dict)
    finder: Finder = field(default=lambda data, which=None: iter(()), repr=False)
    # Patterns (flags inline) one of which must match for the rule to find anything;
    # empty means the rule always runs. The Prefilter reads them.
    triggers: tuple[str, ...] = ()
    # For line rules: the compiled whole-line patterns, also tried on what is
    # left of a line after other rules cut parts of it.
    line_regexes: tuple[Any, ...] = ()

    def find(self, data: bytes, which: Sequence[int] | None = None) -> Iterator[Match]:
        """Yield (start, end, captures) for every span this rule removes in the UTF-8 data.

        ``which`` limits a span or line rule to some of its patterns (by number).
        """
        return self.finder(data, which)


def _group_names(regex: Any) -> tuple[tuple[str, int], ...]:
    """(name, number) of the pattern's named groups, read once (re2 rebuilds groupindex on every access)."""
    return tuple(regex.groupindex.items())


def _captures(match: Any, names: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """The named groups that matched, decoded and stripped, in groupindex order (match.groupdict())."""
    out = {}
    for k, i in names:
        v = match[i]
        if v:
            out[k] = v.decode("utf-8").strip()
    return out


def span_finder(patterns: Sequence[Any]) -> Finder:
    """Every match of any pattern (or of the patterns numbered in ``which``) is removed."""
    names = [_group_names(regex) for regex in patterns]

    def find(data: bytes, which: Sequence[int] | None = None) -> Iterator[Match]:
        for i in range(len(patterns)) if which is None else which:
            for m in patterns[i].finditer(data):
                start, end = m.span()
                if end > start:
                    yield start, end, _captures(m, names[i])

    return find


def line_pattern(pattern: str) -> str:
    """Wrap a pattern so it must match a whole line, surrounding blanks included."""
    return r"^[ \t]*(?:" + pattern + r")[ \t]*\r?$"


def block_finder(start: Any, end: Any | None, follow: Any | None, max_lines: int) -> Finder:
    """A block opens on a line matching ``start`` and runs to ``end`` or over ``follow`` lines.

    With ``end``: the block reaches the end of the first ``end`` match within
    ``max_lines`` lines; if there is none, nothing is removed. With ``follow``:
    the block takes the following non-blank lines that wholly match ``follow``,
    at most ``max_lines`` of them. With neither, the opening line alone.
    """

    names = _group_names(start)

    def find(text: bytes, which: Sequence[int] | None = None) -> Iterator[Match]:
        for m in start.finditer(text):
            captures = _captures(m, names)
            line_end = text.find(b"\n", m.end())
            line_end = len(text) if line_end < 0 else line_end
            if end is not None:
                window_end = _nth_line_end(text, line_end, max_lines)
                e = end.search(text, m.end(), window_end)
                if e is not None:
                    yield m.start(), e.end(), captures
                continue
            block_end = m.end()
            if follow is not None:
                pos, taken = line_end, 0
                while pos < len(text) and taken < max_lines:
                    nxt = text.find(b"\n", pos + 1)
                    nxt = len(text) if nxt < 0 else nxt
                    line = text[pos + 1 : nxt]
                    if line.strip():
                        if not follow.fullmatch(line.strip()):
                            break
                        block_end, taken = nxt, taken + 1
                    pos = nxt
            yield m.start(), block_end, captures

    return find


def _nth_line_end(text: bytes, pos: int, n: int) -> int:
    for _ in range(n):
        nxt = text.find(b"\n", pos + 1)
        if nxt < 0:
            return len(text)
        pos = nxt
    return pos


# Rules that must count or look across many pieces are code, but still declared
# in a pack (scope = "code", function = NAME), so --list-rules and --keep treat
# them like every other rule.
def icon_label_run(min_icons: int = 3) -> Finder:
    """A run of UI icon labels such as "Calendar An icon of a desk calendar."

    Each label is a segment ending in a full stop. A run is a sequence of
    segments that mention an icon, logo or symbol, or have the label shape
    ("Copy link A black square."), holding at least ``min_icons`` icon
    mentions. A trailing segment with no full stop (a headline glued on) is
    left alone unless it mentions an icon itself.
    """
    segment_re = re2.compile(r"[^.\n]+(?:\.|$)", _options())
    icon_re = compile_pattern(ICON_TRIGGER, ignore_case=True)
    strong_re = compile_pattern(r"\b(?:icons?|logo|symbol)\b", ignore_case=True)
    shape_re = compile_pattern(
        r"^\s*[A-Z][\w'’-]*(?: [\w'’-]+){0,3} (?:An?|The) [^.]{2,160}\.$", ignore_case=False
    )
    label_re = compile_pattern(r"(?:[A-Z][\w'’-]* ){1,4}(?:An? )?icon\b", ignore_case=False)

    def find(text: bytes, which: Sequence[int] | None = None) -> Iterator[Match]:
        counts: dict[int, int] = {}
        line_start = line_end = -1  # the line of the previous match: found once, not per match
        for m in icon_re.finditer(text):
            if m.start() > line_end:
                line_start = text.rfind(b"\n", 0, m.start()) + 1
                line_end = text.find(b"\n", m.start())
                line_end = len(text) if line_end < 0 else line_end
            counts[line_start] = counts.get(line_start, 0) + 1
        for line_start, count in counts.items():
            if count >= min_icons:
                line_end = text.find(b"\n", line_start)
                yield from find_in_line(text, line_start, len(text) if line_end < 0 else line_end)

    def find_in_line(text: bytes, line_start: int, line_end: int) -> Iterator[Match]:
        run: list[tuple[int, int, bool]] = []  # (start, end, mentions an icon)

        def flush() -> Iterator[Match]:
            while run and not (text[run[-1][1] - 1 : run[-1][1]] == b"." or run[-1][2]):
                run.pop()
            if sum(1 for s in run if s[2]) >= min_icons:
                first_start, first_end, _ = run[0]
                label = label_re.search(text, first_start, first_end)
                start = label.start() if label else first_start
                while text[start : start + 1].isspace():
                    start += 1
                yield start, run[-1][1], {}
            run.clear()

        for m in segment_re.finditer(text, line_start, line_end):
            seg = m.group()
            is_icon = icon_re.search(seg) is not None
            if is_icon or strong_re.search(seg) or shape_re.search(seg):
                run.append((m.start(), m.end(), is_icon))
            else:
                yield from flush()
        yield from flush()

    return find


ICON_TRIGGER = r"\bicons?\b"


CODE_RULES: dict[str, Callable[..., Finder]] = {
    "icon_label_run": icon_label_run,
}
CODE_TRIGGERS: dict[str, tuple[str, ...]] = {  # no entry: the code rule always runs
    "icon_label_run": (with_flags(ICON_TRIGGER, ignore_case=True),),
}



@dataclass
class RulePack:
    """Categories and rules, in pack order; later packs override same-named rules."""

    categories: dict[str, str] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)

    def extend(self, other: RulePack) -> None:
        """Add other's categories and rules; a rule with a known name replaces it."""
        self.categories.update(other.categories)
        index = {rule.name: i for i, rule in enumerate(self.rules)}
        for rule in other.rules:
            if rule.name in index:
                self.rules[index[rule.name]] = rule
            else:
                index[rule.name] = len(self.rules)
                self.rules.append(rule)


def default_pack_path() -> Path:
    """The path of the rule pack shipped in the package."""
    return Path(str(resources.files("cleaner") / "packs" / "default.toml"))


def load_pack(path: str | Path, known_categories: dict[str, str] | None = None) -> RulePack:
    """Load and compile a rule pack; any fault raises RulePackError naming file and rule."""
    path = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RulePackError("no such file", path) from None
    except OSError as exc:
        raise RulePackError(f"cannot read: {exc.strerror}", path) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulePackError(f"not valid TOML: {exc}", path) from None
    unknown = set(data) - {"categories", "rule"}
    if unknown:
        raise RulePackError(f"unknown top-level key(s): {', '.join(sorted(unknown))}", path)
    categories = data.get("categories", {})
    if not isinstance(categories, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in categories.items()
    ):
        raise RulePackError("[categories] must map names to descriptions", path)
    allowed = {**(known_categories or {}), **categories}
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise RulePackError("'rule' must be an array of tables ([[rule]])", path)
    pack = RulePack(categories=dict(categories))
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        rule = _build_rule(entry, path, i, allowed)
        if rule.name in seen:
            raise RulePackError("duplicate rule name", path, rule.name)
        seen.add(rule.name)
        pack.rules.append(rule)
    return pack


def _build_rule(entry: Any, path: str, index: int, categories: dict[str, str]) -> Rule:
    label = f"#{index}"
    if not isinstance(entry, dict):
        raise RulePackError("must be a table", path, label)
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise RulePackError("needs a 'name' of lower-case letters, digits, '.', '_' or '-'", path, label)

    def fail(message: str) -> RulePackError:
        return RulePackError(message, path, name)

    unknown = set(entry) - RULE_FIELDS
    if unknown:
        raise fail(f"unknown field(s): {', '.join(sorted(unknown))}")
    category = entry.get("category")
    if category not in categories:
        raise fail(f"unknown category {category!r}; known: {', '.join(sorted(categories))}")
    scope = entry.get("scope", "span")
    if scope not in SCOPES:
        raise fail(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    ignore_case = entry.get("ignore_case", True)
    if not isinstance(ignore_case, bool):
        raise fail("ignore_case must be true or false")
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise fail("description must be a string")
    examples = entry.get("examples", {})
    if not isinstance(examples, dict) or set(examples) - EXAMPLE_FIELDS or not all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in examples.values()
    ):
        raise fail("examples must be a table with lists of strings 'remove' and 'keep'")

    triggers: list[str] = []

    def compiled(key: str, text: Any, whole_line: bool, trigger: bool = True) -> Any:
        if not isinstance(text, str) or not text:
            raise fail(f"{key} must be a non-empty string")
        pattern = line_pattern(text) if whole_line else text
        if trigger:
            triggers.append(with_flags(pattern, ignore_case))
        try:
            return compile_pattern(pattern, ignore_case)
        except re2.error as exc:
            message = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
            raise fail(f"{key} {text!r} is not a valid RE2 pattern: {message}") from None

    def refuse(*keys: str) -> None:
        present = [k for k in keys if k in entry]
        if present:
            raise fail(f"field(s) {', '.join(present)} do not apply to scope {scope!r}")

    line_regexes: tuple[Any, ...] = ()
    if scope in ("span", "line"):
        refuse("start", "end", "follow", "max_lines", "function", "params")
        raw = entry.get("patterns", [])
        if "pattern" in entry:
            raw = [entry["pattern"], *raw]
        if not isinstance(raw, list) or not raw:
            raise fail("needs 'pattern' or a non-empty list 'patterns'")
        regexes = [compiled("pattern", p, scope == "line") for p in raw]
        finder = span_finder(regexes)
        line_regexes = tuple(regexes) if scope == "line" else ()
    elif scope == "block":
        refuse("pattern", "patterns", "function", "params")
        if "start" not in entry:
            raise fail("a block rule needs 'start'")
        if "end" in entry and "follow" in entry:
            raise fail("a block rule takes 'end' or 'follow', not both")
        max_lines = entry.get("max_lines", DEFAULT_MAX_LINES)
        if not isinstance(max_lines, int) or isinstance(max_lines, bool) or not 1 <= max_lines <= 100:
            raise fail("max_lines must be an integer from 1 to 100")
        start = compiled("start", entry["start"], True)
        end = compiled("end", entry["end"], False, trigger=False) if "end" in entry else None
        follow = compiled("follow", entry["follow"], False, trigger=False) if "follow" in entry else None
        finder = block_finder(start, end, follow, max_lines)
        if end is None:  # without an end, the opening line alone is removed: a line rule too
            line_regexes = (start,)
    else:
        refuse("pattern", "patterns", "start", "end", "follow", "max_lines")
        function = entry.get("function")
        if function not in CODE_RULES:
            raise fail(f"unknown function {function!r}; known: {', '.join(sorted(CODE_RULES))}")
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise fail("params must be a table")
        try:
            finder = CODE_RULES[function](**params)
        except TypeError as exc:
            raise fail(f"bad params for {function}: {exc}") from None
        triggers.extend(CODE_TRIGGERS.get(function, ()))
    return Rule(name, category, scope, description, examples, finder, tuple(triggers), line_regexes)


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


LOOSEN_MIN = 10  # bounded repeats {m,n} with n at least this are loosened to {m,} for the line scan


def loosen(pattern: str) -> str:
    """The pattern with long bounded repeats ``{m,n}`` made open ``{m,}``: it matches a superset.

    Escapes and character classes are left as they are.

    >>> loosen(r"[^\\n]{0,400}x{2,3}[{1,20}]\\{0,50}")
    '[^\\\\n]{0,}x{2,3}[{1,20}]\\\\{0,50}'
    """
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or out[-1] in ("[", "[^")
        elif ch == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                continue
        elif ch == "{":
            close = pattern.find("}", i)
            low, comma, high = pattern[i + 1 : close].partition(",")
            if close > 0 and comma and low.isdigit() and high.isdigit() and int(high) >= LOOSEN_MIN:
                out.append("{" + low + ",}")
                i = close + 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def uncapture(pattern: str) -> str:
    """The pattern with every capturing group made non-capturing: the same matches, found faster.

    RE2 needs its slower submatch engines only to report groups.

    >>> uncapture(r"(a)(?P<x>b)(?:c)[(]\\(d")
    '(?:a)(?:b)(?:c)[(]\\\\(d'
    """
    if "\\Q" in pattern:  # a quoted literal may hold "(": leave such a pattern as it is
        return pattern
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or out[-1] in ("[", "[^")
        elif ch == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                continue
        elif ch == "(":
            if not pattern.startswith("?", i + 1):
                out.append("(?:")
                i += 1
                continue
            for named in ("(?P<", "(?<"):
                if pattern.startswith(named, i) and (close := pattern.find(">", i)) > 0:
                    out.append("(?:")
                    i = close + 1
                    break
            else:
                out.append(ch)
                i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


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
        self.owner: list[tuple[int, int]] = []  # Set pattern -> (rule, its pattern number)
        loose: list[str] = []
        self.set: Any = re2.Set.SearchSet(_options())
        for i, rule in enumerate(self.rules):
            for k, pattern in enumerate(rule.triggers):
                loose.append(loosen(pattern))
                self.set.Add(loose[-1])
                self.owner.append((i, k))
        self.scan: Any = None
        if loose:
            self.set.Compile()
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
