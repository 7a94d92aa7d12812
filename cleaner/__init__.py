"""cleaner: strip boilerplate from scraped web and news text, explaining every cut."""
from __future__ import annotations

from .api import Pipeline as Pipeline
from .api import Settings as Settings
from .api import clean as clean
from .api import process as process
from .api import settings as settings
from .errors import CleanerError as CleanerError
from .errors import InputError as InputError
from .errors import RulePackError as RulePackError
from .model import Removal as Removal
from .native import available as native_available
from .model import Result as Result
from .pipeline import Cleaner as Cleaner
from .pipeline import CleanerConfig as CleanerConfig

__version__ = "0.1.0"
__all__ = [
    "Cleaner", "CleanerConfig", "CleanerError", "InputError", "Pipeline", "Removal",
    "Result", "RulePackError", "Settings", "clean", "native_available", "process", "settings", "__version__",
]
