"""Hostile and broken inputs through the `clean` command: each with an asserted outcome.

Never crash, never hang, never lose a record: a bad file or record is reported
on stderr (file, line, reason), counted in the summary, and the others still
come out, in order; outputs are written atomically and never leave -o.
Sizes are kept small enough for a quick suite (the 50 MB single line belongs
in the benchmarks, not here).
"""
from __future__ import annotations

import codecs
import gzip
import json
import os
import sys
from pathlib import Path

import pytest

import cleaner.io
import cleaner.pipeline
from cleaner import process
from cleaner.api import Pipeline
from cleaner.cli import main
from conftest import write

ARTICLE = "The council approved the budget on Tuesday after a four-hour debate."
OTHER = "Residents of the eastern district say the new bus lane has halved their commute."
DIRTY = f"Advertisement\n{ARTICLE}\nShare this article\n"
CLEAN = f"{ARTICLE}\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def files_under(root: Path) -> list[str]:
    """Every file below root, temporary ones included, as sorted relative paths."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink())


def no_crash(result) -> None:
    """The command ended through its own exit code, not an exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


# --- empty, whitespace, NUL ----------------------------------------------------

@pytest.mark.parametrize("data", [b"", b" ", b"\n\n\n", b" \t\r\n\x0c\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n",
                                  "\u00a0\u2028\u3000\n".encode(), b"\xff\xfe \x00\n\x00"])
def test_empty_and_whitespace_only_give_empty_output_and_exit_0(runner, tmp_path, data) -> None:
    f = write(tmp_path / "e.txt", data)
    result = runner.invoke(main, [str(f)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    result = runner.invoke(main, [str(f), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["text"] == ""
    result = runner.invoke(main, [], input=data)
    assert (result.exit_code, result.stdout) == (0, "")


def test_empty_html_and_empty_jsonl(runner, tmp_path) -> None:
    html = write(tmp_path / "e.html", "")
    result = runner.invoke(main, [str(html)])
    assert (result.exit_code, result.stdout) == (0, "")
    jsonl = write(tmp_path / "e.jsonl", "\n \n")
    result = runner.invoke(main, ["--jsonl", str(jsonl)])
    assert (result.exit_code, result.stdout) == (0, "")
    jsonl = write(tmp_path / "f.jsonl", json.dumps({"text": "  \n"}) + "\n")
    result = runner.invoke(main, ["--jsonl", str(jsonl)])
    assert (result.exit_code, json.loads(result.stdout)) == (0, {"text": ""})


def test_nul_byte_inside_text(runner, tmp_path) -> None:
    # Valid UTF-8 with a NUL is text (the policy tries UTF-8 before sniffing for
    # binary); the Unicode repair drops the NUL, --no-fix-unicode keeps it.
    f = write(tmp_path / "nul.txt", "Advertisement\nThe council\x00 approved the budget.\n".encode())
    result = runner.invoke(main, [str(f)])
    assert (result.exit_code, result.stdout) == (0, "The council approved the budget.\n")
    result = runner.invoke(main, [str(f), "--no-fix-unicode"])
    assert (result.exit_code, result.stdout) == (0, "The council\x00 approved the budget.\n")


def test_nul_bytes_in_data_that_is_not_utf8_are_binary(runner, tmp_path) -> None:
    f = write(tmp_path / "blob.txt", b"The council\x00\x00 approved \xff the budget.\x00\n")
    result = runner.invoke(main, [str(f)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert f"clean: error: {f}: binary data, not text" in result.stderr
    assert "0 cleaned, 1 failed" in result.stderr


# --- binary, gzip, broken encodings --------------------------------------------

def test_binary_and_broken_gzip_among_good_files(runner, tmp_path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    write(src / "a-good.txt", DIRTY)
    write(src / "b-photo.txt", PNG)
    write(src / "c-report.txt", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n")
    write(src / "d-corrupt.txt", b"\x1f\x8b" + b"not really gzip" * 10)
    write(src / "e-truncated.txt.gz", gzip.compress((ARTICLE + "\n").encode() * 500)[:40])
    write(src / "f-gzipped-png.txt", gzip.compress(PNG))
    write(src / "g-good.txt", f"{OTHER}\nSponsored\n")
    result = runner.invoke(main, [str(src), "-o", str(out)])
    assert result.exit_code == 2
    assert files_under(out) == ["a-good.txt", "g-good.txt"]
    assert (out / "a-good.txt").read_text() == CLEAN
    assert (out / "g-good.txt").read_text() == f"{OTHER}\n"
    errors = [line for line in result.stderr.splitlines() if line.startswith("clean: error:")]
    assert errors == [
        f"clean: error: {src / 'b-photo.txt'}: binary data, not text (nothing written for it)",
        f"clean: error: {src / 'c-report.txt'}: binary data, not text (nothing written for it)",
        f"clean: error: {src / 'd-corrupt.txt'}: corrupt gzip data: Unknown compression method",
        f"clean: error: {src / 'e-truncated.txt.gz'}: corrupt gzip data: "
        "Compressed file ended before the end-of-stream marker was reached",
        f"clean: error: {src / 'f-gzipped-png.txt'}: binary data, not text (nothing written for it)",
    ]
    assert "clean: 2 cleaned, 5 failed" in result.stderr


def test_gzip_data_named_txt_is_decompressed(runner, tmp_path) -> None:
    # The policy: gzip is recognised by its magic bytes, whatever the name.
    f = write(tmp_path / "story.txt", gzip.compress(DIRTY.encode()))
    result = runner.invoke(main, [str(f)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, CLEAN, "")
    result = runner.invoke(main, [], input=gzip.compress(DIRTY.encode()))
    assert (result.exit_code, result.stdout) == (0, CLEAN)


def test_invalid_utf8_that_no_encoding_explains(runner, tmp_path) -> None:
    f = write(tmp_path / "broken.txt", f"{ARTICLE}\n".encode() + b"\x81\x8d\x8f\x90\x9d caf\xc3 \xff\n")
    result = runner.invoke(main, [str(f)])
    assert result.exit_code == 0
    assert result.stdout.startswith(CLEAN)
    assert f"clean: warning: {f}: not valid UTF-8" in result.stderr
    result.stdout.encode("utf-8")  # whatever was guessed, the output is valid text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_byte_order_marks(runner, tmp_path, encoding) -> None:
    data = DIRTY.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    f = write(tmp_path / "bom.txt", data)
    result = runner.invoke(main, [str(f)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, CLEAN, "")


def test_utf16_le_text_starting_with_nul_is_not_read_as_utf32(runner, tmp_path) -> None:
    # FF FE 00 00 is also the UTF-32 LE mark; this file is only valid as UTF-16.
    f = write(tmp_path / "u16.txt", ("\x00" + DIRTY).encode("utf-16"))
    result = runner.invoke(main, [str(f)])
    assert (result.exit_code, result.stdout, result.stderr) == (0, CLEAN, "")


def test_utf16_with_a_broken_tail_is_replaced_with_a_warning(runner, tmp_path) -> None:
    f = write(tmp_path / "u16.txt", DIRTY.encode("utf-16") + b"\x00")
    result = runner.invoke(main, [str(f)])
    assert result.exit_code == 0
    assert result.stdout == CLEAN + "\n\ufffd\n"
    assert f"clean: warning: {f}: invalid utf-16 bytes replaced" in result.stderr


# --- size ----------------------------------------------------------------------

def test_one_line_of_several_megabytes(runner, tmp_path) -> None:
    # 6 MB in a single line; the 50 MB case is for the benchmarks.
    sentences = [ARTICLE, OTHER, "Share this article", "Advertisement"]
    line = " ".join(sentences[i % 4] for i in range(120_000))
    assert len(line) > 5_000_000 and "\n" not in line
    f = write(tmp_path / "big.txt", line)
    out = tmp_path / "out"
    result = runner.invoke(main, [str(f), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert (out / "big.txt").read_text(encoding="utf-8") == line + "\n"  # inline labels are not cut


def test_a_hundred_thousand_short_lines(runner, tmp_path) -> None:
    lines = ["Advertisement" if i % 100 == 50 else f"Paragraph {i} of the story." for i in range(100_000)]
    f = write(tmp_path / "many.txt", "\n".join(lines) + "\n")
    result = runner.invoke(main, [str(f), "--keep", "boilerplate"])  # the rules alone: exact output
    assert result.exit_code == 0, result.stderr
    kept = [line for line in lines if line != "Advertisement"]
    assert len(kept) == 99_000
    assert result.stdout == "\n\n".join(kept) + "\n"
    result = runner.invoke(main, [str(f)])  # with the classifier: it may cut lines, in order, never add
    assert result.exit_code == 0, result.stderr
    out = result.stdout.split("\n\n")
    assert out and out[-1].endswith("\n")
    out[-1] = out[-1][:-1]
    it = iter(kept)
    assert all(line in it for line in out)


def test_residue_pass_is_linear() -> None:
    # Counts the Python lines the residue pass executes (deterministic, unlike a
    # timing) for n and 2n alternating story/boilerplate lines: linear work doubles.
    def steps(n: int) -> int:
        text = "\n".join("Advertisement SIGN UP" if i % 2 else f"Paragraph {i} of the story." for i in range(n))
        count = 0

        def tracer(frame, event, arg):
            nonlocal count
            if frame.f_code is cleaner.pipeline._residue.__code__:
                if event == "line":
                    count += 1
                return tracer
            return None

        sys.settrace(tracer)
        try:
            result = process(text, keep=["boilerplate"])
        finally:
            sys.settrace(None)
        assert result.text.count("Paragraph") == n // 2
        assert "Advertisement" not in result.text
        return count

    small, large = steps(2000), steps(4000)
    assert 1.8 < large / small < 2.2


# --- HTML ----------------------------------------------------------------------

DEEP = "<html><body>" + "<div>" * 10_000 + f"<p>{ARTICLE}</p>" + "</div>" * 10_000 + "</body></html>"


@pytest.mark.parametrize("cleaner_kind", ["auto", "rules", "trafilatura"])
def test_deeply_nested_html_does_not_crash(runner, tmp_path, cleaner_kind) -> None:
    deep = write(tmp_path / "a-deep.html", DEEP)
    good = write(tmp_path / "b-good.txt", DIRTY)
    result = runner.invoke(main, ["--cleaner", cleaner_kind, str(deep), str(good)])
    no_crash(result)
    assert result.exit_code in (0, 2)
    assert result.stdout.endswith(CLEAN)  # the next file is cleaned either way
    if result.exit_code == 2:
        assert f"clean: error: {deep}:" in result.stderr


def test_deeply_nested_html_loses_no_text_silently(runner, tmp_path) -> None:
    deep = write(tmp_path / "deep.html", DEEP)
    result = runner.invoke(main, [str(deep)])
    assert (result.exit_code == 0 and ARTICLE in result.stdout) or (
        result.exit_code == 2 and f"clean: error: {deep}:" in result.stderr)


def test_html_with_no_body(runner, tmp_path) -> None:
    head_only = write(tmp_path / "a.html", "<html><head><title>Budget passes</title></head></html>")
    result = runner.invoke(main, [str(head_only)])
    assert (result.exit_code, result.stdout) == (0, "")  # a title alone is not an article
    no_body_tag = write(tmp_path / "b.html", f"<html><head><title>T</title></head>{ARTICLE}</html>")
    result = runner.invoke(main, [str(no_body_tag)])
    assert (result.exit_code, result.stdout) == (0, CLEAN)


@pytest.mark.parametrize("cleaner_kind", ["auto", "rules"])
@pytest.mark.parametrize("fragment", [f"<p>{ARTICLE}</p>", f"<div><span>{ARTICLE}</span> {OTHER}</div>"])
def test_html_fragment_without_body_loses_no_text_silently(runner, tmp_path, cleaner_kind, fragment) -> None:
    f = write(tmp_path / "fragment.html", fragment)
    result = runner.invoke(main, ["--cleaner", cleaner_kind, str(f)])
    assert (result.exit_code == 0 and ARTICLE in result.stdout) or (
        result.exit_code == 2 and f"clean: error: {f}:" in result.stderr)


# --- JSON Lines ----------------------------------------------------------------

def test_malformed_jsonl_in_parallel_to_a_folder(runner, tmp_path, small_blocks) -> None:
    # Bad lines on both sides of a batch boundary (256 records), -j 2, -o: every
    # good record comes out, in order; every bad one is reported with its line.
    lines: list[bytes] = []
    bad: dict[int, str] = {}
    for n in range(1, 601):
        if n == 7:
            lines.append(b"{\"text\": \"cut off")
            bad[n] = "invalid JSON"
        elif n == 256:
            lines.append(json.dumps({"title": "no text"}).encode())
            bad[n] = "record has no 'text' field"
        elif n == 257:
            lines.append(json.dumps({"text": None}).encode())
            bad[n] = "field 'text' is null, not a string"
        elif n == 300:
            lines.append(json.dumps({"text": ["a", "list"]}).encode())
            bad[n] = "field 'text' is an array, not a string"
        elif n == 301:
            lines.append(b'{"text": "caf\xe9"}')
            bad[n] = "invalid UTF-8 at byte 13"
        elif n == 302:
            lines.append(b'"just a string"')
            bad[n] = "a JSON Lines record must be an object"
        elif n == 450:
            lines.append("\u3000\x1c".encode())  # blank to str.strip(), not to JSON
            bad[n] = "invalid JSON"
        elif n == 400:
            lines.append(b"   ")  # blank lines are skipped, not errors
        else:
            lines.append(json.dumps({"n": n, "text": f"Story {n}.\nAdvertisement"}).encode())
    f = write(tmp_path / "corpus.jsonl", b"\r\n".join(lines))  # CRLF, no final newline
    out = tmp_path / "out"
    result = runner.invoke(main, ["--jsonl", "-j", "2", str(f), "-o", str(out)])
    assert result.exit_code == 2
    assert files_under(out) == ["corpus.jsonl"]
    records = [json.loads(x) for x in (out / "corpus.jsonl").read_text().splitlines()]
    expected = [n for n in range(1, 601) if n not in bad and n != 400]
    assert [r["n"] for r in records] == expected
    assert all(r["text"] == f"Story {r['n']}.\n" for r in records)
    errors = [line for line in result.stderr.splitlines() if line.startswith("clean: error:")]
    assert len(errors) == len(bad)
    for n, reason in bad.items():
        assert any(e.startswith(f"clean: error: {f}:{n}: {reason}") for e in errors), (n, errors)
    assert f"clean: {len(expected)} cleaned, {len(bad)} failed" in result.stderr


def test_jsonl_on_error_fail_leaves_no_output_file(runner, tmp_path) -> None:
    f = write(tmp_path / "c.jsonl", '{"text": "One."}\n{oops\n{"text": "Three."}\n')
    out = tmp_path / "out"
    result = runner.invoke(main, ["--jsonl", "--on-error", "fail", str(f), "-o", str(out)])
    assert result.exit_code == 2
    assert f"clean: error: {f}:2: invalid JSON" in result.stderr
    assert "clean: 1 cleaned, 1 failed, stopped at the first error (--on-error fail)" in result.stderr
    assert files_under(out) == []  # neither a half-written output nor a temporary file


def test_gzipped_jsonl_on_stdin(runner) -> None:
    data = "".join(json.dumps({"n": i, "text": DIRTY}) + "\n" for i in range(3)).encode()
    result = runner.invoke(main, ["--jsonl"], input=gzip.compress(data))
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x) for x in result.stdout.splitlines()] == [{"n": i, "text": CLEAN} for i in range(3)]
    result = runner.invoke(main, ["--jsonl"], input=b"\n" + data)  # the first bytes read back in place
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x)["n"] for x in result.stdout.splitlines()] == [0, 1, 2]


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_jsonl_text_with_a_lone_surrogate(runner, tmp_path, fmt) -> None:
    # JSON can escape a lone surrogate ("\\ud800"); the output must still be UTF-8.
    f = write(tmp_path / "s.jsonl", '{"text": "Advertisement\\nThe vote \\ud800 was close."}\n{"text": "Two."}\n')
    out = tmp_path / "out"
    result = runner.invoke(main, ["--jsonl", "--format", fmt, str(f), "-o", str(out)])
    no_crash(result)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(x) for x in (out / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2
    if fmt == "text":
        assert records == [{"text": "The vote \ufffd was close.\n"}, {"text": "Two.\n"}]


def test_truncated_gzip_jsonl_is_reported_and_the_next_file_still_runs(runner, tmp_path) -> None:
    data = gzip.compress("".join(json.dumps({"text": f"Story {i}."}) + "\n" for i in range(2000)).encode())
    broken = write(tmp_path / "a.jsonl.gz", data[: len(data) // 2])
    good = write(tmp_path / "b.jsonl", json.dumps({"text": DIRTY}) + "\n")
    out = tmp_path / "out"
    result = runner.invoke(main, ["--jsonl", str(broken), str(good), "-o", str(out)])
    assert result.exit_code == 2
    assert f"clean: error: {broken}: cannot read:" in result.stderr
    assert files_under(out) == ["b.jsonl"]
    assert json.loads((out / "b.jsonl").read_text()) == {"text": CLEAN}


def test_jsonl_output_never_overwrites_its_input(runner, tmp_path) -> None:
    f = write(tmp_path / "c.jsonl", json.dumps({"text": DIRTY}) + "\n")
    before = f.read_bytes()
    result = runner.invoke(main, ["--jsonl", str(f), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert f"clean: error: {f}: output would overwrite the input" in result.stderr
    assert f.read_bytes() == before
    assert files_under(tmp_path) == ["c.jsonl"]


# --- rule packs ----------------------------------------------------------------

def test_catastrophic_patterns_in_a_user_pack_finish(runner, tmp_path) -> None:
    # Exponential under a backtracking engine; RE2 is linear in the input.
    pack = write(tmp_path / "evil.toml", "\n".join([
        "[[rule]]", 'name = "evil.nested"', 'category = "ads"', "pattern = '''(a+)+$'''",
        "[[rule]]", 'name = "evil.pairs"', 'category = "ads"', "pattern = '''(x+x+)+y'''",
        "[[rule]]", 'name = "evil.alt"', 'category = "ads"', "scope = \"line\"", "pattern = '''(\\w|\\w)*#'''",
        "[[rule]]", 'name = "evil.block"', 'category = "ads"', 'scope = "block"',
        "start = '''(.*a)*b'''", "end = '''(a|aa)+c'''",
    ]) + "\n")
    hostile = "\n".join(["a" * 200_000 + "!", "x" * 200_000, "a" * 100_000 + "b", ARTICLE, "xxxxy"])
    f = write(tmp_path / "hostile.txt", hostile)
    result = runner.invoke(main, ["--rules", str(pack), "--explain", str(f)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "a" * 200_000 + "!\n\n" + "x" * 200_000 + "\n\n" + "a" * 100_000 + "b\n\n" + CLEAN
    assert "evil.pairs" in result.stderr  # the rules did run: "xxxxy" was cut


@pytest.mark.parametrize("rule,message", [
    ("name = 'my.rule'\ncategory = 'adverts'\npattern = 'x'", "rule 'my.rule': unknown category 'adverts'"),
    ("name = 'my.rule'\ncategory = 'ads'\npattern = 'x'\ncolour = 'red'", "rule 'my.rule': unknown field(s): colour"),
    ("name = 'my.rule'\ncategory = 'ads'\nscope = 'line'\npattern = 42", "rule 'my.rule': pattern must be a non-empty string"),
    ("name = 'my.rule'\ncategory = 'ads'\nscope = 'block'\nstart = 'x'\nmax_lines = 1000", "rule 'my.rule': max_lines"),
])
def test_bad_user_pack_exits_2_before_any_output(runner, tmp_path, rule, message) -> None:
    pack = write(tmp_path / "pack.toml", f"[[rule]]\n{rule}\n")
    f = write(tmp_path / "in" / "a.txt", DIRTY)
    out = tmp_path / "out"
    result = runner.invoke(main, ["--rules", str(pack), str(f), "-o", str(out)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert f"clean: error: {pack}: {message}" in result.stderr
    assert not out.exists()


# --- batch runs ----------------------------------------------------------------

def _mixed_folder(src: Path) -> None:
    write(src / "1.txt", f"{ARTICLE} One.\nAdvertisement\n")
    write(src / "2.txt", PNG)
    write(src / "3.txt", f"{ARTICLE} Three.\nSponsored\n")
    write(src / "4.txt", b"\x1f\x8bbroken")
    write(src / "5.txt", f"{ARTICLE} Five.\n")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_on_error_skip_reports_and_goes_on(runner, tmp_path, jobs) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    _mixed_folder(src)
    result = runner.invoke(main, [str(src), "-o", str(out), "-j", jobs])
    assert result.exit_code == 2
    assert files_under(out) == ["1.txt", "3.txt", "5.txt"]
    assert (out / "3.txt").read_text() == f"{ARTICLE} Three.\n"
    assert f"clean: error: {src / '2.txt'}: binary data" in result.stderr
    assert f"clean: error: {src / '4.txt'}: corrupt gzip data" in result.stderr
    assert result.stderr.rstrip().endswith("clean: 3 cleaned, 2 failed")
    result = runner.invoke(main, [str(src), "-j", jobs])  # to stdout: same order, same count
    assert result.exit_code == 2
    assert result.stdout == f"{ARTICLE} One.\n{ARTICLE} Three.\n{ARTICLE} Five.\n"
    assert "clean: 3 cleaned, 2 failed" in result.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_on_error_fail_stops_at_the_first_bad_file(runner, tmp_path, jobs) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    _mixed_folder(src)
    result = runner.invoke(main, [str(src), "-o", str(out), "-j", jobs, "--on-error", "fail"])
    assert result.exit_code == 2
    assert files_under(out) == ["1.txt"]
    assert f"clean: error: {src / '2.txt'}: binary data" in result.stderr
    assert "4.txt" not in result.stderr
    assert "clean: 1 cleaned, 1 failed, stopped at the first error (--on-error fail)" in result.stderr


def test_on_error_fail_with_a_missing_path(runner, tmp_path) -> None:
    good = write(tmp_path / "good.txt", DIRTY)
    result = runner.invoke(main, [str(tmp_path / "nope.txt"), str(good), "--on-error", "fail"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert f"clean: error: {tmp_path / 'nope.txt'}: no such file or directory" in result.stderr
    assert "clean: 0 cleaned, 1 failed, stopped at the first error (--on-error fail)" in result.stderr


def test_an_unexpected_exception_costs_only_its_own_document(runner, tmp_path, monkeypatch) -> None:
    real = Pipeline.run

    def run(self, text, name=""):
        if "Three" in text:
            raise ValueError("simulated bug")
        return real(self, text, name)

    monkeypatch.setattr(Pipeline, "run", run)
    src = tmp_path / "in"
    _mixed_folder(src)
    (src / "2.txt").unlink()
    (src / "4.txt").unlink()
    result = runner.invoke(main, [str(src)])
    assert result.exit_code == 2
    assert result.stdout == f"{ARTICLE} One.\n{ARTICLE} Five.\n"
    assert f"clean: error: {src / '3.txt'}: cannot clean: ValueError: simulated bug" in result.stderr
    lines = "".join(json.dumps({"text": t}) + "\n" for t in ("One.", "Three.", "Five."))
    result = runner.invoke(main, ["--jsonl"], input=lines)
    assert result.exit_code == 2
    assert [json.loads(x)["text"] for x in result.stdout.splitlines()] == ["One.\n", "Five.\n"]
    assert "clean: error: -:2: cannot clean: ValueError: simulated bug" in result.stderr


# --- atomic writes and resuming ------------------------------------------------

def _five_files(src: Path) -> None:
    for i in range(1, 6):
        write(src / f"{i}.txt", f"Advertisement\nStory number {i}. " + ARTICLE * 50 + "\n")


def _break_the_nth_write(monkeypatch, n: int, exc: BaseException) -> None:
    """Make the n-th output file write half its text, then fail with exc."""
    real_fdopen = os.fdopen
    opened = 0

    class HalfWriter:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.fh.close()

        def write(self, text):
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            raise exc

    def fdopen(fd, *args, **kwargs):
        nonlocal opened
        opened += 1
        fh = real_fdopen(fd, *args, **kwargs)
        return HalfWriter(fh) if opened == n else fh

    monkeypatch.setattr(cleaner.io.os, "fdopen", fdopen)


def test_a_failed_write_leaves_no_partial_or_temporary_file(runner, tmp_path, monkeypatch) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    _five_files(src)
    _break_the_nth_write(monkeypatch, 2, OSError(28, "No space left on device"))
    result = runner.invoke(main, [str(src), "-o", str(out)])
    assert result.exit_code == 2
    assert files_under(out) == ["1.txt", "3.txt", "4.txt", "5.txt"]
    assert f"clean: error: {(out / '2.txt').resolve()}: cannot write: No space left on device" in result.stderr
    assert "clean: 4 cleaned, 1 failed" in result.stderr


def test_an_interrupted_run_resumes_with_skip_existing(runner, tmp_path, monkeypatch) -> None:
    src, out, fresh = tmp_path / "in", tmp_path / "out", tmp_path / "fresh"
    _five_files(src)
    assert runner.invoke(main, [str(src), "-o", str(fresh)]).exit_code == 0
    with monkeypatch.context() as m:
        _break_the_nth_write(m, 3, KeyboardInterrupt())
        result = runner.invoke(main, [str(src), "-o", str(out)])
    assert result.exit_code == 1 and "Aborted!" in result.stderr
    assert files_under(out) == ["1.txt", "2.txt"]  # finished files whole, no half or temp file
    for name in ("1.txt", "2.txt"):
        assert (out / name).read_text() == (fresh / name).read_text()
    cleaned: list[str] = []
    real = Pipeline.run

    def run(self, text, name=""):
        cleaned.append(name)
        return real(self, text, name)

    monkeypatch.setattr(Pipeline, "run", run)
    result = runner.invoke(main, [str(src), "-o", str(out), "--skip-existing"])
    assert result.exit_code == 0
    assert cleaned == ["3.txt", "4.txt", "5.txt"]  # finished files are not redone
    assert "clean: 3 cleaned, 0 failed, 2 skipped (output exists)" in result.stderr
    assert files_under(out) == files_under(fresh)
    for name in files_under(fresh):
        assert (out / name).read_text() == (fresh / name).read_text()


def test_an_interrupted_jsonl_run_leaves_nothing_and_reruns(runner, tmp_path, monkeypatch) -> None:
    f = write(tmp_path / "c.jsonl", "".join(json.dumps({"n": i, "text": DIRTY}) + "\n" for i in range(10)))
    out = tmp_path / "out"
    real = Pipeline.run
    seen = 0

    def run(self, text, name=""):
        nonlocal seen
        seen += 1
        if seen == 5:
            raise KeyboardInterrupt
        return real(self, text, name)

    with monkeypatch.context() as m:
        m.setattr(Pipeline, "run", run)
        result = runner.invoke(main, ["--jsonl", str(f), "-o", str(out)])
    assert result.exit_code == 1
    assert files_under(out) == []
    result = runner.invoke(main, ["--jsonl", str(f), "-o", str(out), "--skip-existing"])
    assert result.exit_code == 0
    assert [json.loads(x)["n"] for x in (out / "c.jsonl").read_text().splitlines()] == list(range(10))


# --- output paths stay under -o --------------------------------------------------

def test_odd_input_names_stay_under_the_output_folder(runner, tmp_path, monkeypatch) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    write(src / "..txt", "A.\n")
    write(src / "...txt", "B.\n")
    write(src / ".txt", "C.\n")
    write(src / "-.txt", "D.\n")
    write(src / "--help.txt", "E.\n")
    write(src / "-o.txt", "F.\n")
    write(src / "..\\..\\evil.txt", "G.\n")
    write(src / ".. .txt", "H.\n")
    write(src / "~root.txt", "I.\n")
    write(src / "\u202egnp.txt", "J.\n")
    write(src / "..." / "..txt", "K.\n")
    write(src / "a..b.html.gz", gzip.compress(f"<p>{ARTICLE}</p>".encode()))
    result = runner.invoke(main, [str(src), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert files_under(out) == sorted([
        "..txt", "...txt", ".txt.txt", "-.txt", "--help.txt", "-o.txt", "..\\..\\evil.txt",
        ".. .txt", "~root.txt", "\u202egnp.txt", ".../..txt", "a..b.txt"])
    assert (out / "..\\..\\evil.txt").read_text() == "G.\n"
    assert files_under(tmp_path) == sorted(
        [f"in/{n}" for n in files_under(src)] + [f"out/{n}" for n in files_under(out)])
    # A file called "-" is a file when named as a path; "-" alone is stdin.
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "-", DIRTY)
    result = runner.invoke(main, ["./-", "-", "-o", "dash"], input=f"{OTHER}\nAdvertisement\n")
    assert result.exit_code == 0, result.stderr
    assert files_under(tmp_path / "dash") == ["-.txt", "stdin.txt"]
    assert (tmp_path / "dash" / "-.txt").read_text() == CLEAN
    assert (tmp_path / "dash" / "stdin.txt").read_text() == f"{OTHER}\n"


def test_a_symlink_in_the_output_folder_cannot_lead_outside(runner, tmp_path) -> None:
    src, out, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere"
    write(src / "sub" / "a.txt", DIRTY)
    write(src / "b.txt", DIRTY)
    elsewhere.mkdir()
    out.mkdir()
    (out / "sub").symlink_to(elsewhere, target_is_directory=True)
    result = runner.invoke(main, [str(src), "-o", str(out)])
    assert result.exit_code == 2
    assert f"clean: error: {src / 'sub' / 'a.txt'}: output path 'sub/a.txt' would leave {out}" in result.stderr
    assert list(elsewhere.iterdir()) == []
    assert (out / "b.txt").read_text() == CLEAN


def test_symlinked_inputs_are_written_under_the_output_folder(runner, tmp_path) -> None:
    outside = write(tmp_path / "outside" / "story.txt", DIRTY)
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "link.txt").symlink_to(outside)
    (src / "loop").symlink_to(src, target_is_directory=True)  # a loop is not followed
    result = runner.invoke(main, [str(src), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert files_under(out) == ["link.txt"]
    assert (out / "link.txt").read_text() == CLEAN
    assert outside.read_text() == DIRTY


def test_skip_existing_when_the_output_would_be_the_input(runner, tmp_path) -> None:
    f = write(tmp_path / "a.txt", DIRTY)
    result = runner.invoke(main, [str(f), "-o", str(tmp_path), "--skip-existing"])
    no_crash(result)
    assert result.exit_code == 2
    assert f"clean: error: {f}: output would overwrite the input" in result.stderr
    assert f.read_text() == DIRTY


@pytest.mark.skipif(os.name == "nt", reason="symlinks and case-sensitive names")
def test_folders_list_what_rglob_of_each_glob_lists(tmp_path, monkeypatch) -> None:
    """find_sources walks a folder once for all name globs; the files and names are those
    of Path.rglob run for each glob (hidden files, symlinks, loops, odd names, globs with /)."""
    from cleaner.io import DEFAULT_GLOBS, find_sources

    root = tmp_path / "in"
    for name in ["x.txt", "X.TXT", "a/y.html", "a/b/z.htm.gz", ".hid/h.txt", "a/.dot.txt", "a/q.md", "a/b/-",
                 "a/b/w.txt.gz", "sub.txt"]:
        write(root / name, "x")
    (root / "dir.txt").mkdir()
    (root / "a" / "link.txt").symlink_to(root / "x.txt")
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    (root / "broken.txt").symlink_to(root / "nowhere")
    monkeypatch.chdir(root)

    def per_glob(raw: str, globs: tuple[str, ...]) -> list[tuple[str, str]]:
        path = Path(raw)
        found = sorted({p for g in globs for p in path.rglob(g) if p.is_file()}, key=lambda p: p.relative_to(path).as_posix())
        return [(cleaner.io._file_path(p), p.relative_to(path).as_posix()) for p in found]

    for raw in [str(root), ".", "a", "./a/../a"]:
        for globs in [DEFAULT_GLOBS, ("*.md",), ("*.TXT",), ("b/*.htm.gz",), ("**/*.txt",), ("*",), ("x.txt", "*.txt"),
                      ("[xX].t?t",)]:
            listed = [(s.path, s.relpath) for s in find_sources([raw], globs)]
            assert listed == per_glob(raw, globs), (raw, globs)


def _target_path_resolving_everything(out_dir, compress, source, as_json, suffix=None):
    """_target_path as it was written first (three full resolutions per file): the reference."""
    from cleaner.cli import _output_name
    from cleaner.errors import InputError

    name = _output_name(source, as_json, compress, suffix)
    root = Path(out_dir).resolve()
    target = (root / name).resolve()
    if root not in target.parents:
        raise InputError(f"output path {name!r} would leave {out_dir}", path=source.path)
    if source.path != "-" and target == Path(source.path).resolve():
        raise InputError("output would overwrite the input", path=source.path)
    return target


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_output_paths_are_those_of_resolving_everything(tmp_path, monkeypatch) -> None:
    """Every output path (or refusal) equals the full resolution's: symlinks to files and folders inside
    and outside, missing folders, '.' and '..', the input itself, a hard link of it, a linked output folder."""
    from cleaner.cli import _real_folder, _target_path
    from cleaner.errors import InputError
    from cleaner.io import Source

    monkeypatch.chdir(tmp_path)
    out, src, elsewhere = tmp_path / "out", tmp_path / "src", tmp_path / "elsewhere"
    for folder in (out / "real", src / "real", elsewhere):
        folder.mkdir(parents=True)
    for name in ("a.txt", "real/b.txt", "here.txt"):
        write(src / name, "x")
    write(out / "real" / "b.txt", "old output")
    (out / "away").symlink_to(elsewhere, target_is_directory=True)
    (out / "inside").symlink_to(out / "real", target_is_directory=True)
    (out / "file.txt").symlink_to(src / "a.txt")  # an output name that is a link to an input
    (out / "dangling.txt").symlink_to(tmp_path / "nowhere")
    os.link(src / "a.txt", out / "hard.txt")
    (tmp_path / "linked-out").symlink_to(out, target_is_directory=True)
    write(out / "self.txt", "an input inside the output folder")
    relpaths = ["a.txt", "real/b.txt", "real/new.txt", "away/x.txt", "inside/b.txt", "inside/deep/er/x.txt",
                "file.txt", "dangling.txt", "hard.txt", "self.txt", "missing/dir/x.txt", "./a.txt", "real/../a.txt",
                "../escape.txt", "real/./b.txt", "away/../a.txt"]
    inputs = [str(src / "a.txt"), str(out / "file.txt"), str(out / "self.txt"), str(src / "real" / "b.txt"),
              "src/a.txt", str(tmp_path / "gone.txt"), "-"]
    checked = 0
    for out_dir in ("out", str(out), str(tmp_path / "linked-out"), "out/real/..", "out/"):
        _real_folder.cache_clear()
        for relpath in relpaths:
            for path in inputs:
                for as_json, compress in ((False, False), (True, True)):
                    source = Source(path, relpath)
                    outcomes = []
                    for fn in (_target_path, _target_path_resolving_everything):
                        try:
                            outcomes.append(Path(fn(out_dir, compress, source, as_json)))
                        except InputError as exc:
                            outcomes.append(str(exc))
                    assert outcomes[0] == outcomes[1], (out_dir, relpath, path)
                    checked += 1
    assert checked == 5 * len(relpaths) * len(inputs) * 2


@pytest.mark.parametrize("relpath", ["a.txt", "0001.html.gz", "a/b/c.htm", "x.jsonl", "notes", ".txt", "a.b.c.TXT",
                                     "dir.txt/inner.html", "stdin", "spaced name .txt", "ünï/cödé.html.gz"])
def test_output_names_are_pathlibs(relpath) -> None:
    from cleaner.io import Source, strip_suffixes

    expected = str(Path(relpath).with_name(strip_suffixes(Path(relpath).name) + ".txt"))
    assert Source("x", relpath).output_name == expected


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_written_files_get_the_permissions_of_any_new_file(tmp_path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from cleaner.io import atomic_write

    umask = os.umask(0o022)
    try:
        targets = [tmp_path / "deep" / "er" / f"{i}.txt" for i in range(64)]
        with ThreadPoolExecutor(8) as pool:  # threads of one process never share a temporary file
            list(pool.map(lambda t: atomic_write(t, t.name * 100), targets))
    finally:
        os.umask(umask)
    assert sorted(p.name for p in (tmp_path / "deep" / "er").iterdir()) == sorted(t.name for t in targets)
    for t in targets:
        assert t.read_text() == t.name * 100
        assert t.stat().st_mode & 0o777 == 0o644


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_jsonl_from_a_pipe_is_read_once_and_whole(tmp_path, jobs, compressed) -> None:
    """A pipe (a FIFO, or bash's <(zcat ...)) cannot be opened again from its start: the bytes read to
    look for gzip's magic are data, and every record comes out. (It once came out empty, exit 0.)"""
    import subprocess
    import threading

    from conftest import ROOT

    data = "".join(json.dumps({"n": i, "text": f"Story {i}.\nAdvertisement"}) + "\n" for i in range(300)).encode()
    data = gzip.compress(data) if compressed else data
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb", buffering=0) as fh:
            for i in range(0, len(data), 7):  # a few bytes at a time: the magic may come in two reads
                fh.write(data[i : i + 7])

    threading.Thread(target=feed, daemon=True).start()
    proc = subprocess.run([sys.executable, "-m", "cleaner", "--jsonl", "-j", jobs, str(fifo)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x) for x in proc.stdout.splitlines()] == [
        {"n": i, "text": f"Story {i}.\n"} for i in range(300)]


def test_a_jsonl_output_that_cannot_be_written_is_reported_and_the_run_goes_on(runner, tmp_path, monkeypatch) -> None:
    """A full disk mid-file: an error naming the output, no file and no temporary left, the next input cleaned."""
    import cleaner.cli

    first = write(tmp_path / "in" / "a.jsonl", "".join(json.dumps({"text": f"Story {i}."}) + "\n" for i in range(5)))
    second = write(tmp_path / "in" / "b.jsonl", json.dumps({"text": DIRTY}) + "\n")
    out = tmp_path / "out"
    real_open = open
    opened = 0

    class FullDisk:
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            raise OSError(28, "No space left on device")

        def close(self):
            self.fh.close()

    def fake_open(path, mode="r", *args, **kwargs):
        nonlocal opened
        fh = real_open(path, mode, *args, **kwargs)
        if "w" in mode and str(path).endswith(".tmp"):
            opened += 1
            return FullDisk(fh) if opened == 1 else fh
        return fh

    monkeypatch.setattr(cleaner.cli, "open", fake_open, raising=False)
    result = runner.invoke(main, ["--jsonl", str(first), str(second), "-o", str(out)])
    assert result.exit_code == 2
    assert f"clean: error: {out.resolve() / 'a.jsonl'}: cannot write: No space left on device" in result.stderr
    assert files_under(out) == ["b.jsonl"]  # no a.jsonl, no temporary
    assert (out / "b.jsonl").read_text() == json.dumps({"text": CLEAN}) + "\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("flags", [[], ["--jsonl"]])
def test_a_full_stdout_is_an_error_not_a_traceback(tmp_path, flags) -> None:
    import subprocess

    from conftest import ROOT

    f = write(tmp_path / "in.jsonl", json.dumps({"text": DIRTY}) + "\n")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "cleaner", *flags, str(f)], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2
    assert "clean: error: cannot write to stdout: No space left on device" in proc.stderr
    assert "Traceback" not in proc.stderr
