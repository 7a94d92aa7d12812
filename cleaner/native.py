"""The optional C extensions, if they were built at install time.

``module`` is ``_cleaner_native`` (text mode's per-line and per-character
passes), or None if it was not built; ``tree()`` gives ``_cleaner_tree`` (HTML
mode's block walk over lxml's tree, imported on first use: it imports
lxml.etree, which text mode never needs), or None. Every native function has
a pure-Python twin that gives the same result; the package works without
them. ``CLEANER_NATIVE=0`` in the environment makes it use the twins (for
comparisons and benchmarks).
"""
from __future__ import annotations

import functools
import os
from types import ModuleType

ENABLED = os.environ.get("CLEANER_NATIVE", "1") != "0"

module: ModuleType | None = None
if ENABLED:
    try:
        import _cleaner_native as module
    except ImportError:
        pass


@functools.lru_cache(maxsize=1)
def tree() -> ModuleType | None:
    """The ``_cleaner_tree`` extension, or None if it was not built or CLEANER_NATIVE=0."""
    if not ENABLED:
        return None
    try:
        import _cleaner_tree
    except Exception:  # not built, or built against an lxml whose C API this one does not offer
        return None
    return _cleaner_tree


def available() -> bool:
    """Whether the C extension for text mode is built and in use."""
    return module is not None
