"""The optional C extension ``_cleaner_native``, if it was built at install time.

Every native function has a pure-Python twin that gives the same result; the
package works without the extension. ``CLEANER_NATIVE=0`` in the environment
makes it use the twins (for comparisons and benchmarks).
"""
from __future__ import annotations

import os
from types import ModuleType

module: ModuleType | None
if os.environ.get("CLEANER_NATIVE", "1") == "0":
    module = None
else:
    try:
        import _cleaner_native as module
    except ImportError:
        module = None


def available() -> bool:
    """Whether the C extension is built and in use."""
    return module is not None
