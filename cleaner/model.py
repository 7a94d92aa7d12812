"""The data the cleaner returns: removals and results, nothing else."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Cut = tuple[int, int, str, str]  # start, end, rule, category: a removal before its text is sliced out


@dataclass(frozen=True)
class Removal:
    """One span cut from the source, with the rule that cut it."""

    start: int  # offset into Result.source (the input after Unicode repair)
    end: int
    category: str  # from the rule pack's closed list of categories
    rule: str  # the rule's name, as in the pack, --explain and --list-rules
    text: str  # source[start:end], so a removal can be reviewed on its own

    def to_dict(self) -> dict[str, Any]:
        """The removal as a JSON-ready dict."""
        return {
            "start": self.start,
            "end": self.end,
            "category": self.category,
            "rule": self.rule,
            "text": self.text,
        }


class Result:
    """A cleaned document: the clean text, what was removed and what was learnt.

    Immutable like a frozen dataclass (``text``, ``source``, ``removed``,
    ``metadata``; ``metadata`` is a dict). The cleaner hands over its removals
    as (start, end, rule, category) tuples; the Removal objects, with their
    text, are made when ``removed`` is first read (many callers only want
    ``text``).
    """

    __slots__ = ("text", "source", "metadata", "_removed", "_cuts")

    def __init__(
        self, text: str, source: str, removed: Iterable[Removal] = (), metadata: dict[str, str] | None = None,
        *, cuts: Iterable[Cut] | None = None,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "text", text)
        setattr_(self, "source", source)
        setattr_(self, "metadata", {} if metadata is None else metadata)
        setattr_(self, "_removed", None if cuts is not None else tuple(removed))
        setattr_(self, "_cuts", cuts)

    @property
    def removed(self) -> tuple[Removal, ...]:
        """Every removal, sorted by (start, end, rule); ``source[r.start:r.end] == r.text``."""
        if self._removed is None:
            source = self.source
            object.__setattr__(self, "_removed", tuple(
                Removal(start, end, category, rule, source[start:end]) for start, end, rule, category in self._cuts  # type: ignore[union-attr]
            ))
            object.__setattr__(self, "_cuts", None)
        return self._removed  # type: ignore[return-value]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.text, self.source, self.removed, self.metadata) == (
            other.text, other.source, other.removed, other.metadata)  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # as a frozen dataclass holding a dict

    def __repr__(self) -> str:
        return f"Result(text={self.text!r}, source={self.source!r}, removed={self.removed!r}, metadata={self.metadata!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Result, (self.text, self.source, self.removed, self.metadata))

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (the --json output)."""
        return {
            "text": self.text,
            "metadata": dict(self.metadata),
            "removed": [r.to_dict() for r in self.removed],
        }
