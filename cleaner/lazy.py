"""numpy, imported on first use.

With the C extension, text mode never touches numpy (the C pass and the C
scorer read and return bytes), and importing it is about a fifth of
`import cleaner`: serial start-up time for every `clean` run and before
`-j` workers fork. The Python code paths (no extension, HTML mode, training)
import it the first time they use it.
"""
from __future__ import annotations

import importlib
import types
from typing import Any


class LazyModule(types.ModuleType):
    """A stand-in for a module that imports it at the first attribute read, then holds its names."""

    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, attr: str) -> Any:  # only called for names not yet copied in
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, attr)


numpy: Any = LazyModule("numpy")
