"""Cleaning JSON Lines records: one field cleaned, every other byte of the record kept as it came.

The `clean --jsonl` command and `cleaner.dask.clean_files` both go through here,
so both write the same bytes for the same input and report bad records alike.
A record is not re-serialised: the cleaned text is written in place of the text
field's value (or added as the output field), so numbers such as 1e400, -0,
1.10 or a 30-digit integer, escapes, key order, duplicate keys and spacing stay
exactly as they were.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from json.decoder import JSONDecodeError, scanstring
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import InputError
from .io import block_lines

if TYPE_CHECKING:
    from .api import Pipeline

JSON_WHITESPACE = " \t\r\n"  # what JSON itself allows around a value
_BLANKS = re.compile(r"[ \t\r\n]*")


class JsonNumber:
    """A JSON number (or NaN/Infinity) as written: never converted, so never changed or refused."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_DECODER = json.JSONDecoder(parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=JsonNumber)
_KINDS = {type(None): "null", bool: "a boolean", JsonNumber: "a number", list: "an array", dict: "an object"}


@dataclass
class JsonlRecord:
    """One JSON Lines record: its line, its top-level fields, and where each field's value lies in the line."""

    line: str
    fields: dict[str, Any]  # the last value of each key, as json.loads keeps it
    spans: dict[str, tuple[int, int]]  # (start, end) of that value in line
    start: int  # the record's opening brace
    end: int  # just after its closing brace

    def with_field(self, key: str, value: str) -> str:
        """The record with key's value replaced by (or, if it has no such key, key added with) value,
        a string: every other character as it was."""
        encoded = json.dumps(value, ensure_ascii=False)
        try:
            encoded.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (from a \\udXXX escape): written as an escape again
            encoded = json.dumps(value)
        line = self.line
        if key in self.spans:
            a, b = self.spans[key]
            return line[self.start : a] + encoded + line[b : self.end]
        close = self.end - 1
        return f"{line[self.start : close]}, {json.dumps(key, ensure_ascii=False)}: {encoded}{line[close : self.end]}"


def parse_jsonl_line(number: int, raw: bytes, path: str) -> JsonlRecord | InputError | None:
    """One JSON Lines record, an InputError saying why it is not one, or None for a blank line.

    Files are split into lines on "\\n" only: JSON strings may hold U+2028 and friends.
    """
    try:
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return InputError(f"invalid UTF-8 at byte {exc.start}", path, number)
    if not line.strip(JSON_WHITESPACE):  # JSON's blanks only: a line of U+3000 is reported
        return None
    try:
        return _record(line)
    except JSONDecodeError as exc:
        return InputError(f"invalid JSON: {exc.msg} (column {exc.colno})", path, number)
    except _NotAnObject:
        return InputError("a JSON Lines record must be an object", path, number)
    except RecursionError:
        return InputError("invalid JSON: nested too deeply", path, number)


class _NotAnObject(Exception):
    pass


def _invalid(line: str, message: str, at: int) -> NoReturn:
    """Raise the JSONDecodeError json.loads raises for line (its wording varies with Python's version)."""
    _DECODER.decode(line)
    raise JSONDecodeError(message, line, at)  # not reached: json and this parser agree on what is JSON


def _record(line: str) -> JsonlRecord:
    """Parse a line holding one JSON object, as json.loads does (the same errors), noting where each value lies."""
    scan = _DECODER.scan_once
    start = i = _BLANKS.match(line).end()
    if line[i : i + 1] != "{":
        _DECODER.decode(line)  # raises the JSONDecodeError json.loads would, if the line is not JSON
        raise _NotAnObject
    fields: dict[str, Any] = {}
    spans: dict[str, tuple[int, int]] = {}
    i = _BLANKS.match(line, i + 1).end()
    if line[i : i + 1] == "}":
        i += 1
    else:
        while True:
            if line[i : i + 1] != '"':
                _invalid(line, "Expecting property name enclosed in double quotes", i)
            key, i = scanstring(line, i + 1)
            i = _BLANKS.match(line, i).end()
            if line[i : i + 1] != ":":
                _invalid(line, "Expecting ':' delimiter", i)
            i = _BLANKS.match(line, i + 1).end()
            try:
                fields[key], end = scan(line, i)
            except StopIteration as exc:
                _invalid(line, "Expecting value", exc.value)
            spans[key] = (i, end)
            i = _BLANKS.match(line, end).end()
            if line[i : i + 1] == "}":
                i += 1
                break
            if line[i : i + 1] != ",":
                _invalid(line, "Expecting ',' delimiter", i)
            i = _BLANKS.match(line, i + 1).end()
            if line[i : i + 1] == "}":
                _invalid(line, "Illegal trailing comma before end of object", i)
    if (after := _BLANKS.match(line, i).end()) != len(line):
        _invalid(line, "Extra data", after)
    return JsonlRecord(line, fields, spans, start, i)


def clean_records(
    pipeline: Pipeline, path: str, lines: Iterable[tuple[int, bytes]], text_field: str, output_field: str
) -> list[tuple[int, bytes | InputError]]:
    """(line number, cleaned record as a UTF-8 line) for each numbered raw line, or an
    InputError saying why that line is not a record that can be cleaned. Blank lines give nothing.
    """
    out: list[tuple[int, bytes | InputError]] = []
    for number, raw in lines:
        record = parse_jsonl_line(number, raw, path)
        if record is None:
            continue
        if isinstance(record, InputError):
            out.append((number, record))
        elif text_field not in record.fields:
            out.append((number, InputError(f"record has no {text_field!r} field", path, number)))
        elif not isinstance(text := record.fields[text_field], str):
            kind = _KINDS.get(type(text), type(text).__name__)
            out.append((number, InputError(f"field {text_field!r} is {kind}, not a string", path, number)))
        else:
            try:
                result = pipeline.run(text)
                out.append((number, (record.with_field(output_field, result.text) + "\n").encode("utf-8")))
            except RecursionError:
                out.append((number, InputError("text too deeply nested to parse", path, number)))
            except Exception as exc:  # a bug must not cost the other records: report it, go on
                out.append((number, InputError(f"cannot clean: {type(exc).__name__}: {exc}", path, number)))
    return out


def clean_block(
    pipeline: Pipeline, path: str, first: int, block: bytes, text_field: str, output_field: str
) -> list[tuple[bytes | InputError, int]]:
    """Clean a block of raw JSONL lines, the first numbered ``first``.

    Returns, in order, runs of cleaned records as one bytes each with how many records
    it holds, and each bad record's InputError (count 0) where it stood.
    """
    runs: list[tuple[bytes | InputError, int]] = []
    good: list[bytes] = []
    for _, item in clean_records(pipeline, path, enumerate(block_lines(block), first), text_field, output_field):
        if isinstance(item, InputError):
            if good:
                runs.append((b"".join(good), len(good)))
                good = []
            runs.append((item, 0))
        else:
            good.append(item)
    if good:
        runs.append((b"".join(good), len(good)))
    return runs
