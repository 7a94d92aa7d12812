"""jusText's stoplists, loaded once per process for the text classifier and the HTML block model.

The sets are exactly ``justext.get_stoplist(name)`` (tests/test_stoplists.py compares them), read
with fewer Python steps per word: loading all 100 lists is most of a cold start.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import pkgutil


@functools.lru_cache(maxsize=1)
def stoplists() -> tuple[dict[str, tuple[int, ...]], list[frozenset[str]]]:
    """All stoplists, in name order: word -> ids of the languages listing it, and the sets by id."""
    import justext

    sets = [_load(name) for name in sorted(justext.get_stoplists())]
    index: dict[str, tuple[int, ...]] = {}
    for i, words in enumerate(sets):  # set operations in C; a Python step only for words in several lists
        shared = words & index.keys()
        index.update(dict.fromkeys(words - shared, (i,)))
        for word in shared:
            index[word] += (i,)
    return index, sets


def _load(name: str) -> frozenset[str]:
    """One stoplist as justext.get_stoplist(name) gives it: each line decoded, then lower-cased."""
    data = pkgutil.get_data("justext", f"stoplists/{name}.txt")
    if data is None:  # pragma: no cover - justext always ships its lists as package data
        raise ValueError(f"jusText has no stoplist {name!r}")
    return frozenset(map(str.lower, map(bytes.decode, data.splitlines())))


@functools.lru_cache(maxsize=1)
def stoplist_files() -> list[bytes]:
    """The stoplists' files as bytes, in name order (the ids of stoplists()), read without importing jusText.

    justext.get_stoplists() names the .txt files of its stoplists folder; importing
    jusText (and lxml with it) is most of the time this saves, so the folder is
    found from the package's location alone when it is a plain folder.
    """
    spec = importlib.util.find_spec("justext")
    places = list(spec.submodule_search_locations or ()) if spec else []
    folder = os.path.join(places[0], "stoplists") if places else ""
    if not os.path.isdir(folder):  # pragma: no cover - a zipped install: ask jusText
        import justext

        return [pkgutil.get_data("justext", f"stoplists/{n}.txt") or b"" for n in sorted(justext.get_stoplists())]
    names = sorted(name for name, ext in map(os.path.splitext, os.listdir(folder)) if ext == ".txt")
    out = []
    for name in names:
        with open(os.path.join(folder, name + ".txt"), "rb") as f:
            out.append(f.read())
    return out
