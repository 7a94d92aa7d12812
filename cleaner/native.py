"""The optional C extensions, if they were built at install time.

``module`` is ``_cleaner_native`` (text mode's per-line and per-character
passes), ``tree`` is ``_cleaner_tree`` (HTML mode's block walk over lxml's
tree); either is None if it was not built. Every native function has a
pure-Python twin that gives the same result; the package works without them.
``CLEANER_NATIVE=0`` in the environment makes it use the twins (for
comparisons and benchmarks).
"""
from __future__ import annotations

import os
from types import ModuleType

module: ModuleType | None = None
tree: ModuleType | None = None
if os.environ.get("CLEANER_NATIVE", "1") != "0":
    try:
        import _cleaner_native as module
    except ImportError:
        pass
    try:
        import _cleaner_tree as tree
    except ImportError:
        pass


def available() -> bool:
    """Whether the C extension for text mode is built and in use."""
    return module is not None
