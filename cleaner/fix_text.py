"""ftfy.fix_text with the same results, faster on the lines that need it.

On a line of mojibake ftfy spends most of its time in two places:
- its badness test, a 4,000-character regex on Python's re, searched again at
  every step of every round;
- two fixers that call str.translate on every character in every round
  (ligatures, control characters), even when the line holds none.

``fast_fix_text`` runs ftfy's own functions unchanged, as copies whose globals
come from a namespace of our own. Only two things differ there:
- ``is_bad`` asks RE2 first, using a superset of the badness regex
  (cleaner/text.py). Python's regex then runs only from where RE2 matched.
- The two translate fixers run only on text holding a character of their table.

Every answer is ftfy's, so the output is too (tests/test_fix_text.py compares
them). Where ftfy's code is not the shape this relies on, ftfy.fix_text itself
is returned. On the nine WCXB pages with the most mojibake, fixing every line
took 0.21-0.24 s with ftfy and 0.06-0.08 s with this.
"""
from __future__ import annotations

import re
import types
from collections.abc import Callable
from typing import Any

import ftfy
from ftfy import badness

# The functions from fix_text down to the ones that look up is_bad and FIXERS.
_CHAIN = ("fix_text", "fix_and_explain", "fix_encoding", "fix_encoding_and_explain",
          "_fix_encoding_one_step_and_explain", "_try_fix")
_TRANSLATORS = {"fix_latin_ligatures": "LIGATURES", "remove_control_chars": "CONTROL_CHARS"}


def fast_fix_text(superset: Any) -> Callable[..., str]:
    """ftfy.fix_text, with is_bad and the translate fixers made fast (or ftfy's own, see the module).

    ``superset``: a compiled regex (RE2) matching wherever ftfy's badness regex does.
    """
    if not _shape_is_known():
        return ftfy.fix_text
    bad_re = badness.BADNESS_RE

    def is_bad(text: str) -> bool:
        try:
            found = superset.search(text)
        except UnicodeEncodeError:  # lone surrogates, which RE2 cannot read
            return bad_re.search(text) is not None
        # Python's leftmost match starts at or after RE2's, which matches there too.
        return found is not None and bad_re.search(text, found.start()) is not None

    namespace = dict(vars(ftfy))
    namespace["is_bad"] = is_bad
    namespace["FIXERS"] = dict(ftfy.FIXERS)
    for name, table in _TRANSLATORS.items():
        fixer = ftfy.FIXERS[name]
        namespace["FIXERS"][name] = _only_if_mapped(fixer, fixer.__globals__[table])
    for name in _CHAIN:
        fn = getattr(ftfy, name)
        copy = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
        copy.__kwdefaults__ = fn.__kwdefaults__
        namespace[name] = copy
    return namespace["fix_text"]  # type: ignore[no-any-return]


def _only_if_mapped(fixer: Callable[[str], str], table: dict[int, Any]) -> Callable[[str], str]:
    """fixer (text.translate(table)), skipped for text without a character the table maps."""
    mapped = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(table)) + "]")

    def fix(text: str) -> str:
        return fixer(text) if mapped.search(text) is not None else text

    return fix


def _shape_is_known() -> bool:
    """Whether ftfy's code is what fast_fix_text relies on: the chain's functions, an is_bad
    that is one search of badness.BADNESS_RE, and two fixers that are one translate of their table."""
    if not all(isinstance(getattr(ftfy, name, None), types.FunctionType) for name in _CHAIN):
        return False
    is_bad = vars(ftfy).get("is_bad")  # the one the chain calls
    if not isinstance(is_bad, types.FunctionType) or is_bad.__code__.co_names != ("bool", "BADNESS_RE", "search"):
        return False
    if is_bad.__globals__.get("BADNESS_RE") is not badness.BADNESS_RE:
        return False
    for name, table in _TRANSLATORS.items():
        fixer = getattr(ftfy, "FIXERS", {}).get(name)
        if not isinstance(fixer, types.FunctionType) or fixer.__code__.co_names != ("translate", table):
            return False
    return "is_bad" in ftfy._fix_encoding_one_step_and_explain.__code__.co_names
