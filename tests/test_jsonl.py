"""JSON Lines records: parsed as json.loads parses them, written back with only the cleaned field changed."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.cli import main
from cleaner.errors import InputError
from cleaner.jsonl import JsonlRecord, JsonNumber, parse_jsonl_line
from conftest import write

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=8)
objects = st.dictionaries(st.text(max_size=6), values, max_size=5)


@st.composite
def json_lines(draw) -> str:
    """A JSON object written with random spacing and escaping, sometimes broken by a random edit."""
    obj = draw(objects)
    sep = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,\t", " : ")]))
    line = json.dumps(obj, separators=sep, ensure_ascii=draw(st.booleans()))
    line = draw(st.sampled_from(["", " ", "\t"])) + line + draw(st.sampled_from(["", " ", "\r"]))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(line)))
        cut = draw(st.integers(0, 3))
        line = line[:at] + draw(st.sampled_from(["", ",", "}", '"', "{", ":", "1", "]", " x"])) + line[at + cut:]
    return line


def _plain(value):
    """A parsed value with JsonNumbers read as json.loads reads numbers."""
    if isinstance(value, JsonNumber):
        return json.loads(value.text)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@settings(max_examples=1500, deadline=None, derandomize=True, database=None)
@given(json_lines(), st.text(max_size=10), st.sampled_from(["text", "new", ""]))
def test_records_parse_as_json_loads_and_only_the_field_changes(line: str, text: str, key: str) -> None:
    try:
        expected = json.loads(line)
    except json.JSONDecodeError as exc:
        got = parse_jsonl_line(2, line.encode("utf-8", "surrogatepass"), "x.jsonl")
        if line.strip(" \t\r\n"):  # a blank line is no record and no error
            assert isinstance(got, InputError)
            assert got.message == f"invalid JSON: {exc.msg} (column {exc.colno})"
        return
    try:
        raw = line.encode("utf-8")
    except UnicodeEncodeError:
        return  # a lone surrogate written raw: no file holds it
    got = parse_jsonl_line(2, raw, "x.jsonl")
    if not isinstance(expected, dict):
        assert isinstance(got, InputError) and got.message == "a JSON Lines record must be an object"
        return
    assert isinstance(got, JsonlRecord)
    assert _plain(got.fields) == expected
    if not expected:
        return
    written = got.with_field(key, text)
    assert json.loads(written) == {**expected, key: text}
    if key in got.spans:  # everything outside the value is as it was
        a, b = got.spans[key]
        assert written.startswith(line[got.start:a]) and written.endswith(line[b:got.end])


LINE = '{"text":"Advertisement\\nThe council met.","a":1e2,"c":3.141592653589793238462643,"d":12345678901234567890.5,' \
       '"e":-0,"f":1e400,"i":1.10,"n":NaN,"big":' + "9" * 5000 + ',"k":1,"k":2, "s" : "\\u00e9\\/"}'


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_other_fields_come_out_byte_for_byte(runner, tmp_path, jobs) -> None:
    f = write(tmp_path / "a.jsonl", LINE + "\r\n" + json.dumps({"text": "Rain."}) + "\n")
    result = runner.invoke(main, ["--jsonl", "-j", jobs, str(f)])
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first == LINE.replace('"Advertisement\\nThe council met."', '"The council met.\\n"')
    assert second == '{"text": "Rain.\\n"}'
    new = runner.invoke(main, ["--jsonl", "--output-field", "clean", str(f)]).stdout.splitlines()[0]
    assert new == LINE[:-1] + ', "clean": "The council met.\\n"}'


def test_records_that_python_cannot_read_are_reported_and_the_rest_kept(runner, tmp_path) -> None:
    deep = '{"text": "x", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    f = write(tmp_path / "a.jsonl", "\n".join([json.dumps({"text": "One."}), deep, json.dumps({"text": "Three."})]))
    result = runner.invoke(main, ["--jsonl", str(f)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"clean: error: {f}:2: invalid JSON: nested too deeply"
    assert [json.loads(x)["text"] for x in result.stdout.splitlines()] == ["One.\n", "Three.\n"]
