from __future__ import annotations

import justext

from cleaner.stoplists import stoplists


def test_stoplists_are_justexts() -> None:
    index, sets = stoplists()
    names = sorted(justext.get_stoplists())
    assert len(sets) == len(names) > 50
    for name, words in zip(names, sets):
        assert words == justext.get_stoplist(name), name
    for i, words in enumerate(sets):
        assert all(i in index[w] for w in words)
    assert sum(map(len, index.values())) == sum(map(len, sets))
