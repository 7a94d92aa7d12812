"""The `clean` command through click's runner, plus one run of the installed command."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.cli import main
from conftest import GOLDEN, SEEDS, write

ARTICLE = "The council approved the budget on Tuesday after a four-hour debate."
DIRTY = f"Advertisement\n{ARTICLE}\nShare this article\n"
CLEAN = f"{ARTICLE}\n"


def test_stdin_to_stdout(runner) -> None:
    result = runner.invoke(main, [], input=DIRTY)
    assert result.exit_code == 0
    assert result.output == CLEAN


def test_dash_reads_stdin(runner) -> None:
    result = runner.invoke(main, ["-"], input=DIRTY)
    assert (result.exit_code, result.output) == (0, CLEAN)


def test_files_to_stdout_in_order(runner, tmp_path) -> None:
    a = write(tmp_path / "a.txt", "Advertisement\nFirst story.\n")
    b = write(tmp_path / "b.txt", "Second story.\nSponsored\n")
    result = runner.invoke(main, [str(b), str(a)])
    assert result.exit_code == 0
    assert result.output == "Second story.\nFirst story.\n"


def test_output_dir_names_and_gzip(runner, tmp_path) -> None:
    src = tmp_path / "in"
    write(src / "0001.html.gz", gzip.compress(
        f"<html><body><article><h1>Budget passes</h1><p>{ARTICLE} It was close.</p>"
        f"<p>{ARTICLE} Again, it was close.</p></article></body></html>".encode()))
    write(src / "sub" / "story.txt", DIRTY)
    write(src / "notes.md", "not matched by the default globs")
    out = tmp_path / "out"
    result = runner.invoke(main, [str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "0001.txt", "sub/story.txt"]
    assert (out / "sub" / "story.txt").read_text() == CLEAN
    assert ARTICLE in (out / "0001.txt").read_text()
    assert "1 cleaned" not in result.output  # the summary goes to stderr, not stdout


def test_glob_option(runner, tmp_path) -> None:
    write(tmp_path / "in" / "a.md", DIRTY)
    write(tmp_path / "in" / "b.txt", "Other.\n")
    result = runner.invoke(main, [str(tmp_path / "in"), "--glob", "*.md"])
    assert (result.exit_code, result.output) == (0, CLEAN)


def test_explain_goes_to_stderr(runner, tmp_path) -> None:
    f = write(tmp_path / "a.txt", DIRTY)
    result = runner.invoke(main, [str(f), "--explain"])
    assert result.exit_code == 0
    assert result.stdout == CLEAN
    assert "ads" in result.stderr and "ads.marker" in result.stderr and "'Advertisement'" in result.stderr
    assert "share.buttons" in result.stderr


def test_json_output(runner, tmp_path) -> None:
    f = write(tmp_path / "a.txt", f"date 2024-01-02\n{DIRTY}")
    result = runner.invoke(main, [str(f), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["text"] == CLEAN
    assert doc["metadata"] == {"date": "2024-01-02"}
    source = f.read_text()
    for r in doc["removed"]:
        assert set(r) == {"start", "end", "category", "rule", "text"}
        assert source[r["start"]:r["end"]] == r["text"]
    assert {r["category"] for r in doc["removed"]} == {"metadata", "ads", "share"}


def test_jsonl_round_trip(runner, tmp_path) -> None:
    records = [
        {"id": 1, "text": DIRTY, "lang": "en"},
        {"id": 2, "text": "Just a sentence.", "meta": {"x": [1, 2]}},
        {"id": 3, "text": "Line\u2028with a separator.\nAdvertisement"},
    ]
    f = write(tmp_path / "c.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(main, ["--jsonl", str(f)])
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [r["id"] for r in out] == [1, 2, 3]
    assert out[0] == {"id": 1, "text": CLEAN, "lang": "en"}
    assert out[1] == {"id": 2, "text": "Just a sentence.\n", "meta": {"x": [1, 2]}}
    assert out[2]["text"] == "Line\n\nwith a separator.\n"  # ftfy turns U+2028 into a line break


def test_jsonl_output_field_and_text_field(runner, tmp_path) -> None:
    f = write(tmp_path / "c.jsonl", json.dumps({"body": DIRTY}) + "\n")
    result = runner.invoke(main, ["--jsonl", "--text-field", "body", "--output-field", "clean", str(f)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"body": DIRTY, "clean": CLEAN}


def test_jsonl_bad_lines_are_reported_and_others_kept(runner, tmp_path) -> None:
    lines = [json.dumps({"text": "One."}), "{not json", json.dumps({"title": "no text"}),
             json.dumps({"text": 5}), "[1, 2]", json.dumps({"text": "Five."})]
    f = write(tmp_path / "bad.jsonl", "\n".join(lines) + "\n")
    result = runner.invoke(main, ["--jsonl", str(f)])
    assert result.exit_code == 2
    assert [json.loads(x)["text"] for x in result.stdout.splitlines()] == ["One.\n", "Five.\n"]
    assert f"{f}:2: invalid JSON" in result.stderr
    assert f"{f}:3: record has no 'text' field" in result.stderr
    assert f"{f}:4: field 'text' is a number, not a string" in result.stderr
    assert f"{f}:5: a JSON Lines record must be an object" in result.stderr
    assert "2 cleaned, 4 failed" in result.stderr


def test_jsonl_on_error_fail_stops(runner, tmp_path) -> None:
    f = write(tmp_path / "bad.jsonl", '{"text": "One."}\n{oops\n{"text": "Three."}\n')
    result = runner.invoke(main, ["--jsonl", "--on-error", "fail", str(f)])
    assert result.exit_code == 2
    assert "Three" not in result.stdout


def test_jsonl_gzip_to_output_dir(runner, tmp_path) -> None:
    f = write(tmp_path / "c.jsonl.gz", gzip.compress((json.dumps({"text": DIRTY}) + "\n").encode()))
    out = tmp_path / "out"
    result = runner.invoke(main, ["--jsonl", str(f), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert json.loads((out / "c.jsonl").read_text()) == {"text": CLEAN}
    assert [p.name for p in out.iterdir()] == ["c.jsonl"]  # no temporary file left


def test_diff_mode(runner, tmp_path) -> None:
    golden = tmp_path / "golden"
    f = write(tmp_path / "in" / "a.txt", DIRTY)
    write(golden / "a.txt", CLEAN)
    assert runner.invoke(main, [str(f), "--diff", str(golden)]).exit_code == 0
    write(golden / "a.txt", "Something else.\n")
    result = runner.invoke(main, [str(f), "--diff", str(golden)])
    assert result.exit_code == 1
    assert "-Something else." in result.output and f"+{ARTICLE}" in result.output
    (golden / "a.txt").unlink()
    result = runner.invoke(main, [str(f), "--diff", str(golden)])
    assert result.exit_code == 1 and "no golden file" in result.output


def test_update_golden_then_diff_matches(runner, tmp_path) -> None:
    golden = tmp_path / "golden"
    seeds = SEEDS[0].parent
    assert runner.invoke(main, [str(seeds), "--update-golden", str(golden)]).exit_code == 0
    for seed in SEEDS:
        assert (golden / seed.name).read_text() == (GOLDEN / seed.name).read_text()
    assert runner.invoke(main, [str(seeds), "--diff", str(golden)]).exit_code == 0


def test_parallel_jobs_give_the_same_output(runner, tmp_path) -> None:
    seeds = SEEDS[0].parent
    serial = runner.invoke(main, [str(seeds)])
    parallel = runner.invoke(main, [str(seeds), "-j", "2"])
    assert parallel.exit_code == 0
    assert parallel.output == serial.output


def test_parallel_jsonl_keeps_order(runner, tmp_path, small_blocks) -> None:
    records = [{"n": i, "text": f"Story number {i}.\nAdvertisement"} for i in range(600)]
    f = write(tmp_path / "many.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(main, ["--jsonl", "-j", "2", str(f)])
    assert result.exit_code == 0
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [r["n"] for r in out] == list(range(600))
    assert out[599]["text"] == "Story number 599.\n"


def test_list_rules(runner) -> None:
    result = runner.invoke(main, ["--list-rules"])
    assert result.exit_code == 0
    for category in ("metadata", "newsletter", "icons", "appeal", "paywall", "related", "promo",
                     "caption", "byline", "cookie", "share", "ads", "legal"):
        assert f"\n{category}:" in "\n" + result.output
    assert "icons.label-run" in result.output


def test_keep_category(runner) -> None:
    result = runner.invoke(main, ["--keep", "ads"], input=DIRTY)
    assert result.output == f"Advertisement\n\n{ARTICLE}\n"


def test_keep_unknown_category_is_a_usage_error(runner) -> None:
    result = runner.invoke(main, ["--keep", "adverts"], input=DIRTY)
    assert result.exit_code == 2
    assert "unknown category adverts" in result.stderr


def test_no_fix_unicode(runner) -> None:
    mojibake = "The caf\u00c3\u00a9 opened.\n"
    assert runner.invoke(main, [], input=mojibake).output == "The café opened.\n"
    assert runner.invoke(main, ["--no-fix-unicode"], input=mojibake).output == mojibake


def test_usage_errors_exit_2(runner, tmp_path) -> None:
    assert runner.invoke(main, ["-o", str(tmp_path / "a"), "--diff", str(tmp_path)]).exit_code == 2
    assert runner.invoke(main, ["--jsonl", "--json"]).exit_code == 2
    assert runner.invoke(main, ["--skip-existing"]).exit_code == 2
    assert runner.invoke(main, ["--format", "pdf"]).exit_code == 2


# --- bad input ----------------------------------------------------------------

def test_missing_path(runner, tmp_path) -> None:
    good = write(tmp_path / "good.txt", DIRTY)
    missing = tmp_path / "nope.txt"
    result = runner.invoke(main, [str(missing), str(good)])
    assert result.exit_code == 2
    assert f"{missing}: no such file or directory" in result.stderr
    assert result.stdout == CLEAN  # the good file is still cleaned


def test_empty_and_whitespace_only(runner, tmp_path) -> None:
    for content in ("", "  \n\t\n \n"):
        f = write(tmp_path / "e.txt", content)
        result = runner.invoke(main, [str(f)])
        assert (result.exit_code, result.stdout) == (0, "")
    out = tmp_path / "out"
    assert runner.invoke(main, [str(f), "-o", str(out)]).exit_code == 0
    assert (out / "e.txt").read_text() == ""


def test_invalid_utf8_is_decoded_with_a_warning(runner, tmp_path) -> None:
    f = write(tmp_path / "latin.txt", "Le café a fermé ses portes à Noël après trente ans.\n".encode("cp1252"))
    result = runner.invoke(main, [str(f)])
    assert result.exit_code == 0
    assert result.stdout == "Le café a fermé ses portes à Noël après trente ans.\n"
    assert f"{f}: not valid UTF-8" in result.stderr


def test_binary_file_is_refused_by_name(runner, tmp_path) -> None:
    png = write(tmp_path / "photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    good = write(tmp_path / "good.txt", DIRTY)
    out = tmp_path / "out"
    result = runner.invoke(main, [str(png), str(good), "-o", str(out)])
    assert result.exit_code == 2
    assert f"{png}: binary data, not text" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["good.txt"]


def test_utf16_with_bom(runner, tmp_path) -> None:
    f = write(tmp_path / "u16.txt", DIRTY.encode("utf-16"))
    result = runner.invoke(main, [str(f)])
    assert (result.exit_code, result.stdout) == (0, CLEAN)


def test_rules_file_problems_exit_2_naming_file_and_rule(runner, tmp_path) -> None:
    pack = write(tmp_path / "pack.toml", '[[rule]]\nname = "my.rule"\ncategory = "ads"\npattern = "(?<=x)y"\n')
    result = runner.invoke(main, ["--rules", str(pack)], input=DIRTY)
    assert result.exit_code == 2
    assert str(pack) in result.stderr and "'my.rule'" in result.stderr and "not a valid RE2 pattern" in result.stderr


def test_user_rule_pack_adds_rules(runner, tmp_path) -> None:
    pack = write(tmp_path / "pack.toml", '[categories]\nrecipe = "recipe clutter"\n\n'
                 '[[rule]]\nname = "recipe.jump"\ncategory = "recipe"\nscope = "line"\npattern = "Jump to recipe"\n')
    result = runner.invoke(main, ["--rules", str(pack), "--explain"], input=f"Jump to recipe\n{ARTICLE}\n")
    assert result.exit_code == 0
    assert result.stdout == CLEAN
    assert "recipe.jump" in result.stderr


def test_output_never_overwrites_input(runner, tmp_path) -> None:
    f = write(tmp_path / "a.txt", DIRTY)
    result = runner.invoke(main, [str(f), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "overwrite the input" in result.stderr
    assert f.read_text() == DIRTY


def test_skip_existing(runner, tmp_path) -> None:
    a = write(tmp_path / "in" / "a.txt", DIRTY)
    write(tmp_path / "in" / "b.txt", DIRTY)
    out = tmp_path / "out"
    write(out / "a.txt", "done before\n")
    result = runner.invoke(main, [str(tmp_path / "in"), "-o", str(out), "--skip-existing"])
    assert result.exit_code == 0
    assert (out / "a.txt").read_text() == "done before\n"
    assert (out / "b.txt").read_text() == CLEAN
    assert "1 skipped" in result.stderr
    assert a.exists()


def test_installed_command_in_a_subprocess(tmp_path) -> None:
    exe = shutil.which("clean", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the clean command is not installed next to this Python")
    proc = subprocess.run([exe, str(SEEDS[0])], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (GOLDEN / SEEDS[0].name).read_text()
    proc = subprocess.run([exe, str(tmp_path / "missing.txt")], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "missing.txt: no such file or directory" in proc.stderr


def test_gzip_outputs(runner, tmp_path) -> None:
    docs = write(tmp_path / "in" / "a.txt", DIRTY)
    records = write(tmp_path / "in" / "c.jsonl", json.dumps({"text": DIRTY}) + "\n")
    out = tmp_path / "out"
    assert runner.invoke(main, [str(docs), "-o", str(out), "--gzip"]).exit_code == 0
    assert runner.invoke(main, ["--jsonl", str(records), "-o", str(out), "--gzip"]).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.txt.gz", "c.jsonl.gz"]
    assert gzip.decompress((out / "a.txt.gz").read_bytes()).decode() == CLEAN
    assert json.loads(gzip.decompress((out / "c.jsonl.gz").read_bytes())) == {"text": CLEAN}
    assert runner.invoke(main, [str(docs), "--gzip"]).exit_code == 2  # needs -o


def test_parallel_json_and_explain_are_rendered_like_serial(runner, tmp_path) -> None:
    seeds = SEEDS[0].parent
    for flags in (["--json"], ["--explain"], ["--json", "--explain"]):
        serial = runner.invoke(main, [str(seeds), *flags])
        parallel = runner.invoke(main, [str(seeds), *flags, "-j", "2"])
        assert parallel.exit_code == serial.exit_code == 0
        assert parallel.stdout == serial.stdout
        assert parallel.stderr == serial.stderr
    assert "removal(s)" in serial.stderr


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("compress", [False, True])
def test_jsonl_blocks_end_lines_and_number_them(tmp_path, size, compress) -> None:
    """Blocks hold whole lines; split again and numbered, they are the file's lines as iterating it gives them."""
    import io

    from cleaner.cli import _numbered_blocks
    from cleaner.io import block_lines, open_blocks

    data = b'{"text": "a"}\n\n{"text": "b\xe2\x80\xa8c"}\r\n{"text": "' + b"x" * 100 + b'"}\n{"text": "last"}'
    path = tmp_path / "r.jsonl"
    path.write_bytes(gzip.compress(data) if compress else data)
    stdin = io.BufferedReader(io.BytesIO(path.read_bytes()))
    for blocks in (list(open_blocks(str(path), size=size)), list(open_blocks("-", stdin, size=size))):
        assert b"".join(blocks) == data
        assert all(b.endswith(b"\n") for b in blocks[:-1])
        numbered = [(first + k, line) for first, block in _numbered_blocks(blocks)
                    for k, line in enumerate(block_lines(block))]
        assert numbered == list(enumerate(io.BytesIO(data), 1))
    assert not stdin.closed  # stdin is read, never closed


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_jsonl_lone_surrogate_escapes_are_kept_as_escapes(runner, tmp_path, jobs, small_blocks) -> None:
    # A lone surrogate cannot be written as UTF-8: the record used to be dropped (and reported
    # with Python's UnicodeEncodeError). Other fields are now copied as written, escape and all.
    f = write(tmp_path / "s.jsonl", '{"id": "\\udc80", "text": "One."}\n{"id": 2, "text": "Two."}\n')
    result = runner.invoke(main, ["--jsonl", "-j", jobs, str(f)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == '{"id": "\\udc80", "text": "One.\\n"}\n{"id": 2, "text": "Two.\\n"}\n'


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_output_folder_written_by_workers_equals_stdout(runner, tmp_path, jobs) -> None:
    """Under -o the workers write the files: each holds what the same input prints, gzip or not."""
    folder = tmp_path / "in"
    for i in range(12):
        write(folder / f"d{i:02d}.txt", f"Advertisement\nStory {i} of the council.\nShare this article\n")
    for extra in ([], ["--gzip"]):
        out = tmp_path / f"out{jobs}{len(extra)}"
        result = runner.invoke(main, [str(folder), "-o", str(out), "-j", jobs, *extra])
        assert result.exit_code == 0, result.output
        assert "12 cleaned, 0 failed" in result.output
        for i in range(12):
            path = out / (f"d{i:02d}.txt" + (".gz" if extra else ""))
            data = gzip.decompress(path.read_bytes()) if extra else path.read_bytes()
            assert data.decode() == f"Story {i} of the council.\n"
        assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_two_inputs_with_one_output_name_are_not_both_written(runner, tmp_path, jobs) -> None:
    """'a.html' and 'a.txt' both clean to 'a.txt': the first (in name order) keeps it, the second is an error."""
    folder = tmp_path / "in"
    write(folder / "a.html", "<html><body><article><p>" + ARTICLE + "</p></article></body></html>")
    write(folder / "a.txt", "A different story entirely, told at length.\n")
    write(folder / "b.txt", DIRTY)
    out = tmp_path / "out"
    result = runner.invoke(main, [str(folder), "-o", str(out), "-j", jobs])
    assert result.exit_code == 2
    assert "a.txt: its output a.txt is also" in result.output and "a.html" in result.output
    assert (out / "a.txt").read_text() == CLEAN  # from a.html
    assert (out / "b.txt").read_text() == CLEAN
    assert "2 cleaned, 1 failed" in result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_output_that_cannot_be_written_is_an_error_naming_it(runner, tmp_path, jobs) -> None:
    folder = tmp_path / "in"
    write(folder / "a.txt", DIRTY)
    write(folder / "b.txt", DIRTY)
    out = tmp_path / "out"
    (out / "a.txt").mkdir(parents=True)  # a folder where the output file would go
    result = runner.invoke(main, [str(folder), "-o", str(out), "-j", jobs])
    assert result.exit_code == 2
    assert f"{out / 'a.txt'}: cannot write" in result.output
    assert (out / "b.txt").read_text() == CLEAN  # the other input is not lost
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def _pool_sizes(monkeypatch) -> list[int]:
    """The -j each run of the command asks _pool for (1: no workers), recorded."""
    from cleaner import cli

    sizes: list[int] = []
    real = cli._pool

    def pool(settings, jobs, *args):  # type: ignore[no-untyped-def]
        sizes.append(jobs)
        return real(settings, jobs, *args)

    monkeypatch.setattr(cli, "_pool", pool)
    return sizes


def test_jobs_zero_means_every_usable_core(runner, monkeypatch) -> None:
    from cleaner.cli import usable_cores

    sizes = _pool_sizes(monkeypatch)
    seeds = SEEDS[0].parent
    serial = runner.invoke(main, [str(seeds)])
    every = runner.invoke(main, [str(seeds), "-j", "0"])
    assert every.exit_code == 0 and every.output == serial.output
    assert sizes == [1, min(usable_cores(), len(SEEDS))]  # no more workers than inputs
    assert runner.invoke(main, [str(seeds), "-j", "-1"]).exit_code == 2


def test_few_files_are_spread_over_the_workers() -> None:
    from cleaner.cli import DOCUMENT_BATCH, _batches

    assert _batches(list("ab"), 2) == [["a"], ["b"]]  # not one batch for one worker
    many = list(range(5000))
    batches = _batches(many, 2)
    assert [x for b in batches for x in b] == many
    sizes = [len(b) for b in batches]
    assert sizes[0] == DOCUMENT_BATCH and sizes == sorted(sizes, reverse=True)  # large first, then shrinking
    assert sizes[-8:] == [1] * 8  # the last task of each in flight alone: workers finish together
    assert len(batches) < 2 * len(many) / DOCUMENT_BATCH
    assert _batches([], 4) == []


def test_jsonl_under_one_block_starts_no_workers(runner, tmp_path, monkeypatch) -> None:
    sizes = _pool_sizes(monkeypatch)
    f = write(tmp_path / "small.jsonl", json.dumps({"text": DIRTY}) + "\n")
    assert runner.invoke(main, ["--jsonl", "-j", "2", str(f)]).stdout == json.dumps({"text": CLEAN}) + "\n"
    gz = write(tmp_path / "small.jsonl.gz", gzip.compress((json.dumps({"text": DIRTY}) + "\n").encode()))
    assert runner.invoke(main, ["--jsonl", "-j", "2", str(gz)]).exit_code == 0  # its size says nothing
    assert sizes == [1, 2]



@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_jsonl_workers_are_kept_for_what_has_no_size(tmp_path) -> None:
    """A pipe (a FIFO, bash's <(zcat ...)), stdin and gzip may hold any amount: only plain files go by size."""
    from cleaner.cli import _blocks_over_one
    from cleaner.io import Source

    small, fifo = write(tmp_path / "small.jsonl", "{}\n"), tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert not _blocks_over_one([Source(str(small), "small.jsonl")])
    assert not _blocks_over_one([Source(str(tmp_path / "missing.jsonl"), "missing.jsonl")])
    for path in (str(fifo), "-", str(tmp_path / "small.jsonl.gz")):
        assert _blocks_over_one([Source(str(small), "small.jsonl"), Source(path, "x")])


def test_a_large_jsonl_file_shows_its_progress_on_a_terminal(runner, tmp_path, monkeypatch, small_blocks) -> None:
    """On a terminal, a JSONL file of several blocks gets a bar by bytes; the records come out the same."""
    from cleaner import cli

    records = "".join(json.dumps({"n": i, "text": f"Story {i}.\nAdvertisement"}) + "\n" for i in range(200))
    f = write(tmp_path / "many.jsonl", records)
    quiet = runner.invoke(main, ["--jsonl", "-j", "2", str(f)])
    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: True)
    shown = runner.invoke(main, ["--jsonl", "-j", "2", str(f)])
    assert shown.exit_code == quiet.exit_code == 0
    assert shown.stdout == quiet.stdout and len(shown.stdout.splitlines()) == 200
    assert "cleaning many.jsonl" not in quiet.stderr
    assert "cleaning many.jsonl" in shown.stderr  # click draws the bar itself only on a real terminal
    gz = write(tmp_path / "many.jsonl.gz", gzip.compress(records.encode()))
    assert "cleaning" not in runner.invoke(main, ["--jsonl", str(gz)]).stderr  # no size to go by


def test_jsonl_folders_are_walked_for_jsonl_files(runner, tmp_path) -> None:
    record = json.dumps({"text": DIRTY}) + "\n"
    src = tmp_path / "in"
    write(src / "a.jsonl", record)
    write(src / "deep" / "b.jsonl.gz", gzip.compress(record.encode()))
    write(src / "notes.txt", "not JSON Lines")
    out = tmp_path / "out"
    result = runner.invoke(main, ["--jsonl", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["a.jsonl", "deep/b.jsonl"]
    assert (out / "deep" / "b.jsonl").read_text() == json.dumps({"text": CLEAN}) + "\n"


@pytest.mark.parametrize("flags", [[], ["--jsonl"]])
def test_a_folder_with_nothing_to_clean_is_reported(runner, tmp_path, flags) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    write(empty / "data.csv", "a,b\n")
    result = runner.invoke(main, [*flags, str(empty)])
    assert result.exit_code == 0 and result.stdout == ""
    assert f"clean: warning: {empty}: no file matches *." in result.stderr


def test_without_worker_processes_the_run_goes_on_in_one(runner, monkeypatch) -> None:
    """Where multiprocessing cannot make its queues (no /dev/shm, some sandboxes), -j N warns and cleans anyway."""
    import concurrent.futures

    def no_pool(*args, **kwargs):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    seeds = SEEDS[0].parent
    serial = runner.invoke(main, [str(seeds)])
    result = runner.invoke(main, [str(seeds), "-j", "2"])
    assert result.exit_code == 0 and result.stdout == serial.stdout
    assert "clean: warning: cannot start worker processes ([Errno 38] Function not implemented)" in result.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_output_never_replaces_another_input(runner, tmp_path, monkeypatch, jobs) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "a" / "a" / "y.txt", f"Alpha. {ARTICLE}\n")
    top = write(tmp_path / "a" / "y.txt", f"Bravo. {ARTICLE}\n")
    result = runner.invoke(main, ["a", "-o", ".", "-j", jobs])  # a/a/y.txt cleans to ./a/y.txt, an input
    assert result.exit_code == 2
    assert "a/a/y.txt: its output a/y.txt is the input a/y.txt; not cleaned" in result.stderr
    assert top.read_text() == f"Bravo. {ARTICLE}\n"
    assert (tmp_path / "y.txt").read_text() == f"Bravo. {ARTICLE}\n"  # the other input is still cleaned


def test_jsonl_outputs_never_replace_inputs_or_each_other(runner, tmp_path) -> None:
    plain = write(tmp_path / "jd" / "a.jsonl", json.dumps({"text": "Plain input must survive."}) + "\n")
    write(tmp_path / "jd" / "a.jsonl.gz", gzip.compress(json.dumps({"text": "Gzip record."}).encode() + b"\n"))
    result = runner.invoke(main, ["--jsonl", str(tmp_path / "jd"), "-o", str(tmp_path / "jd")])
    assert result.exit_code == 2
    assert plain.read_text() == json.dumps({"text": "Plain input must survive."}) + "\n"
    first = write(tmp_path / "d1" / "a.jsonl", json.dumps({"text": DIRTY}) + "\n")
    write(tmp_path / "d2" / "a.jsonl", json.dumps({"text": "Other."}) + "\n")
    result = runner.invoke(main, ["--jsonl", str(first), str(tmp_path / "d2" / "a.jsonl"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"its output a.jsonl is also {first}'s; not cleaned" in result.stderr
    assert json.loads((tmp_path / "out" / "a.jsonl").read_text())["text"] == CLEAN


def test_paths_that_cannot_be_looked_at_are_reported_and_the_rest_cleaned(runner, tmp_path) -> None:
    good = write(tmp_path / "a.txt", DIRTY)
    long_name = str(tmp_path / ("x" * 300 + ".txt"))
    under_a_file = str(good / "b.txt")
    result = runner.invoke(main, [long_name, under_a_file, str(good)])
    assert result.exit_code == 2
    assert result.stdout == CLEAN
    assert result.stderr.splitlines()[:2] == [
        f"clean: error: {long_name}: cannot read: File name too long",
        f"clean: error: {under_a_file}: no such file or directory",
    ]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a user that permissions bind")
def test_an_unreadable_input_is_reported_not_a_usage_error(runner, tmp_path) -> None:
    good, locked = write(tmp_path / "a.txt", DIRTY), write(tmp_path / "b.txt", DIRTY)
    locked.chmod(0)
    result = runner.invoke(main, [str(good), str(locked)])
    assert result.exit_code == 2 and result.stdout == CLEAN
    assert f"clean: error: {locked}: cannot read: Permission denied" in result.stderr


def test_a_closed_stdin_is_no_traceback(tmp_path) -> None:
    exe = shutil.which("clean", path=str(Path(sys.executable).parent))
    f = write(tmp_path / "a.txt", DIRTY)
    for args in ([str(f)], ["--jsonl", str(write(tmp_path / "a.jsonl", json.dumps({"text": DIRTY}) + "\n"))], []):
        proc = subprocess.run(["bash", "-c", '"$0" "$@" <&-', exe, *args], capture_output=True, text=True)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
