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

import functools
from typing import Any

import dask.bag as db
import dask.dataframe as dd

from .api import Pipeline, Settings, settings as make_settings


@functools.lru_cache(maxsize=4)
def _worker_pipeline(settings: Settings) -> Pipeline:
    """The pipeline of this worker process for these settings, built on first use."""
    return Pipeline(settings)


def _clean_texts(texts: Any, settings: Settings) -> list[str]:
    pipeline = _worker_pipeline(settings)
    return [pipeline.run(t).text if isinstance(t, str) else t for t in texts]


def _clean_frame(frame: Any, column: str, output_column: str, settings: Settings) -> Any:
    frame = frame.copy()
    frame[output_column] = _clean_texts(frame[column].tolist(), settings)
    return frame


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
    if column not in frame.columns:
        raise KeyError(f"no column {column!r}; columns: {', '.join(map(str, frame.columns))}")
    settings = make_settings(**options)
    output_column = output_column or column
    meta = frame._meta.copy()
    meta[output_column] = meta[column].astype(object) if output_column not in meta else meta[output_column]
    return frame.map_partitions(_clean_frame, column, output_column, settings, meta=meta)


def clean_files(
    source: str, target: str, format: str = "parquet", column: str = "text",
    output_column: str | None = None, **options: Any,
) -> None:
    """Read Parquet or JSON Lines from ``source``, clean ``column``, write the same format to ``target``."""
    if format == "parquet":
        frame = dd.read_parquet(source)
        clean_dataframe(frame, column, output_column, **options).to_parquet(target, write_index=False)
    elif format == "jsonl":
        frame = dd.read_json(source, lines=True, blocksize=2**26)
        clean_dataframe(frame, column, output_column, **options).to_json(
            target, orient="records", lines=True, force_ascii=False
        )
    else:
        raise ValueError(f"format must be 'parquet' or 'jsonl', not {format!r}")


__all__ = ["clean_bag", "clean_dataframe", "clean_files"]
