"""Clean corpora on a Dask cluster: bags of texts, dataframe columns, Parquet or JSONL folders.

Needs the optional extra: ``pip install 'cleaner[dask]'``. Every worker
process builds the cleaning pipeline once (the first time it meets these
settings) and reuses it for every record of every partition it is given.

    from distributed import Client
    from cleaner.dask import clean_files
    client = Client("tcp://scheduler:8786")   # your cluster's scheduler
    clean_files("s3://corpus/raw/", "s3://corpus/clean/", format="parquet")
"""
from __future__ import annotations

import contextlib
import errno
import fnmatch
import functools
import glob
import os
import posixpath
import uuid
from dataclasses import dataclass, field
from typing import Any

import dask
import dask.bag as db
import dask.dataframe as dd
import fsspec
import pandas as pd

from .api import Pipeline, Settings, settings as make_settings
from .errors import InputError
from .io import JSONL_GLOBS, gzip_writer, output_name, stream_blocks
from .jsonl import clean_block

BLOCK_BYTES = 1 << 20  # a JSONL file is read, cleaned and written this much at a time


@functools.lru_cache(maxsize=4)
def _worker_pipeline(settings: Settings) -> Pipeline:
    """The pipeline of this worker process for these settings, built on first use."""
    return Pipeline(settings)


def _clean_texts(texts: Any, settings: Settings) -> list[str]:
    pipeline = _worker_pipeline(settings)
    return [pipeline.run(t).text if isinstance(t, str) else t for t in texts]


def _clean_frame(frame: Any, column: str, output_column: str, settings: Settings) -> Any:
    frame = frame.copy()
    cleaned = _clean_texts(frame[column].tolist(), settings)
    frame[output_column] = pd.Series(cleaned, index=frame.index, dtype=_output_dtype(frame[column].dtype))
    return frame


def _output_dtype(dtype: Any) -> Any:
    """The cleaned column's dtype: the text column's if it holds strings (missing values
    stay as they were), else object (a category's categories are not the cleaned texts)."""
    return dtype if pd.api.types.is_string_dtype(dtype) else object


def clean_bag(bag: db.Bag, **options: Any) -> db.Bag:
    """A bag of clean texts from a bag of texts (non-strings pass through unchanged).

    Options as for cleaner.process (format, cleaner, rules, keep, fix_unicode).
    """
    settings = make_settings(**options)
    return bag.map_partitions(_clean_texts, settings)


def clean_dataframe(
    frame: dd.DataFrame, column: str = "text", output_column: str | None = None, **options: Any
) -> dd.DataFrame:
    """The dataframe with ``column`` cleaned (into ``output_column`` if given), other columns kept."""
    return _cleaned_frame(frame, column, output_column, make_settings(**options))


def _cleaned_frame(frame: dd.DataFrame, column: str, output_column: str | None, settings: Settings) -> dd.DataFrame:
    if column not in frame.columns:
        raise KeyError(f"no column {column!r}; columns: {', '.join(map(str, frame.columns))}")
    output_column = output_column or column
    meta = frame._meta.copy()
    meta[output_column] = meta[column].astype(_output_dtype(meta[column].dtype))
    return frame.map_partitions(_clean_frame, column, output_column, settings, meta=meta)


@dataclass
class FilesReport:
    """What clean_files did: output files written, records cleaned, and what went wrong."""

    files: int
    records: int
    errors: list[str] = field(default_factory=list)  # each bad record or file: "path:line: why"
    skipped: int = 0  # JSONL inputs whose output was there already (skip_existing)


def clean_files(
    source: str, target: str, format: str = "parquet", column: str = "text",
    output_column: str | None = None, compress: bool = False, on_error: str = "skip",
    skip_existing: bool = False, **options: Any,
) -> FilesReport:
    """Read Parquet or JSON Lines from ``source``, clean ``column``, write the same format to ``target``.

    Parquet: a dataset (folder or glob) in, a dataset out; every other column kept.

    JSON Lines: ``source`` is a file, a glob, or a folder searched for ``*.jsonl`` and
    ``*.jsonl.gz`` (gzip is recognised by content). Each input file becomes one output
    file, named and written as ``clean --jsonl SOURCE -o TARGET`` writes it (the same
    bytes: strings kept exactly, records in order, gzip with ``compress=True``),
    never half-written. One task per file: split a very large file to spread it.
    A bad record (invalid JSON, no text field, text not a string) is left out and
    listed in the report's errors, as is an input that cannot be read (which then has
    no output); with ``on_error="fail"`` the first one raises InputError instead.
    ``skip_existing=True`` leaves out inputs whose output is there already, so a job
    that stopped part way can be run again to finish it (outputs are whole or absent).
    """
    if on_error not in ("skip", "fail"):
        raise ValueError(f"on_error must be 'skip' or 'fail', not {on_error!r}")
    settings = make_settings(**options)
    if format == "jsonl":
        return _clean_jsonl_files(
            source, target, column, output_column or column, compress, on_error, skip_existing, settings)
    if format != "parquet":
        raise ValueError(f"format must be 'parquet' or 'jsonl', not {format!r}")
    if compress or skip_existing:
        raise ValueError("compress and skip_existing are for JSON Lines")
    if _overlap(source, target):
        raise ValueError(f"{target} and {source} overlap: the outputs would replace or join the inputs")
    frame = dd.read_parquet(source)
    cleaned = _cleaned_frame(frame, column, output_column, settings)
    _, rows = dask.compute(cleaned.to_parquet(target, write_index=False, compute=False),
                           cleaned.map_partitions(len).sum())  # one pass: the cleaning tasks are shared
    return FilesReport(files=cleaned.npartitions, records=int(rows))


def _clean_jsonl_files(
    source: str, target: str, text_field: str, output_field: str, compress: bool, on_error: str,
    skip_existing: bool, settings: Settings,
) -> FilesReport:
    src_fs, inputs = _jsonl_inputs(source)
    dst_fs, dst_root = fsspec.core.url_to_fs(target)
    existing = set(dst_fs.find(dst_root)) if skip_existing else set()  # one listing, not a request a file
    report = FilesReport(files=0, records=0)
    owner: dict[str, str] = {}
    named = {_identity(src_fs, path): _shown(src_fs, path) for path, _ in inputs}  # what each input is
    tasks = []
    for path, relpath in inputs:
        dst = posixpath.join(dst_root, output_name(relpath, ".jsonl.gz" if compress else ".jsonl"))
        name, dst_name = _shown(src_fs, path), _shown(dst_fs, dst)
        other = named.get(_identity(dst_fs, dst))
        if other == name:
            report.errors.append(f"{name}: output would overwrite the input")
            continue
        if other is not None:
            report.errors.append(f"{name}: its output {dst_name} is the input {other}; not cleaned")
            continue
        if dst in owner:
            report.errors.append(f"{name}: its output {dst_name} is also {owner[dst]}'s; not cleaned")
            continue
        owner[dst] = name
        if dst in existing:
            report.skipped += 1
            continue
        tasks.append(dask.delayed(_clean_jsonl_file, pure=False)(
            src_fs, path, name, dst_fs, dst, settings, text_field, output_field, on_error == "fail"))
    for records, errors in dask.compute(*tasks):
        report.files += records is not None
        report.records += records or 0
        report.errors.extend(errors)
    return report


def _jsonl_inputs(source: str) -> tuple[Any, list[tuple[str, str]]]:
    """The filesystem of source and (path, path relative to source) of each JSONL file it names."""
    fs, root = fsspec.core.url_to_fs(source)
    if fs.isdir(root):
        found = [p for p in fs.find(root) if any(fnmatch.fnmatchcase(posixpath.basename(p), g) for g in JSONL_GLOBS)]
        return fs, sorted((p, posixpath.relpath(p, root)) for p in found)
    fs, _, paths = fsspec.core.get_fs_token_paths(source)  # a file, or a glob's matches
    if not paths or not all(fs.isfile(p) for p in paths):
        raise InputError("no such file or directory", path=source)
    return fs, sorted((p, posixpath.basename(p)) for p in paths)


def _identity(fs: Any, path: str) -> str:
    """What a path names: local paths with symlinks resolved, others with their protocol."""
    return os.path.realpath(path) if "file" in _protocols(fs) else fs.unstrip_protocol(path)


def _overlap(source: str, target: str) -> bool:
    """Whether one of two datasets (a folder or a glob each) lies in the other, or they are one."""
    (src_fs, src), (dst_fs, dst) = fsspec.core.url_to_fs(source), fsspec.core.url_to_fs(target)
    if glob.has_magic(src):
        src = posixpath.dirname(src.split("*")[0].split("?")[0].split("[")[0])
    a, b = _identity(src_fs, src), _identity(dst_fs, dst)
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


def _shown(fs: Any, path: str) -> str:
    """A path as the user would write it: plain for local files, with its protocol otherwise."""
    return path if "file" in _protocols(fs) else fs.unstrip_protocol(path)


def _protocols(fs: Any) -> tuple[str, ...]:
    return (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)


def _clean_jsonl_file(
    src_fs: Any, src: str, name: str, dst_fs: Any, dst: str, settings: Settings,
    text_field: str, output_field: str, fail: bool,
) -> tuple[int | None, list[str]]:
    """Clean one JSONL file into dst via a temporary beside it: (records written, or None
    when the file could not be read or written; what was wrong)."""
    pipeline = _worker_pipeline(settings)
    folder = posixpath.dirname(dst)
    tmp = posixpath.join(folder, f".{posixpath.basename(dst)}.{uuid.uuid4().hex}.tmp")
    records, errors = 0, []
    try:
        if dst_fs.isdir(dst):  # a move would put the output inside it
            raise IsADirectoryError(errno.EISDIR, "Is a directory")
        dst_fs.makedirs(folder, exist_ok=True)
        with src_fs.open(src, "rb") as raw, dst_fs.open(tmp, "wb") as out_raw:
            out = gzip_writer(out_raw) if dst.endswith(".gz") else out_raw
            first = 1
            for block in stream_blocks(raw, name, BLOCK_BYTES):
                for item, count in clean_block(pipeline, name, first, block, text_field, output_field):
                    if isinstance(item, InputError):
                        if fail:
                            raise item
                        errors.append(str(item))
                    else:
                        out.write(item)
                        records += count
                first += block.count(b"\n")
            out.close()
        dst_fs.mv(tmp, dst)
        tmp = None
    except InputError as exc:
        if fail:
            raise
        return None, [*errors, str(exc)]
    except OSError as exc:
        if fail:
            raise
        return None, [*errors, f"{_shown(dst_fs, dst)}: cannot write: {exc.strerror or exc}"]
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                dst_fs.rm(tmp)
    return records, errors


__all__ = ["FilesReport", "clean_bag", "clean_dataframe", "clean_files"]
