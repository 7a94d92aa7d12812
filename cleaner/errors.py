"""Exceptions of the cleaner; each carries the exit code the CLI uses for it.

CleanerError (exit 2)
 +-- InputError      a file or record that cannot be read or cleaned (path, line)
 +-- RulePackError   a rule pack that cannot be loaded (path, rule)
"""
from __future__ import annotations


class CleanerError(Exception):
    """Base class of everything the cleaner raises on purpose."""

    exit_code = 2


class InputError(CleanerError):
    """An input that cannot be read or cleaned, located by path and line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


class RulePackError(CleanerError):
    """A rule pack that cannot be loaded: names the file, the rule and the fault."""

    def __init__(self, message: str, path: str, rule: str | None = None) -> None:
        self.message = message
        self.path = path
        self.rule = rule
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.rule is None else f"{self.path}: rule {self.rule!r}"
        return f"{where}: {self.message}"
