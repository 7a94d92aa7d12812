"""Speed of `cleaner`, measured in one run on one machine.

    python benchmarks/speed.py [TEXT_DIR] [--html-dir DIR] [--stream-mb 100,1000]

Prints: whether the C extension is in use (CLEANER_NATIVE=0 turns it off), the floor (one pass of a single case-insensitive compiled regex over
the corpus), text-mode MB/s per core for the whole pipeline (Unicode repair,
rules, classifier) and its ratio to the floor, each stage alone, HTML-mode
pages/s beside plain trafilatura on the same pages, `clean -j 1` against
`clean -j 2` on the same JSONL and on a folder of the same documents (wall
and CPU time, and the load average they ran under), peak memory of streaming JSONL runs, and
pathological inputs at two sizes with the time ratio. The corpus is made from
seeds/ and the text files of TEXT_DIR (for example the WCXB text folder).
No data is written into the repository; temporary files go to a temp folder
(--tmp DIR: another, for example a tmpfs, when the disk's own costs should stay
out of the folder rows; the run prints what creating a file there costs).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cleaner
from cleaner import Pipeline, settings
from cleaner.classify import find_boilerplate
from cleaner.html import TRAFILATURA_OPTIONS
from cleaner.text import repair

ROOT = Path(__file__).resolve().parent.parent
CORPUS_MB = 10.0  # enough for stable numbers, small enough for a laptop run
SCALING_MB = 60  # the -j 1 / -j 2 row; start-up (imports, stoplists, RE2's first states: about 2 s) is in both


def documents(text_dir: Path | None) -> list[str]:
    """The documents of seeds/ and text_dir, each once."""
    paths = sorted((ROOT / "seeds").glob("*.txt"))
    if text_dir is not None:
        paths += sorted(text_dir.glob("*.txt"))
    return [p.read_text(encoding="utf-8") for p in paths]


def corpus(text_dir: Path | None, target_mb: float) -> list[str]:
    """Documents from seeds/ and text_dir, repeated until target_mb of UTF-8."""
    docs = documents(text_dir)
    out, size = [], 0
    while size < target_mb * 1e6:
        for d in docs:
            out.append(d)
            size += len(d.encode("utf-8"))
            if size >= target_mb * 1e6:
                break
    return out


CLOCK = time.perf_counter  # --clock cpu: time.process_time, this process's CPU time (for loaded machines)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of fn takes."""
    start = CLOCK()
    fn()
    return CLOCK() - start


REPEAT = 3  # each timing is the best of this many runs: shared and virtual machines are noisy


def best(fn: Callable[[], object], repeat: int | None = None) -> float:
    """Seconds of the fastest of `repeat` calls of fn."""
    return min(timed(fn) for _ in range(repeat or REPEAT))


def row(name: str, mb: float, secs: float, floor_secs: float | None = None, pair_ratio: float | None = None) -> str:
    """One line of the text table; the ratio is secs over the floor's seconds on the same text
    (and, if given, the median of each run's ratio to the floor pass just before it)."""
    ratio = f"   {secs / floor_secs:5.1f}x the floor's time" if floor_secs else ""
    if pair_ratio is not None:
        ratio += f" (median of pairs {pair_ratio:.1f}x)"
    return f"{name:42} {mb / secs:8.2f} MB/s  ({secs:6.2f} s){ratio}"


FLOOR = re.compile("advertisement", re.IGNORECASE)  # the floor: one pass of one case-insensitive regex


def paired(fn: Callable[[], object], floor: Callable[[], object],
           repeat: int | None = None) -> tuple[float, float, float]:
    """(best seconds of fn, best seconds of floor, median ratio of each fn run to the floor run before it),
    from `repeat` runs of each, alternated.

    This machine's speed drifts from minute to minute, and the floor (a tight
    loop in C) drifts more than the pipeline: each row's ratio is taken to the
    floor passes run between its own runs, not to one measured earlier; the
    median of the pairs' ratios is the steadier figure when one pass of either
    falls in a fast moment.
    """
    fns, floors = [], []
    for _ in range(repeat or REPEAT):
        floors.append(timed(floor))
        fns.append(timed(fn))
    ratios = sorted(a / b for a, b in zip(fns, floors))
    return min(fns), min(floors), ratios[len(ratios) // 2]


def text_mode(docs: list[str]) -> None:
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    whole = "\n".join(docs)

    def floor() -> object:
        return FLOOR.findall(whole)

    clock = "CPU time" if CLOCK is time.process_time else "wall clock"
    print(f"corpus: {len(docs)} documents, {mb:.1f} MB; every row is the best of {REPEAT} runs ({clock});")
    print("each ratio is to the floor passes run between that row's runs (the same text)")
    native = getattr(cleaner, "native_available", lambda: False)()  # older versions have no extension
    print(f"C extension (_cleaner_native): {'in use' if native else 'NOT in use (pure Python)'}\n")
    print(row("floor: one case-insensitive regex pass", mb, best(floor, 5)))  # best of 5: it is short
    full = Pipeline(settings(format="text"))
    rules = Pipeline(settings(format="text", keep=["boilerplate"]))
    full.run(docs[0])
    repaired = [repair(d) for d in docs]
    print(row("repair (ftfy, exact fast path)", mb, *paired(lambda: [repair(d) for d in docs], floor)))
    print(row("rule pass", mb, *paired(lambda: [rules.cleaner.run_source(d) for d in repaired], floor)))
    print(row("classifier", mb, *paired(lambda: [find_boilerplate(d) for d in repaired], floor)))
    print(row("whole text pipeline (one core)", mb, *paired(lambda: [full.run(d) for d in docs], floor)))
    print(row("whole pipeline, first pass (fresh process)", mb, *first_pass(docs)))
    warm, timed = docs[0::2], docs[1::2]  # every other document: two halves of the same mix
    timed_mb = sum(len(d.encode("utf-8")) for d in timed) / 1e6
    print(row("  one half, after the other (fresh process)", timed_mb, *first_pass(warm + timed, len(warm))))
    print("  (the stage rows are the best of repeated passes over the same text, in which RE2's lazily\n"
          "   built DFA states are cached; the first-pass row is one pass with them built as the text needs\n"
          "   them; the last row times every other document, new text, once the rest are done: a long run's speed;\n"
          "   the fresh processes time the floor on the text they cleaned, best of 3 after the pass)")


# One timed pass in a new process: the pipeline built and its tables loaded on a short text, the
# first `skip` documents cleaned untimed, then every other document once. RE2 builds DFA states on
# first need, so this is the speed on text it meets new (after `skip` documents of other text).
# Then the floor on the same documents, best of 3, for the row's ratio.
FIRST_PASS = """
import json, re, sys, time
from cleaner import Pipeline, settings
docs = json.load(open(sys.argv[1], encoding="utf-8"))
skip = int(sys.argv[3])
p = Pipeline(settings(format="text"))
p.run("Warm-up line one.\\n\\nThe council met on Tuesday and approved the budget after a long debate.\\n" * 3)
for d in docs[:skip]:
    p.run(d)
clock = time.process_time if sys.argv[2] == "cpu" else time.perf_counter
t = clock()
for d in docs[skip:]:
    p.run(d)
secs = clock() - t
whole, floor = "\\n".join(docs[skip:]), re.compile(sys.argv[4], re.IGNORECASE)
floors = []
for _ in range(3):
    t = clock()
    floor.findall(whole)
    floors.append(clock() - t)
print(secs, min(floors))
"""


def first_pass(docs: list[str], skip: int = 0) -> tuple[float, float]:
    """(seconds of one pass of the whole text pipeline over docs[skip:], in a fresh process that cleaned
    docs[:skip] first; the floor's best seconds on the same documents, in that process)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "docs.json"
        path.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
        clock = "cpu" if CLOCK is time.process_time else "wall"
        # cwd: a folder without the source tree, which "python -c" would import instead of the installed cleaner
        out = subprocess.run([sys.executable, "-c", FIRST_PASS, str(path), clock, str(skip), FLOOR.pattern],
                             check=True, capture_output=True, text=True, cwd=tmp)
    secs, floor = map(float, out.stdout.split())
    return secs, floor


def html_mode(html_dir: Path, limit: int) -> None:
    import trafilatura

    pages = []
    for path in sorted(html_dir.glob("*.html*"))[:limit]:
        data = path.read_bytes()
        data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        pages.append(data.decode("utf-8", errors="replace"))
    full = Pipeline(settings(format="html"))
    full.run(pages[0])
    plain_runs, our_runs = [], []
    for _ in range(REPEAT):  # interleaved, so both see the same machine
        plain_runs.append(timed(lambda: [trafilatura.extract(p, **TRAFILATURA_OPTIONS) for p in pages]))
        our_runs.append(timed(lambda: [full.run(p) for p in pages]))
    plain, ours = min(plain_runs), min(our_runs)
    # Each round's own ratio too: a fast minute that favours one row's best run moves the ratio of
    # the bests, while each round's two runs ran a few seconds apart.
    rounds = sorted(100 * (o - p) / p for p, o in zip(plain_runs, our_runs))
    clock = "CPU time" if CLOCK is time.process_time else "wall clock"
    print(f"\nHTML mode, {len(pages)} pages, one core, best of {REPEAT} interleaved runs ({clock}):")
    print(f"  plain trafilatura.extract   {len(pages) / plain:7.1f} pages/s")
    print(f"  cleaner (extract + rest)    {len(pages) / ours:7.1f} pages/s   "
          f"added cost {100 * (ours - plain) / plain:+.0f}% of trafilatura's time")
    print(f"  added cost in each round: {', '.join(f'{r:+.0f}%' for r in rounds)} "
          f"(median {rounds[len(rounds) // 2]:+.0f}%)")


def write_jsonl(path: Path, docs: list[str], target_mb: float | None) -> int:
    """A JSONL file of about target_mb, records cycling through docs (None: each document once); returns the record count."""
    n, size = 0, 0
    limit = float("inf") if target_mb is None else target_mb * 1e6
    with open(path, "w", encoding="utf-8") as fh:
        while size < limit:
            for d in docs:
                line = json.dumps({"id": n, "text": d}, ensure_ascii=False) + "\n"
                fh.write(line)
                n += 1
                size += len(line.encode("utf-8"))
                if size >= limit:
                    break
            if target_mb is None:
                break
    return n


# Runs `clean` and reports its own usage. A child forked from this (large) benchmark process
# would count this process's memory in its peak RSS (Linux keeps the pre-exec high-water
# mark), so a small launcher process forks it instead and reads its usage with wait4.
LAUNCH = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
sys.exit(os.waitstatus_to_exitcode(status))  # clean's own exit status
"""


# The corpus is whole-page text, and JSONL records have no file name to say so: without this, a
# record that opens with HTML tags (WCXB has one, a page about <table>) is sniffed as HTML and loads
# trafilatura in whichever process meets it (0.5 s, 70 MB), which is HTML mode's cost, not text mode's.
TEXT = ["--format", "text"]


def run_clean(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB, largest process) and CPU seconds (all its processes) of one `clean` run."""
    exe = Path(sys.executable).with_name("clean")
    out = subprocess.run([sys.executable, "-c", LAUNCH, str(exe), *args], capture_output=True, text=True)
    if out.returncode != 0:  # clean's summary line stays out of the table; its errors do not
        sys.stderr.write(out.stderr)
        raise subprocess.CalledProcessError(out.returncode, ["clean", *args])
    secs, rss, cpu = out.stdout.split()
    return float(secs), int(rss) / 1024, float(cpu)


def _pair(make_args: Callable[[int], list[str]], repeat: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall, CPU) of `clean -j 1` and `clean -j 2`, best wall of `repeat` interleaved runs each."""
    ones, twos = [], []
    for _ in range(repeat):
        ones.append(run_clean(make_args(1)))
        twos.append(run_clean(make_args(2)))
    one, two = min(ones), min(twos)
    return (one[0], one[2]), (two[0], two[2])


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def ceiling(docs: list[str], mb: float | None, repeat: int, tmp: Path) -> str:
    """Two independent `clean -j 1` runs on two halves of a JSONL file, at once against one after the other.

    No -j 2 can beat what two unrelated processes get from the machine's two cores
    (on a virtual machine whose cores share a physical one, each runs slower beside the other).
    """
    halves = [tmp / f"half-{k}.jsonl" for k in (0, 1)]
    for k, path in enumerate(halves):
        write_jsonl(path, docs[k::2], None if mb is None else mb / 2)
    exe = str(Path(sys.executable).with_name("clean"))
    apart, together = [], []
    for _ in range(repeat):
        apart.append(sum(run_clean(["--jsonl", *TEXT, str(path)])[0] for path in halves))
        start = time.perf_counter()  # through the launcher too, as run_clean starts them apart
        procs = [subprocess.Popen([sys.executable, "-c", LAUNCH, exe, "--jsonl", *TEXT, str(path)],
                                  stdout=subprocess.DEVNULL) for path in halves]
        if any(p.wait() for p in procs):
            raise RuntimeError("clean failed")
        together.append(time.perf_counter() - start)
    for path in halves:
        path.unlink()
    one, two = min(apart), min(together)
    what = "the same documents" if mb is None else f"{mb:g} MB"
    return (f"the machine's ceiling: two clean -j 1 on halves of {what}, one after the other {one:.1f} s, "
            f"at once {two:.1f} s: {one / two:.2f}x")


def create_cost(tmp: Path, count: int = 200) -> float:
    """Microseconds to create, write (10 kB) and close one new file in tmp, best of 3 rounds of count files."""
    best_secs = float("inf")
    data = b"x" * 10_000
    for round_ in range(3):
        folder = tmp / f"create-{round_}"
        folder.mkdir()
        start = time.perf_counter()
        for i in range(count):
            (folder / f"{i:06d}.txt").write_bytes(data)
        best_secs = min(best_secs, time.perf_counter() - start)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return best_secs / count * 1e6


def scaling(docs: list[str], sizes: list[float], repeat: int, tmp: Path, files_mb: list[float] = (),
            distinct: list[str] = ()) -> None:
    """-j 1 against -j 2 on JSONL files of the given sizes and on folders of files, with the load they ran under.

    The sized files cycle through docs; a file of the ``distinct`` documents, each once, comes first
    (a real corpus repeats no document; a repeated one meets RE2's DFA states warm in one process).
    The folders hold the corpus once, or files cycling through it up to each of ``files_mb``.
    """
    cores = os.cpu_count()
    print(f"\n-j 1 against -j 2 ({cores} cores here), best of {repeat} interleaved; "
          "load average (1/5/15 min) before and after each row:")
    rows: list[tuple[list[str], float | None]] = [(list(distinct), None)] if distinct else []
    for group, mb in rows + [(docs, mb) for mb in sizes]:
        src = tmp / "scale.jsonl"
        records = write_jsonl(src, group, mb)
        what = f"{mb:g} MB" if mb is not None else f"every document once ({records} records, {src.stat().st_size / 1e6:.0f} MB)"
        load = _load()
        (one, cpu1), (two, cpu2) = _pair(lambda j: ["--jsonl", *TEXT, "-j", str(j), str(src)], repeat)
        print(f"  clean --jsonl, {what}: -j 1 {one:.1f} s (CPU {cpu1:.1f} s), -j 2 {two:.1f} s "
              f"(CPU {cpu2:.1f} s, {cpu2 / two:.1f} cores busy): speed-up {one / two:.2f}x; load {load} -> {_load()}")
        src.unlink()
        print("  " + ceiling(group, mb, repeat, tmp))
    print(f"  creating a file in {tmp}: {create_cost(tmp):.0f} us (the folder rows create one per input)")
    for k, mb in enumerate(files_mb or [None]):
        folder = tmp / f"files-{k}"
        folder.mkdir()
        count, size = 0, 0
        while count < len(docs) or (mb is not None and size < mb * 1e6):
            d = docs[count % len(docs)]
            (folder / f"{count:06d}.txt").write_text(d, encoding="utf-8")
            count, size = count + 1, size + len(d.encode("utf-8"))
            if mb is not None and size >= mb * 1e6:
                break
        load = _load()
        (one, cpu1), (two, cpu2) = _pair(
            lambda j: [str(folder), "-o", str(tmp / f"out-{k}-{j}"), "-j", str(j)], repeat)
        print(f"  clean DIR -o OUT, {count} files ({size / 1e6:.0f} MB): -j 1 {one:.1f} s (CPU {cpu1:.1f} s), "
              f"-j 2 {two:.1f} s (CPU {cpu2:.1f} s, {cpu2 / two:.1f} cores busy): speed-up {one / two:.2f}x; "
              f"load {load} -> {_load()}")


def streaming(docs: list[str], stream_mb: list[float], tmp: Path) -> None:
    for mb in stream_mb:
        path = tmp / f"stream-{mb:g}.jsonl"
        records = write_jsonl(path, docs, mb)
        secs, peak, _ = run_clean(["--jsonl", *TEXT, "-j", "2", str(path), "-o", str(tmp / "out")])
        print(f"streaming {mb:g} MB JSONL ({records} records), -j 2: {secs:.1f} s, peak RSS {peak:.0f} MB")
        path.unlink()


def pathological(tmp: Path) -> None:
    pipeline = Pipeline(settings(format="text"))
    html = Pipeline(settings(format="html"))
    cases: dict[str, Callable[[int], str]] = {
        "one line of words": lambda n: ("word " * (n // 5)),
        "one line, no spaces": lambda n: "a" * n,
        "short lines": lambda n: "Line of text.\n" * (n // 14),
        "icon labels": lambda n: "Email An icon of a paper envelope. " * (n // 35),
        "'Read more:' headers": lambda n: "Read more:\n" * (n // 11),
    }
    print("\npathological inputs, time at 2 MB and 4 MB (ratio ~2 means linear):")
    for name, make in cases.items():
        small, large = make(2_000_000), make(4_000_000)
        t1, t2 = timed(lambda: pipeline.run(small)), timed(lambda: pipeline.run(large))
        print(f"  {name:24} {t1:6.2f} s  {t2:6.2f} s  ratio {t2 / t1:4.1f}")
    big = ("Sign up to our newsletter. The council met again on Tuesday. " * 900_000)[:50_000_000]
    t = timed(lambda: pipeline.run(big))
    print(f"  one line of 50 MB         {t:6.2f} s  ({50 / t:.1f} MB/s)")
    for depth in (2_000, 4_000):
        page = "<html><body>" + "<div>" * depth + "deep text" + "</div>" * depth + "</body></html>"
        t = timed(lambda: html.run(page))
        print(f"  nested HTML, depth {depth:<6}  {t:6.2f} s")


def main() -> None:
    global REPEAT, CLOCK
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("text_dir", type=Path, nargs="?", help="folder of .txt files to add to the corpus")
    ap.add_argument("--html-dir", type=Path, help="folder of .html/.html.gz pages for the HTML-mode row")
    ap.add_argument("--html-limit", type=int, default=300)
    ap.add_argument("--corpus-mb", type=float, default=CORPUS_MB)
    ap.add_argument("--stream-mb", default="100", help="comma-separated JSONL sizes for the memory runs")
    ap.add_argument("--scaling-mb", default=str(SCALING_MB), help="comma-separated JSONL sizes for -j 1 against -j 2")
    ap.add_argument("--files-mb", default="", help="comma-separated sizes of the folders of files for -j 1 against -j 2 "
                    "(default: the corpus once)")
    ap.add_argument("--scaling-repeat", type=int, default=1, help="interleaved -j 1 / -j 2 runs per row (the best is kept)")
    ap.add_argument("--scaling-only", action="store_true", help="only the -j 1 / -j 2 rows")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is reported")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="time in-process rows by wall clock or by this process's CPU time (a shared machine)")
    ap.add_argument("--text-only", action="store_true", help="only the floor and the text-mode rows")
    ap.add_argument("--tmp", type=Path, default=None,
                    help="folder for the -j and streaming rows' files (default: the system's temp folder)")
    ap.add_argument("--html-only", action="store_true", help="only the HTML-mode row (needs --html-dir)")
    args = ap.parse_args()
    REPEAT = max(1, args.repeat)
    if args.clock == "cpu":
        CLOCK = time.process_time
    if args.html_only:
        if not args.html_dir:
            ap.error("--html-only needs --html-dir")
        html_mode(args.html_dir, args.html_limit)
        return
    docs = corpus(args.text_dir, args.corpus_mb)
    distinct = documents(args.text_dir)
    sizes = [float(x) for x in args.scaling_mb.split(",") if x]
    files_mb = [float(x) for x in args.files_mb.split(",") if x]
    if args.scaling_only:
        with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
            scaling(docs, sizes, max(1, args.scaling_repeat), Path(tmp), files_mb, distinct)
        return
    text_mode(docs)
    if args.text_only:
        return
    if args.html_dir:
        html_mode(args.html_dir, args.html_limit)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        scaling(docs, sizes, max(1, args.scaling_repeat), Path(tmp), files_mb, distinct)
        streaming(docs, [float(x) for x in args.stream_mb.split(",") if x], Path(tmp))
    pathological(Path(tempfile.gettempdir()))


if __name__ == "__main__":
    main()
