"""The data the cleaner returns: removals and results, nothing else."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class Result:
    """A cleaned document: the clean text, what was removed and what was learnt."""

    text: str
    source: str  # the text the removals index: the input after Unicode repair (or extraction)
    removed: tuple[Removal, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (the --json output)."""
        return {
            "text": self.text,
            "metadata": dict(self.metadata),
            "removed": [r.to_dict() for r in self.removed],
        }
