"""Result: removals made on first read, immutable, equal and picklable like the dataclass it was."""
from __future__ import annotations

import pickle

import pytest

from cleaner import Cleaner
from cleaner.model import Removal, Result


def test_removals_are_made_from_cuts_on_first_read() -> None:
    r = Result("b\n", "a b c", metadata={"k": "v"}, cuts=[(0, 1, "x.a", "ads"), (4, 5, "x.c", "legal")])
    assert r.removed == (Removal(0, 1, "ads", "x.a", "a"), Removal(4, 5, "legal", "x.c", "c"))
    assert r.removed is r.removed
    assert r == Result("b\n", "a b c", r.removed, {"k": "v"})
    assert r != Result("b\n", "a b c", (), {"k": "v"})
    assert "removed=(Removal(start=0" in repr(r)


def test_result_is_immutable_and_pickles_whole() -> None:
    result = Cleaner().run("Advertisement\nThe vote was close on Tuesday night.\n")
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del result.source
    with pytest.raises(TypeError):
        hash(result)
    copy = pickle.loads(pickle.dumps(result))
    assert copy == result and copy.removed == result.removed
    assert [(x.category, x.text) for x in copy.removed] == [("ads", "Advertisement")]
    assert Result("t", "s").removed == () and Result("t", "s").metadata == {}
