"""The Dask integration on a LocalCluster with real worker processes."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402

from cleaner import clean  # noqa: E402
from cleaner.dask import _worker_pipeline, clean_bag, clean_dataframe, clean_files  # noqa: E402

TEXTS = [f"Advertisement\nStory {i} says the council met on Tuesday.\nShare this article" for i in range(40)]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def test_bag_is_cleaned_on_workers_with_one_pipeline_each(client) -> None:
    bag = db.from_sequence(TEXTS, npartitions=8)
    assert clean_bag(bag).compute() == [clean(t) for t in TEXTS]
    built = client.run(lambda: _worker_pipeline.cache_info().misses)
    assert len(built) == 2
    assert all(n <= 1 for n in built.values()), built  # once per worker, not per record or partition
    assert sum(built.values()) >= 1


def test_dataframe_column_keeps_other_columns(client) -> None:
    frame = dd.from_pandas(pd.DataFrame({"id": range(40), "text": TEXTS}), npartitions=4)
    out = clean_dataframe(frame, "text", output_column="clean").compute()
    assert list(out.columns) == ["id", "text", "clean"]
    assert out["clean"].tolist() == [clean(t) for t in TEXTS]
    assert out["text"].tolist() == TEXTS


def test_missing_column_is_a_clear_error() -> None:
    frame = dd.from_pandas(pd.DataFrame({"body": TEXTS}), npartitions=2)
    with pytest.raises(KeyError, match="no column 'text'"):
        clean_dataframe(frame)


def test_parquet_in_parquet_out(client, tmp_path) -> None:
    pytest.importorskip("pyarrow")
    src, dst = tmp_path / "raw", tmp_path / "clean"
    dd.from_pandas(pd.DataFrame({"id": range(40), "text": TEXTS}), npartitions=3).to_parquet(str(src))
    clean_files(str(src), str(dst), format="parquet")
    out = pd.read_parquet(dst).sort_values("id")
    assert out["text"].tolist() == [clean(t) for t in TEXTS]


def test_jsonl_in_jsonl_out(client, tmp_path) -> None:
    src, dst = tmp_path / "raw.jsonl", tmp_path / "clean"
    src.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(TEXTS)))
    clean_files(str(src), str(dst), format="jsonl")
    records = [json.loads(line) for f in sorted(dst.iterdir()) for line in f.read_text().splitlines()]
    assert [r["text"] for r in sorted(records, key=lambda r: r["id"])] == [clean(t) for t in TEXTS]
