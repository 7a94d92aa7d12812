"""Each rule's own examples, stored in the pack as data: 'remove' is cut whole, 'keep' survives."""
from __future__ import annotations

import pytest

from cleaner import Cleaner
from cleaner.text import merge_spans, normalise_whitespace

CLEANER = Cleaner()
RULES = CLEANER.pack.rules
REMOVE = [(r, ex) for r in RULES for ex in r.examples.get("remove", [])]
KEEP = [(r, ex) for r in RULES for ex in r.examples.get("keep", [])]


def test_every_rule_has_examples_both_ways() -> None:
    for rule in RULES:
        assert rule.examples.get("remove"), f"{rule.name} has no examples.remove"
        assert rule.examples.get("keep"), f"{rule.name} has no examples.keep"


@pytest.mark.parametrize("rule,example", REMOVE, ids=lambda x: getattr(x, "name", None) or x[:40])
def test_rule_removes_its_example_wholly(rule, example) -> None:
    data = example.encode("utf-8")
    spans = merge_spans((s, e) for s, e, _ in rule.find(data))
    left = bytearray(data)
    for s, e in spans:
        left[s:e] = b" " * (e - s)
    assert bytes(left).strip() == b"", f"{rule.name} left {bytes(left).strip().decode()!r}"


@pytest.mark.parametrize("rule,example", KEEP, ids=lambda x: getattr(x, "name", None) or x[:40])
def test_default_pack_keeps_the_negative_example(rule, example) -> None:
    result = CLEANER.run(example)
    assert result.removed == (), [(r.rule, r.text) for r in result.removed]
    assert result.text == normalise_whitespace(example)
