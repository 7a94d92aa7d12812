"""Per-line primitives of a whole-page text for the classifier, in one pass.

For every non-blank line (stripped of whitespace): where it is, its length,
how many whitespace-separated words it has and how many of them are stopwords
of the page's language or separator tokens, its commas and ". " pairs, whether
it ends in terminal punctuation, whether it is title-cased, how many lines have
the same text, and whether a blank line (or the page start) comes before it.
The page's language is the stoplist with most hits among the first words of
its longest lines. The C extension computes the same columns as the Python
code here (tests/test_native.py compares both); classify.py builds its
features from them.
"""
from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from itertools import accumulate, chain, repeat
from operator import methodcaller
from typing import TYPE_CHECKING

from . import native

if TYPE_CHECKING:
    import numpy as np
else:
    from .lazy import numpy as np  # the C path never needs it

# The rows of Primitives.columns, in this order.
COLUMNS = (
    "start",  # offset of the line in the text (its raw start, before stripping)
    "end",  # offset of its end (before the line break; trailing whitespace included)
    "length",  # characters of the stripped line
    "words",  # whitespace-separated tokens
    "stopwords",  # tokens, lower-cased, in the page language's stoplist (not separators)
    "separators",  # tokens that are separators
    "commas",  # "," characters
    "dot_spaces",  # ". " pairs
    "terminal",  # 1 if the stripped line ends with a terminal
    "title",  # 1 if str.istitle() of the stripped line
    "dup",  # non-blank lines of the page with the same stripped text (itself included)
    "blank",  # 1 if a blank line or the page start comes right before the line
)


_ROWS = {name: i for i, name in enumerate(COLUMNS)}


class Primitives:
    """The page's language id (-1: none), its stripped non-blank lines (or None), and one int64 array per column.

    The C pass gives the columns as ``data``, the bytes of a (columns x lines)
    int64 matrix, which the C scorer reads as they are; ``columns`` (and each
    column by name: ``p.words``) is that matrix as a numpy array, made when
    first read.
    """

    def __init__(self, lang: int, lines: list[str] | None, columns: np.ndarray | None = None,
                 data: bytes | None = None) -> None:
        self.lang = lang
        self.lines = lines
        self._columns = columns
        self._data = data

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = self.columns.tobytes()
        return self._data

    @property
    def columns(self) -> np.ndarray:
        if self._columns is None:
            self._columns = np.frombuffer(self.data, dtype=np.int64).reshape(len(COLUMNS), -1)
        return self._columns

    def __getattr__(self, name: str) -> np.ndarray:  # the columns by name: start, end, length, words, ...
        row = _ROWS.get(name)
        if row is None:
            raise AttributeError(name)
        return self.columns[row]


class Lexicon:
    """Stoplists (lower-cased word -> stoplist ids), separator tokens and terminal punctuation.

    ``index`` is the word -> ids mapping, or a function giving it when first needed;
    ``files``, the stoplists' files as bytes (list i has id i), lets the C extension
    build its own table from them, so the mapping (154k words: most of a cold start)
    is only built if the Python code needs it.
    """

    def __init__(
        self, index: Mapping[str, Sequence[int]] | Callable[[], Mapping[str, Sequence[int]]],
        separators: Sequence[str], terminals: Sequence[str], files: list[bytes] | None = None,
    ) -> None:
        self._index = index
        self.separators = tuple(separators)
        self.terminals = tuple(terminals)
        self._books: dict[int, dict[str, str]] = {}
        self._native = None
        if native.module is not None:
            self._native = native.module.Lexicon(files if files is not None else self.index, self.separators, self.terminals)

    @property
    def index(self) -> dict[str, Sequence[int]]:
        """Lower-cased word -> ids of the stoplists holding it."""
        if callable(self._index):
            self._index = self._index()
        if not isinstance(self._index, dict):
            self._index = dict(self._index)  # a dict is used as it is: no copy of 154k words
        return self._index

    def page(
        self, text: str, sample_lines: int, sample_words: int, use_native: bool = True, with_lines: bool = True
    ) -> Primitives:
        """The primitives of text's lines; the language from ``sample_words`` words of ``sample_lines`` lines.

        ``with_lines=False``: the C pass makes no str per line (``lines`` is None) when only the columns are read.
        """
        if use_native and self._native is not None:
            lang, lines, data = self._native.page(text, sample_lines, sample_words, with_lines)
            return Primitives(lang, lines, data=data)
        return self._page(text, sample_lines, sample_words)

    def _codebook(self, lang: int) -> dict[str, str]:
        """Token -> one-letter code: 's' stopword of the language, 'p' separator, '\\n' line break."""
        book = self._books.get(lang)
        if book is None:
            book = {w: "s" for w, ids in self.index.items() if lang in ids} if lang >= 0 else {}
            book.update(dict.fromkeys(self.separators, "p"))
            book["\x00"] = "\n"
            self._books[lang] = book
        return book

    def _language(self, lowered: list[str], keep: list[int], lens: list[int], sample_lines: int, sample_words: int) -> int:
        """Id of the stoplist with most hits among the first words of the longest lines (-1 if none)."""
        sample: set[str] = set()
        for i in heapq.nlargest(sample_lines, range(len(lens)), key=lens.__getitem__):
            sample.update(lowered[keep[i]].split()[:sample_words])
        hits = Counter(chain.from_iterable(filter(None, map(self.index.get, sample))))
        # Ties go to the lower id: the sample is a set, so insertion order would depend on the hash seed.
        return min(hits, key=lambda lang: (-hits[lang], lang)) if hits else -1

    def _page(self, text: str, sample_lines: int, sample_words: int) -> Primitives:
        raw = text.split("\n")
        offsets = list(accumulate([len(r) + 1 for r in raw], initial=0))
        stripped = list(map(str.strip, raw))
        keep = [i for i, s in enumerate(stripped) if s]
        lines = [stripped[i] for i in keep]
        n = len(lines)
        if not n:
            return Primitives(-1, lines, np.zeros((len(COLUMNS), 0), dtype=np.int64))
        lens = list(map(len, lines))
        low = text.lower()
        low_lines = low.split("\n")
        lang = self._language(low_lines, keep, lens, sample_lines, sample_words) if len(low_lines) == len(raw) else -1
        book = self._codebook(lang)
        codes = "".join(map(book.get, low.replace("\n", " \x00 ").split(), repeat("w"))).split("\n")
        if len(codes) != len(raw):  # a token "\x00" in the text: every word is a plain word
            codes = ["w" * len(s.split()) for s in raw]
        codes = [codes[i] for i in keep]
        counts = Counter(lines)
        blank = [1] + [int(b - a > 1) for a, b in zip(keep, keep[1:])]
        columns = [
            [offsets[i] for i in keep],
            [offsets[i] + len(raw[i]) for i in keep],
            lens,
            list(map(len, codes)),
            list(map(methodcaller("count", "s"), codes)),
            list(map(methodcaller("count", "p"), codes)),
            list(map(methodcaller("count", ","), lines)),
            list(map(methodcaller("count", ". "), lines)),
            list(map(methodcaller("endswith", self.terminals), lines)),
            list(map(str.istitle, lines)),
            list(map(counts.__getitem__, lines)),
            blank,
        ]
        return Primitives(lang, lines, np.array(columns, dtype=np.int64))
