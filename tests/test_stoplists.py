from __future__ import annotations

import pkgutil

import justext
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import native
from cleaner.stoplists import stoplist_files, stoplists

needs_native = pytest.mark.skipif(not native.available(), reason="the C extension is not built")


def test_stoplists_are_justexts() -> None:
    index, sets = stoplists()
    names = sorted(justext.get_stoplists())
    assert len(sets) == len(names) > 50
    for name, words in zip(names, sets):
        assert words == justext.get_stoplist(name), name
    for i, words in enumerate(sets):
        assert all(i in index[w] for w in words)
    assert sum(map(len, index.values())) == sum(map(len, sets))


def test_stoplist_files_are_justexts_files() -> None:
    names = sorted(justext.get_stoplists())
    files = stoplist_files()
    assert len(files) == len(names)
    for name, data in zip(names, files):
        assert data == pkgutil.get_data("justext", f"stoplists/{name}.txt"), name


def python_index(files: list[bytes]) -> dict[str, tuple[int, ...]]:
    """What stoplists() builds from these files: each line decoded and lower-cased, once per list."""
    index: dict[str, tuple[int, ...]] = {}
    for i, data in enumerate(files):
        for word in sorted(frozenset(map(str.lower, map(bytes.decode, data.splitlines())))):
            index[word] = index.get(word, ()) + (i,)
    return index


def same_table(files: list[bytes]) -> None:
    index = python_index(files)
    built = native.module.Lexicon(files, (), ())
    assert built.stopwords() == len(index)
    for word, ids in index.items():
        assert built.lookup(word) == ids, word


@needs_native
def test_the_c_table_from_the_files_is_the_index() -> None:
    index = stoplists()[0]
    built = native.module.Lexicon(stoplist_files(), (), ())
    assert built.stopwords() == len(index)
    assert all(built.lookup(word) == tuple(ids) for word, ids in index.items())
    assert built.lookup("no-such-stopword") is None


@needs_native
def test_the_c_table_splits_and_lowers_lines_as_python_does() -> None:
    same_table([b"A\r\nb\rC\n\nd\n", b"a\nSS\n\xc4\xb0X\nOD\xce\xa3\nb", b"", b"\n\n", "ΣΑΣ ΣΑΣ\n".encode()])


@needs_native
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(st.sampled_from("aAbΣσİi\u0307ß \r\t\x85\u2028é"), max_size=6), max_size=6)
                .map(lambda words: "\n".join(words).encode()), max_size=4))
def test_the_c_table_equals_the_python_index_on_any_lists(files) -> None:
    same_table(files)


@needs_native
def test_a_stoplist_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(UnicodeDecodeError):
        native.module.Lexicon([b"ok\n\xff\n"], (), ())
