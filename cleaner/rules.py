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
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    # The compiled patterns, one per trigger (span and line rules: the patterns;
    # block rules: the start), which the Scanner runs on the lines it picks.
    regexes: tuple[Any, ...] = ()
    # Block rules: from the start matches (in text order) to the blocks removed.
    blocks: Callable[[bytes, Iterable[Match]], Iterator[Match]] | None = field(default=None, repr=False)

    def find(self, data: bytes, which: Sequence[int] | None = None) -> Iterator[Match]:
        """Yield (start, end, captures) for every span this rule removes in the UTF-8 data.

        ``which`` limits a span or line rule to some of its patterns (by number).
        """
        return self.finder(data, which)


def _group_names(regex: Any) -> tuple[tuple[str, int], ...]:
    """(name, number) of the pattern's named groups, read once (re2 rebuilds groupindex on every access)."""
    return tuple(regex.groupindex.items())


# The re2 module's match objects and generators cost more than the matching on
# short texts; the finders call the compiled RE2 object below them, as re2's
# own finditer does for bytes (tests/test_rules.py compares both).
_ANCHOR = getattr(re2, "_Anchor", None)
_LOW_LEVEL = _ANCHOR is not None and hasattr(re2.compile("x"), "_regexp")
_NULL_SPAN = (-1, -1)


def spans(regex: Any, data: bytes, pos: int = 0, endpos: int | None = None) -> Iterator[list[tuple[int, int]]]:
    """The group spans of every match of regex in data[pos:endpos], as ``regex.finditer`` finds them."""
    if not _LOW_LEVEL:  # pragma: no cover - another re2 binding
        for m in regex.finditer(data, pos, endpos):
            yield [m.span(i) for i in range(regex.groups + 1)]
        return
    match = regex._regexp.Match
    unanchored = _ANCHOR.UNANCHORED
    n = len(data)
    endpos = n if endpos is None else max(0, min(endpos, n))
    pos = max(0, min(pos, n))
    if pos > endpos:
        return
    while True:
        found = match(unanchored, data, pos, endpos)
        end = found[0][1]
        if end < 0:
            return
        yield found
        if pos == endpos:
            return
        pos = pos + 1 if pos == end else end


def search(regex: Any, data: bytes, pos: int, endpos: int) -> tuple[int, int] | None:
    """The span of the first match of regex in data[pos:endpos], or None (``regex.search``)."""
    for found in spans(regex, data, pos, endpos):
        return found[0]
    return None


def fullmatch(regex: Any, data: bytes) -> bool:
    """Whether regex matches all of data (``regex.fullmatch``)."""
    if not _LOW_LEVEL:  # pragma: no cover - another re2 binding
        return regex.fullmatch(data) is not None
    return regex._regexp.Match(_ANCHOR.ANCHOR_BOTH, data, 0, len(data))[0][1] >= 0


def _captures(data: bytes, found: list[tuple[int, int]], names: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """The named groups that matched, decoded and stripped, in groupindex order (match.groupdict())."""
    out = {}
    for k, i in names:
        a, b = found[i]
        if b > a:
            out[k] = data[a:b].decode("utf-8").strip()
    return out


def span_finder(patterns: Sequence[Any]) -> Finder:
    """Every match of any pattern (or of the patterns numbered in ``which``) is removed."""
    names = [_group_names(regex) for regex in patterns]

    def find(data: bytes, which: Sequence[int] | None = None) -> Iterator[Match]:
        for i in range(len(patterns)) if which is None else which:
            yield from _matches(patterns[i], names[i], data)

    return find


def _matches(regex: Any, names: tuple[tuple[str, int], ...], data: bytes) -> Iterator[Match]:
    """(start, end, captures) of every non-empty match of one pattern."""
    for found in spans(regex, data):
        start, end = found[0]
        if end > start:
            yield start, end, _captures(data, found, names) if names else {}


def line_pattern(pattern: str) -> str:
    """Wrap a pattern so it must match a whole line, surrounding blanks included."""
    return r"^[ \t]*(?:" + pattern + r")[ \t]*\r?$"


def block_finder(start: Any, end: Any | None, follow: Any | None, max_lines: int) -> tuple[Finder, Callable[..., Iterator[Match]]]:
    """A block opens on a line matching ``start`` and runs to ``end`` or over ``follow`` lines.

    With ``end``: the block reaches the end of the first ``end`` match within
    ``max_lines`` lines; if there is none, nothing is removed. With ``follow``:
    the block takes the following non-blank lines that wholly match ``follow``,
    at most ``max_lines`` of them. With neither, the opening line alone.
    Returns the finder and the function from start matches to blocks.
    """

    names = _group_names(start)

    def blocks(text: bytes, starts: Iterable[Match]) -> Iterator[Match]:
        for m_start, m_end, captures in starts:
            line_end = text.find(b"\n", m_end)
            line_end = len(text) if line_end < 0 else line_end
            if end is not None:
                window_end = _nth_line_end(text, line_end, max_lines)
                e = search(end, text, m_end, window_end)
                if e is not None:
                    yield m_start, e[1], captures
                continue
            block_end = m_end
            if follow is not None:
                pos, taken = line_end, 0
                while pos < len(text) and taken < max_lines:
                    nxt = text.find(b"\n", pos + 1)
                    nxt = len(text) if nxt < 0 else nxt
                    line = text[pos + 1 : nxt].strip()
                    if line:
                        if not fullmatch(follow, line):
                            break
                        block_end, taken = nxt, taken + 1
                    pos = nxt
            yield m_start, block_end, captures

    def find(text: bytes, which: Sequence[int] | None = None) -> Iterator[Match]:
        starts = ((f[0][0], f[0][1], _captures(text, f, names)) for f in spans(start, text))
        return blocks(text, starts)

    return find, blocks


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
    regexes: tuple[Any, ...] = ()
    blocks = None
    if scope in ("span", "line"):
        refuse("start", "end", "follow", "max_lines", "function", "params")
        raw = entry.get("patterns", [])
        if "pattern" in entry:
            raw = [entry["pattern"], *raw]
        if not isinstance(raw, list) or not raw:
            raise fail("needs 'pattern' or a non-empty list 'patterns'")
        regexes = tuple(compiled("pattern", p, scope == "line") for p in raw)
        finder = span_finder(regexes)
        line_regexes = regexes if scope == "line" else ()
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
        finder, blocks = block_finder(start, end, follow, max_lines)
        regexes = (start,)
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
    return Rule(name, category, scope, description, examples, finder, tuple(triggers), line_regexes, regexes, blocks)
