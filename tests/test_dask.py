"""The Dask integration on a LocalCluster with real worker processes."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

import dask.bag as db  # noqa: E402
import dask.dataframe as dd  # noqa: E402

from cleaner import clean  # noqa: E402
from cleaner.cli import main  # noqa: E402
from cleaner.dask import FilesReport, _worker_pipeline, clean_bag, clean_dataframe, clean_files  # noqa: E402
from cleaner.errors import InputError  # noqa: E402
from conftest import write  # noqa: E402

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
    assert clean_files(str(src), str(dst), format="parquet") == FilesReport(files=3, records=40)
    out = pd.read_parquet(dst).sort_values("id")
    assert out["text"].tolist() == [clean(t) for t in TEXTS]


# Records whose other fields a dataframe round trip would change: a string of digits
# (read as a number), a date (written as epoch milliseconds), slashes (escaped), a whole
# number beside a null (made a float), nesting and non-ASCII text.
AWKWARD = [
    {"id": "00123", "date": "2024-01-01", "url": "https://example.org/a/b", "n": 1, "tags": ["x", {"y": None}],
     "text": "Advertisement\nThe café council met on Tuesday.\nShare this article"},
    {"id": "7", "date": "2024-01-02", "url": "https://example.org/c", "n": None, "tags": [],
     "text": "Rain is due on Friday, the forecasters said.\nFollow us on Twitter"},
]


def _cli_output(runner, args: list[str], out: Path) -> None:
    result = runner.invoke(main, args + ["-o", str(out)])
    assert result.exit_code in (0, 1), result.output


def test_jsonl_files_get_the_clis_bytes(client, tmp_path, runner) -> None:
    raw = tmp_path / "raw"
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in AWKWARD * 20)
    write(raw / "a.jsonl", lines)
    write(raw / "sub" / "b.jsonl.gz", gzip.compress(lines.encode("utf-8")))
    write(raw / "notes.txt", "not JSON Lines")
    report = clean_files(str(raw), str(tmp_path / "dask"), format="jsonl")
    assert report == FilesReport(files=2, records=80, errors=[])
    _cli_output(runner, ["--jsonl", str(raw)], tmp_path / "cli")
    written = sorted(p.relative_to(tmp_path / "dask").as_posix() for p in (tmp_path / "dask").rglob("*"))
    assert written == ["a.jsonl", "sub", "sub/b.jsonl"]
    for name in ("a.jsonl", "sub/b.jsonl"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    first = json.loads((tmp_path / "dask" / "a.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert {k: v for k, v in first.items() if k != "text"} == {k: v for k, v in AWKWARD[0].items() if k != "text"}
    assert first["text"] == clean(AWKWARD[0]["text"])


def test_jsonl_compressed_output_is_the_clis(client, tmp_path, runner) -> None:
    src = write(tmp_path / "raw" / "a.jsonl", "".join(json.dumps(r) + "\n" for r in AWKWARD))
    report = clean_files(str(src), str(tmp_path / "dask"), format="jsonl", compress=True)
    assert (report.files, report.records) == (1, 2)
    _cli_output(runner, ["--jsonl", "--gzip", str(src)], tmp_path / "cli")
    assert (tmp_path / "dask" / "a.jsonl.gz").read_bytes() == (tmp_path / "cli" / "a.jsonl.gz").read_bytes()


BAD = [
    json.dumps({"id": 1, "text": "The council met on Tuesday."}),
    '{"id": 2, "text": "unterminated',
    json.dumps({"id": 3, "text": None}),
    json.dumps({"id": 4, "body": "no text field"}),
    "[1, 2]",
    json.dumps({"id": 6, "text": "Rain is due on Friday."}),
]


@pytest.fixture
def small_dask_blocks(monkeypatch) -> None:
    """Files read in blocks of about 32 bytes, in this process (no cluster: its workers would not see the patch)."""
    import dask

    from cleaner import dask as cleaner_dask

    monkeypatch.setattr(cleaner_dask, "BLOCK_BYTES", 32)
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.mark.parametrize("blocks", ["one", "many"])
def test_bad_records_are_reported_by_line_and_the_rest_kept(request, tmp_path, runner, blocks) -> None:
    if blocks == "many":
        request.getfixturevalue("small_dask_blocks")
    else:
        request.getfixturevalue("client")
    src = write(tmp_path / "raw" / "a.jsonl", "\n".join(BAD) + "\n")
    report = clean_files(str(tmp_path / "raw"), str(tmp_path / "out"), format="jsonl")
    assert report.files == 1 and report.records == 2
    assert [e.split(": ")[0] for e in report.errors] == [f"{src}:{n}" for n in (2, 3, 4, 5)]
    assert "field 'text' is null, not a string" in report.errors[1]
    assert [json.loads(line)["id"] for line in (tmp_path / "out" / "a.jsonl").read_text().splitlines()] == [1, 6]
    cli = runner.invoke(main, ["--jsonl", str(src)])
    assert [line for line in cli.stderr.splitlines() if line.startswith("clean: error: ")] == [
        f"clean: error: {e}" for e in report.errors]


def test_on_error_fail_raises_at_the_bad_record(client, tmp_path) -> None:
    src = write(tmp_path / "raw" / "a.jsonl", "\n".join(BAD) + "\n")
    with pytest.raises(InputError, match=rf"{src}:2: invalid JSON"):
        clean_files(str(src), str(tmp_path / "out"), format="jsonl", on_error="fail")
    assert not (tmp_path / "out" / "a.jsonl").exists()


def test_an_unreadable_file_has_no_output_and_the_others_do(client, tmp_path) -> None:
    good = "".join(json.dumps(r) + "\n" for r in AWKWARD)
    write(tmp_path / "raw" / "a.jsonl", good)
    broken = write(tmp_path / "raw" / "b.jsonl.gz", gzip.compress(good.encode())[:-12])  # cut short
    report = clean_files(str(tmp_path / "raw"), str(tmp_path / "out"), format="jsonl")
    assert (report.files, report.records) == (1, 2)
    assert len(report.errors) == 1 and report.errors[0].startswith(f"{broken}: cannot read")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.jsonl"]  # no b.jsonl, no temporary


def test_jsonl_refuses_to_overwrite_its_input_and_names_clashes(tmp_path) -> None:
    src = write(tmp_path / "raw" / "a.jsonl", json.dumps(AWKWARD[0]) + "\n")
    before = src.read_bytes()
    report = clean_files(str(tmp_path / "raw"), str(tmp_path / "raw"), format="jsonl")
    assert report == FilesReport(files=0, records=0, errors=[f"{src}: output would overwrite the input"])
    assert src.read_bytes() == before
    nested = write(tmp_path / "a" / "a" / "y.jsonl", json.dumps(AWKWARD[0]) + "\n")
    top = write(tmp_path / "a" / "y.jsonl", json.dumps(AWKWARD[1]) + "\n")
    report = clean_files(str(tmp_path / "a"), str(tmp_path), format="jsonl")  # a/y.jsonl -> y.jsonl: fine
    assert report.errors == [f"{nested}: its output {top} is the input {top}; not cleaned"]
    assert top.read_text() == json.dumps(AWKWARD[1]) + "\n"
    with pytest.raises(InputError, match="no such file"):
        clean_files(str(tmp_path / "none*.jsonl"), str(tmp_path / "out"), format="jsonl")
    with pytest.raises(ValueError, match="on_error"):
        clean_files(str(src), str(tmp_path / "out"), format="jsonl", on_error="ignore")


def test_parquet_into_a_new_column_keeps_the_text_columns_type_and_its_nulls(client, tmp_path) -> None:
    pytest.importorskip("pyarrow")
    src, dst = tmp_path / "raw", tmp_path / "clean"
    texts = [*TEXTS[:5], None]
    pd.DataFrame({"id": range(6), "text": pd.Series(texts, dtype="string")}).to_parquet(src)
    report = clean_files(str(src), str(dst), format="parquet", output_column="clean")
    assert report == FilesReport(files=1, records=6)
    out = pd.read_parquet(dst).sort_values("id")
    assert out["clean"].dtype == out["text"].dtype == pd.StringDtype()
    assert out["clean"].tolist()[:5] == [clean(t) for t in TEXTS[:5]]
    assert out["clean"].isna().tolist() == [False] * 5 + [True]


def test_skip_existing_finishes_a_stopped_job(client, tmp_path) -> None:
    for k in range(3):
        write(tmp_path / "raw" / f"{k}.jsonl", "".join(json.dumps(r) + "\n" for r in AWKWARD))
    done = write(tmp_path / "out" / "1.jsonl", "already written\n")
    report = clean_files(str(tmp_path / "raw"), str(tmp_path / "out"), format="jsonl", skip_existing=True)
    assert report == FilesReport(files=2, records=4, skipped=1)
    assert done.read_text() == "already written\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.jsonl", "1.jsonl", "2.jsonl"]
    with pytest.raises(ValueError, match="for JSON Lines"):
        clean_files(str(tmp_path / "raw"), str(tmp_path / "pq"), format="parquet", skip_existing=True)


def test_an_output_that_is_a_folder_is_an_error(tmp_path) -> None:
    src = write(tmp_path / "raw" / "a.jsonl", json.dumps(AWKWARD[0]) + "\n")
    (tmp_path / "out" / "a.jsonl").mkdir(parents=True)
    report = clean_files(str(src), str(tmp_path / "out"), format="jsonl")
    assert report.files == 0 and report.errors == [f"{tmp_path / 'out' / 'a.jsonl'}: cannot write: Is a directory"]
    assert [p.name for p in (tmp_path / "out" / "a.jsonl").iterdir()] == []


def test_parquet_refuses_a_target_that_overlaps_the_source(tmp_path) -> None:
    pytest.importorskip("pyarrow")
    src = tmp_path / "raw"
    dd.from_pandas(pd.DataFrame({"text": TEXTS}), npartitions=2).to_parquet(str(src))
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    for target in (src, src / "clean", tmp_path):
        with pytest.raises(ValueError, match="overlap"):
            clean_files(str(src), str(target), format="parquet")
    with pytest.raises(ValueError, match="overlap"):
        clean_files(str(src / "*.parquet"), str(src), format="parquet")
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
