"""The rule cleaner: repair, find removals, cut, normalise; one Result per text."""
from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from . import native
from .classify import find_boilerplate
from .errors import RulePackError
from .model import Cut, Removal, Result
from .rules import Rule, RulePack, default_pack_path, load_pack
from .scan import LineTest, scanner
from .text import cut_normalise, merge_spans, normalise_whitespace, repair, without_surrogates

DEBRIS_RULE = "debris"  # what is left of a line once its boilerplate is cut: only punctuation
CLASSIFIER = "boilerplate"  # the category of the statistical classifier's removals


@dataclass(frozen=True)
class CleanerConfig:
    """How to clean: which packs, which categories to keep, whether to repair Unicode."""

    rule_files: tuple[str, ...] = ()  # user packs, loaded after the default pack
    keep: frozenset[str] = frozenset()  # categories whose rules do not run
    fix_unicode: bool = True  # repair mojibake and entities with ftfy first
    default_rules: bool = True  # load the shipped default pack


@dataclass
class Cleaner:
    """A rule-based cleaner built once from a config and reused for many texts."""

    config: CleanerConfig = field(default_factory=CleanerConfig)

    def __post_init__(self) -> None:
        self.pack = RulePack()
        if self.config.default_rules:
            self.pack.extend(load_pack(default_pack_path()))
        for path in self.config.rule_files:
            self.pack.extend(load_pack(path, known_categories=self.pack.categories))
        unknown = set(self.config.keep) - set(self.pack.categories)
        if unknown:
            raise RulePackError(
                f"unknown category {', '.join(sorted(unknown))}; known: "
                + ", ".join(sorted(self.pack.categories)),
                path="--keep",
            )
        self.active = [r for r in self.pack.rules if r.category not in self.config.keep]
        self.scanner = scanner(self.active)
        self.line_rules = [r for r in self.active if r.line_regexes]
        self.line_test = LineTest(self.line_rules)
        self._rank = {r.name: (i, r.category) for i, r in enumerate(self.active)}  # pack order, category

    def prepare(self, text: str) -> str:
        """The text the removals will index: repaired, or only rid of lone surrogates."""
        return repair(text) if self.config.fix_unicode else without_surrogates(text)

    def run(self, text: str) -> Result:
        """Clean one plain text and say what was removed and why."""
        return self.run_source(self.prepare(text))

    def run_source(self, source: str, extra: Sequence[Removal] = (), classify: bool = True) -> Result:
        """Clean text that needs no repair, adding ``extra`` removals found elsewhere.

        ``classify=False`` skips the line classifier (for text already extracted from HTML).
        """
        metadata: dict[str, str] = {}
        data = source.encode("utf-8")
        matches = self.scanner.find(data)
        found: list[Cut] = []  # byte offsets until mapped below
        rank = self._rank
        for name in sorted(matches, key=rank.__getitem__):  # pack order: the first rule to capture a metadata key sets it
            category = rank[name][1]
            for start, end, captures in matches[name]:
                found.append((start, end, name, category))
                if captures:
                    for key, value in captures.items():
                        metadata.setdefault(key, value)
        cuts: list[Cut] = [(r.start, r.end, r.rule, r.category) for r in extra]
        if found and len(data) != len(source):  # not ASCII: byte offsets to str offsets
            chars = _char_offsets(data, {o for c in found for o in c[:2]})
            found = [(chars[a], chars[b], rule, category) for a, b, rule, category in found]
        cuts += found
        cuts += _residue(source, cuts, self.line_test)
        # Text already in the cleaner's output form (one paragraph per line, one blank
        # line between) is taken as cleaned: its layout carries none of the signal the
        # classifier was trained on, and judging it again would make a second clean
        # cut more. (Iterating the classifier to a fixed point instead cost 0.025
        # recall on wcxb-dev, most of it on listing and collection pages.)
        if classify and CLASSIFIER not in self.config.keep and not in_output_form(source):
            spans = merge_spans([c[:2] for c in cuts])
            cuts += [(start, end, reason, CLASSIFIER) for start, end, reason in find_boilerplate(source, spans)]
        cuts.sort(key=_ORDER)
        text = cut_normalise(source, merge_spans([c[:2] for c in cuts]))
        return Result(text, source, metadata=metadata, cuts=cuts)


_ORDER = itemgetter(0, 1, 2)  # removals sort by start, end, rule


def in_output_form(text: str) -> bool:
    """Whether text is already what normalise_whitespace makes: one line per paragraph, one blank line between.

    The C pass stops at the first character normalising would change; in Python,
    counting line breaks first rejects most texts without normalising them.

    >>> in_output_form("One.\\n\\nTwo.\\n"), in_output_form("One.\\nTwo.\\n")
    (True, False)
    """
    if native.module is not None:  # one pass that stops at the first difference
        return native.module.in_output_form(text)
    return (
        text.endswith("\n") and 2 * text.count("\n\n") == text.count("\n") - 1
        and normalise_whitespace(text) == text
    )


def _char_offsets(data: bytes, offsets: Iterable[int]) -> dict[int, int]:
    """Map byte offsets of UTF-8 data (all on character boundaries) to str offsets."""
    wanted = sorted(offsets)
    if data.isascii():
        return {o: o for o in wanted}
    if native.module is not None:  # counts the bytes that start a character
        return dict(zip(wanted, native.module.char_offsets(data, wanted)))
    chars: dict[int, int] = {}
    prev = count = 0
    for offset in wanted:
        count += len(data[prev:offset].decode("utf-8"))
        chars[offset] = count
        prev = offset
    return chars


def _line_starts_at(text: str, positions: Iterable[int]) -> Iterator[tuple[int, int]]:
    """(position, start of its line) for sorted positions; linear in the text and the positions."""
    prev_pos = prev_start = 0
    for pos in positions:
        i = text.rfind("\n", prev_pos, pos)
        prev_start = prev_start if i < 0 else i + 1
        prev_pos = pos
        yield pos, prev_start


def _residue(source: str, cuts: Sequence[Cut], line_test: Callable[[bytes], Rule | None]) -> list[Cut]:
    """Removals for what is left of lines that boilerplate was cut from, when it is boilerplate too.

    "Share | Tweet |" minus its labels leaves " | |": residue without a letter
    or digit goes (rule "debris", category of the first cut on the line). What
    is left may also be a whole line some line rule removes ("Advertisement
    SIGN UP" minus the button is "Advertisement"): it goes under that rule, so
    cleaning clean text changes nothing. Linear in the text and the removals.
    """
    lines = native.module.residue(source, list(cuts)) if native.module is not None else residue_lines(source, cuts)
    found: list[Cut] = []
    for pieces, category, rest in lines:
        if rest is None:
            found.extend((a, b, DEBRIS_RULE, category) for a, b in pieces)
        elif (rule := line_test(rest)) is not None:
            found.extend((a, b, rule.name, rule.category) for a, b in pieces)
    return found


def residue_lines(source: str, cuts: Sequence[Cut]) -> list[tuple[list[tuple[int, int]], str | None, bytes | None]]:
    """(pieces, category, rest) for each line a removal starts or ends on that keeps more than whitespace.

    pieces: the line's kept (start, end) parts. If none holds a letter or
    digit: the category of the first removal touching the line, and rest
    None; else category None and rest the pieces' words joined by single
    spaces, in UTF-8. The C extension's ``residue`` gives the same.

    >>> residue_lines("Share | Tweet |\\nStory.", [(0, 5, "r", "social"), (8, 13, "r", "social")])
    [([(5, 8), (13, 15)], 'social', None)]
    """
    spans = merge_spans([c[:2] for c in cuts])
    if not spans:
        return []
    ends = [end for _, end in spans]
    owner: dict[int, Cut] = {}  # position -> the first removal (by start) that starts or ends there
    for c in sorted(cuts, key=_START):
        owner.setdefault(c[0], c)
        owner.setdefault(c[1], c)
    first_cut: dict[int, Cut] = {}  # line start -> the first removal touching the line
    for pos, line_start in _line_starts_at(source, sorted(owner)):
        c = owner[pos]
        first = first_cut.get(line_start)
        if first is None or c[0] < first[0]:
            first_cut[line_start] = c
    found: list[tuple[list[tuple[int, int]], str | None, bytes | None]] = []
    for line_start, first in sorted(first_cut.items()):
        line_end = source.find("\n", line_start)
        line_end = len(source) if line_end < 0 else line_end
        pieces, pos = [], line_start
        i = bisect.bisect_right(ends, line_start)
        while i < len(spans) and spans[i][0] < line_end:
            pieces.append((pos, max(spans[i][0], line_start)))
            pos = min(spans[i][1], line_end)
            i += 1
        pieces.append((pos, line_end))
        pieces = [(a, b) for a, b in pieces if not source[a:b].isspace() and b > a]
        if not pieces:
            continue
        rest = " ".join(" ".join(source[a:b].split()) for a, b in pieces)
        if any(map(str.isalnum, rest)):
            found.append((pieces, None, rest.encode("utf-8")))
        else:
            found.append((pieces, first[3], None))
    return found


_START = itemgetter(0)
