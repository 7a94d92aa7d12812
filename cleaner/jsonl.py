"""Cleaning JSON Lines records: one field cleaned, every other field written back as it came.

The `clean --jsonl` command and `cleaner.dask.clean_files` both go through here,
so both write the same bytes for the same input and report bad records alike.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import InputError
from .io import block_lines, parse_jsonl_line

if TYPE_CHECKING:
    from .api import Pipeline


def clean_records(
    pipeline: Pipeline, path: str, lines: Iterable[tuple[int, bytes]], text_field: str, output_field: str
) -> list[tuple[int, bytes | InputError]]:
    """(line number, cleaned record as a UTF-8 line) for each numbered raw line, or an
    InputError saying why that line is not a record that can be cleaned. Blank lines give nothing.

    The record is parsed by the json module and written back by it, so strings keep
    their text exactly (numbers, nulls, key order and nesting are as json reads them).
    """
    out: list[tuple[int, bytes | InputError]] = []
    for number, raw in lines:
        record = parse_jsonl_line(number, raw, path)
        if record is None:
            continue
        if isinstance(record, InputError):
            out.append((number, record))
        elif text_field not in record:
            out.append((number, InputError(f"record has no {text_field!r} field", path, number)))
        elif not isinstance(record[text_field], str):
            kind = type(record[text_field]).__name__
            out.append((number, InputError(f"field {text_field!r} is {kind}, not a string", path, number)))
        else:
            try:
                result = pipeline.run(record[text_field])
                line = json.dumps({**record, output_field: result.text}, ensure_ascii=False)
                out.append((number, (line + "\n").encode("utf-8")))
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
