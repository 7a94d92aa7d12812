"""Collection settings for the doctests in cleaner/: skip optional modules whose extra is absent."""
from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("dask") else ["cleaner/dask.py"]
