"""The public entry points: one Pipeline per settings, and clean()/process() over it."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from .model import Result
from .pipeline import Cleaner, CleanerConfig
from .errors import InputError
from .io import decode, gunzip, looks_like_html
from .text import repair

FORMATS = ("auto", "text", "html")
CLEANERS = ("auto", "rules", "trafilatura")


@dataclass(frozen=True)
class Settings:
    """Everything that decides how a document is cleaned; picklable for worker processes."""

    config: CleanerConfig = CleanerConfig()
    format: str = "auto"  # auto: sniff HTML from the name or the first bytes
    cleaner: str = "auto"  # auto: HTML through trafilatura then rules, text through rules

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {self.format!r}")
        if self.cleaner not in CLEANERS:
            raise ValueError(f"cleaner must be one of {CLEANERS}, not {self.cleaner!r}")


class Pipeline:
    """Cleans documents of either format with the cleaner the settings choose."""

    def __init__(self, settings: Settings = Settings()) -> None:
        self.settings = settings
        self.cleaner = Cleaner(settings.config)

    def is_html(self, text: str, name: str = "") -> bool:
        """Whether text is treated as HTML under these settings."""
        if self.settings.format != "auto":
            return self.settings.format == "html"
        return looks_like_html(text, name)

    def run(self, text: str | bytes, name: str = "") -> Result:
        """Clean one document; name (a file name) only helps to detect its format.

        Bytes are decoded by the policy of cleaner.io.decode (byte-order mark,
        UTF-8, charset-normalizer's guess), except that nothing is refused:
        data that looks binary is read as UTF-8 with invalid bytes replaced.
        """
        if isinstance(text, (bytes, bytearray)):
            text = decode_leniently(bytes(text))
        kind = self.settings.cleaner
        if self.is_html(text, name):
            from . import html  # trafilatura: imported when the first page needs it, not for text

            if kind == "rules":  # no extraction: the page's whole visible text, then rules
                return self.cleaner.run(html.visible_text(text))
            return html.run_html(self.cleaner, text)
        if kind == "trafilatura":
            from . import html

            return html.run_text(self.cleaner, text)
        return self.cleaner.run(text)


def decode_leniently(data: bytes) -> str:
    """Bytes to text, never raising: gzip is opened, binary data read as UTF-8 with replacements."""
    try:
        return decode(gunzip(data, "<bytes>"), "<bytes>")[0]
    except InputError:
        return data.decode("utf-8", errors="replace")


@functools.lru_cache(maxsize=8)
def _pipeline(settings: Settings) -> Pipeline:
    return Pipeline(settings)


def settings(
    *,
    format: str = "auto",
    cleaner: str = "auto",
    rules: Iterable[str] = (),
    keep: Iterable[str] = (),
    fix_unicode: bool = True,
) -> Settings:
    """Build Settings from plain keyword arguments."""
    config = CleanerConfig(
        rule_files=tuple(str(r) for r in rules), keep=frozenset(keep), fix_unicode=fix_unicode
    )
    return Settings(config=config, format=format, cleaner=cleaner)


def process(text: str | bytes, **options: object) -> Result:
    """Clean text and return the full Result (text, removals, metadata).

    Options: format ("auto", "text", "html"), cleaner ("auto", "rules",
    "trafilatura"), rules (paths of extra packs), keep (categories to leave
    in), fix_unicode (bool).

    >>> r = process("Advertisement\\nThe vote was close.")
    >>> r.text, [(x.category, x.text) for x in r.removed]
    ('The vote was close.\\n', [('ads', 'Advertisement')])
    """
    return _pipeline(settings(**options)).run(text)  # type: ignore[arg-type]


def clean(text: str | bytes, **options: object) -> str:
    """Clean text and return only the clean text; options as for process().

    >>> clean("Share this article\\nThe vote was close.")
    'The vote was close.\\n'
    """
    return process(text, **options).text


__all__ = ["Pipeline", "Settings", "clean", "process", "repair", "settings"]
