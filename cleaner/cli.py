"""The `clean` command: a thin shell that turns flags into Settings and files into Results."""
from __future__ import annotations

import contextlib
import errno
import functools
import gc
import io
import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .api import CLEANERS, FORMATS, Pipeline, Settings
from .errors import CleanerError, InputError
from .io import (
    DEFAULT_GLOBS, JSONL_GLOBS, Source, atomic_write, decode, find_sources, gunzip, gzip_writer, open_blocks,
    output_name, read_bytes,
)
from .jsonl import clean_block
from .model import Result
from .pipeline import CleanerConfig

if TYPE_CHECKING:  # imported where used: -j 1 and --diff runs need neither (start-up is serial time)
    from concurrent.futures import Future, ProcessPoolExecutor

PROGRESS_MIN_INPUTS = 20  # fewer inputs than this finish before a bar would help
JSONL_BLOCK_BYTES = 1 << 20  # JSONL goes to a worker in blocks of lines of about this size: small enough
# that workers finish together, large enough that the main process does little per record
DOCUMENT_BATCH = 64  # files sent to a worker at once, at most (fewer as the end nears)
IN_FLIGHT_PER_WORKER = 4  # tasks queued per worker: keeps workers busy, memory flat
# The collector's first threshold in this process. At Python's 700, clean --jsonl over 25 MB spent
# 0.09-0.13 s in collections (gc.callbacks), more than half of it in the older generations, which a
# higher threshold makes rare (and gc.freeze empties). Only the command sets it: as a library,
# cleaner leaves gc to its host program.
GC_THRESHOLD = 50_000
EXPLAIN_WIDTH = 100  # removed text longer than this is shortened in --explain


@dataclass
class Outcome:
    """What cleaning one document produced, sent back from a worker: its rendered output."""

    source: Source
    output: str | None = None
    explain: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    written: bool = False  # the worker wrote the output file itself (output is then None)


# One pipeline per process: built once, then reused for every document. With the
# fork start method the workers inherit the one built (and warmed) before the pool.
_PIPELINE: Pipeline | None = None
_RENDER = (False, False)  # --json, --explain: how workers render a document
# -o OUT (and --gzip): the workers write each output file themselves, in parallel; None: the main process does.
_WRITE: tuple[str, bool] | None = None


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _init_worker(
    settings: Settings, render: tuple[bool, bool] = (False, False), write: tuple[str, bool] | None = None
) -> None:
    global _PIPELINE, _RENDER, _WRITE
    if _PIPELINE is None or _PIPELINE.settings != settings:
        _PIPELINE = Pipeline(settings)
    _RENDER = render
    _WRITE = write


def _clean_sources(tasks: list[tuple[Source, bytes | None]]) -> list[Outcome]:
    return [_clean_source(task) for task in tasks]


def _clean_source(task: tuple[Source, bytes | None]) -> Outcome:
    source, data = task
    assert _PIPELINE is not None
    outcome = Outcome(source)
    try:
        raw = read_bytes(source.path) if data is None else gunzip(data, source.path)
        text, warning = decode(raw, source.path)
        if warning:
            outcome.warnings.append(f"{source.path}: {warning}")
        result = _PIPELINE.run(text, name=Path(source.path).name)
        as_json, explain = _RENDER
        outcome.output = _rendered(result, source, as_json)
        outcome.explain = _explained(source.path, result) if explain else None
        if _WRITE is not None:
            _write(outcome, _target_path(*_WRITE, source, as_json), _WRITE[1])
    except CleanerError as exc:
        outcome.error = str(exc)
    except RecursionError:
        outcome.error = f"{source.path}: input too deeply nested to parse"
    except Exception as exc:  # a bug must not cost the other inputs: report it, go on
        outcome.error = f"{source.path}: cannot clean: {type(exc).__name__}: {exc}"
    return outcome


def _write(outcome: Outcome, target: Path, compress: bool) -> None:
    """Write the outcome's output to target (never half-written); a failure becomes its error."""
    if outcome.output is None:
        return
    try:
        atomic_write(target, outcome.output, compress=compress)
    except OSError as exc:
        outcome.error = _cannot_write(target, exc)
        return
    outcome.output, outcome.written = None, True


def _cannot_write(target: Path | None, exc: OSError) -> str:
    return f"{target}: cannot write: {exc.strerror or exc}"


def _clean_block(task: tuple[str, int, bytes, str, str]) -> list[tuple[bytes | InputError, int]]:
    """Parse, clean and re-serialise a block of raw JSONL lines (in the worker, so the main
    process only reads and writes bytes): see cleaner.jsonl.clean_block."""
    assert _PIPELINE is not None
    return clean_block(_PIPELINE, *task)


class Run:
    """The state of one `clean` invocation: where outputs go and what went wrong."""

    def __init__(self, opts: dict[str, Any]) -> None:
        self.opts = opts
        self.errors = 0
        self.done = 0
        self.skipped = 0
        self.differ = 0
        self.stopped = False
        self.out_dir: str | None = opts["output_dir"] or opts["golden_dir"]

    def fail(self, message: str) -> None:
        """Report a bad input on stderr; stop now under --on-error fail."""
        self.errors += 1
        click.echo(f"clean: error: {message}", err=True)
        if self.opts["on_error"] == "fail":
            self.stopped = True
            raise SystemExit(2)

    def summary(self) -> None:
        """One line on stderr counting what was done, when anything needs saying."""
        if self.errors or self.skipped or self.out_dir:
            parts = [f"{self.done} cleaned", f"{self.errors} failed"]
            if self.skipped:
                parts.append(f"{self.skipped} skipped (output exists)")
            if self.opts["golden_dir"]:
                parts.append(f"golden files written to {self.opts['golden_dir']}")
            if self.stopped:
                parts.append("stopped at the first error (--on-error fail)")
            click.echo("clean: " + ", ".join(parts), err=True)

    def exit_code(self) -> int:
        """2 if any input failed, else 1 if a diff found differences, else 0."""
        return 2 if self.errors else 1 if self.differ else 0


def _pool(
    settings: Settings, jobs: int, render: tuple[bool, bool] = (False, False), write: tuple[str, bool] | None = None
) -> ProcessPoolExecutor | None:
    """None for -j 1 (clean in this process), else a pool of worker processes (``write``: see _WRITE).

    Under the fork start method (Linux's default) the pipeline is built here,
    the classifier's tables loaded, and the objects frozen out of the garbage
    collector's sight before the workers are forked: they share all of it
    instead of each building and loading their own.
    """
    _init_worker(settings, render, write)
    if jobs <= 1:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        if multiprocessing.get_start_method() == "fork":
            _warm(settings)
            gc.freeze()  # the workers' collections then never touch (and so copy) the shared objects
            return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
        return ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(settings, render, write))
    except (OSError, ImportError) as exc:  # no semaphores (no /dev/shm, some sandboxes): one process still works
        gc.unfreeze()
        click.echo(f"clean: warning: cannot start worker processes ({exc}); cleaning in this one", err=True)
        return None


def _warm(settings: Settings) -> None:
    """Load what the first text document would load (the classifier's stoplists and weights), if it may be used."""
    config = settings.config
    if settings.format != "html" and settings.cleaner != "trafilatura" and "boilerplate" not in config.keep:
        from .classify import _lexicon, load_model, native_model

        _lexicon()
        if native_model() is None:  # the numpy model only where no C scorer is built
            load_model()


def _map(pool: ProcessPoolExecutor | None, fn: Any, tasks: Iterable[Any]) -> Iterator[Any]:
    """Map in input order, in this process or in the pool, with few tasks in flight.

    Executor.map would submit every task at once (reading a whole JSONL file
    into memory); here at most IN_FLIGHT_PER_WORKER tasks per worker wait, so
    memory stays flat whatever the input size.
    """
    if pool is None:
        for i, task in enumerate(tasks):
            yield fn(task)
            if i == 0:  # what the first task loaded (the classifier's tables) stays: collections skip it
                gc.freeze()
        return
    pending: deque[Future[Any]] = deque()
    limit = IN_FLIGHT_PER_WORKER * pool._max_workers  # type: ignore[attr-defined]
    for task in tasks:
        pending.append(pool.submit(fn, task))
        if len(pending) >= limit:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _explained(name: str, result: Result) -> str:
    """Every removal of one document, one line each (for stderr)."""
    lines = [f"{name}: {len(result.removed)} removal(s)"]
    for key, value in result.metadata.items():
        lines.append(f"  metadata  {key} = {value!r}")
    for r in result.removed:
        text = " ".join(r.text.split())
        if len(text) > EXPLAIN_WIDTH:
            text = text[: EXPLAIN_WIDTH - 3] + "..."
        lines.append(f"  {r.category:<10} {r.rule:<30} {r.start}-{r.end}  {text!r}")
    return "\n".join(lines)


def _rendered(result: Result, source: Source, as_json: bool) -> str:
    if as_json:
        return json.dumps({"source": source.path, **result.to_dict()}, ensure_ascii=False) + "\n"
    return result.text


def _target(run: Run, source: Source, as_json: bool, suffix: str | None = None) -> Path | None:
    """The output file for a source under -o/--update-golden, refusing to leave the folder."""
    if run.out_dir is None:
        return None
    return _target_path(run.out_dir, run.opts["gzip"], source, as_json, suffix)


def _output_name(source: Source, as_json: bool, compress: bool, suffix: str | None = None) -> str:
    """The source's output file name, relative to the output folder."""
    suffix = (suffix or (".json" if as_json else ".txt")) + (".gz" if compress else "")
    return "stdin" + suffix if source.path == "-" else output_name(source.relpath, suffix)


def _target_path(out_dir: str, compress: bool, source: Source, as_json: bool, suffix: str | None = None) -> Path:
    """The output file for a source in out_dir, refusing to leave the folder or overwrite the input.

    That is: with symlinks followed, the file lies below the folder and is not the
    input. Resolving all three paths for each file cost about 0.1 ms (some fifteen
    lstats); here the folder is resolved once per run, the name's components take
    one lstat each (a symlink, '.' or '..' among them takes the full way), and the
    input is resolved only when the output exists and is the same file.
    """
    name = _output_name(source, as_json, compress, suffix)
    root = _real_folder(os.path.abspath(out_dir))
    target, st = _plain_path(root, name)
    if target is None:
        target = os.path.realpath(os.path.join(root, name))
        if target == root or os.path.commonpath([root, target]) != root:
            raise InputError(f"output path {name!r} would leave {out_dir}", path=source.path)
        try:
            st = os.stat(target)
        except OSError:
            st = None
    # An output that does not exist is not the input (which was read); one that does is only if it is the same file.
    if source.path != "-" and st is not None and _maybe_same_file(st, source.path):
        if target == os.path.realpath(source.path):
            raise InputError("output would overwrite the input", path=source.path)
    return Path(target)


@functools.lru_cache(maxsize=16)
def _real_folder(path: str) -> str:
    """An absolute folder's resolved path, once per run (main clears it): the same for every output."""
    return os.path.realpath(path)


def _plain_path(root: str, name: str) -> tuple[str | None, os.stat_result | None]:
    """(root/name, its lstat or None if it does not exist) when that is its resolved path: no component
    is empty, '.', '..' or a symlink. (None, None) when it may not be."""
    parts = name.replace(os.altsep, os.sep).split(os.sep) if os.altsep else name.split(os.sep)
    if os.path.isabs(name) or any(p in ("", ".", "..") for p in parts):
        return None, None
    path = root
    for i, part in enumerate(parts):
        path = os.path.join(path, part)
        try:
            st = os.lstat(path)
        except FileNotFoundError:  # nothing below it exists: the rest is as written
            return os.path.join(path, *parts[i + 1:]), None
        except OSError:
            return None, None
        if stat.S_ISLNK(st.st_mode):
            return None, None
    return path, st


def _maybe_same_file(st: os.stat_result, path: str) -> bool:
    """Whether the file at path may be the one st describes (same device and inode, or path unreadable)."""
    try:
        other = os.stat(path)
    except OSError:
        return True
    return (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)


def _run_documents(run: Run, sources: list[Source], settings: Settings) -> None:
    opts = run.opts
    stdin = _stdin()
    tasks: list[tuple[Source, bytes | None]] = []
    for source in sources:
        if run.out_dir and opts["skip_existing"] and source.path != "-":
            try:
                target = _target(run, source, opts["as_json"])
            except InputError:
                target = None  # refused again, and reported, when it is delivered
            if target is not None and target.exists():
                run.skipped += 1
                continue
        tasks.append((source, stdin.read() if source.path == "-" else None))
    kept = {id(source) for source in _one_source_per_output(run, [task[0] for task in tasks])}
    tasks = [task for task in tasks if id(task[0]) in kept]
    # Under -o the workers write the files (in parallel); the main process only counts and reports.
    # --on-error fail stops at the first error, so there it writes them itself, in order.
    parallel_writes = bool(run.out_dir) and not opts["diff_dir"] and opts["on_error"] != "fail"
    write = (run.out_dir, bool(opts["gzip"])) if parallel_writes else None
    batches = _batches(tasks, opts["jobs"])
    pool = _pool(settings, min(opts["jobs"], len(batches)), (opts["as_json"], opts["explain"]), write)
    try:
        outcomes = (outcome for batch in _map(pool, _clean_sources, batches) for outcome in batch)
        show_bar = _stderr_is_terminal() and len(tasks) >= PROGRESS_MIN_INPUTS
        shown = click.progressbar(outcomes, length=len(tasks), file=sys.stderr, label="cleaning") if show_bar else None
        with shown if shown is not None else contextlib.nullcontext(outcomes) as bar:
            for outcome in bar:
                _deliver(run, outcome)
    finally:
        _shutdown(pool)


def _batches(tasks: list[Any], jobs: int) -> list[list[Any]]:
    """The tasks in batches for the workers, in order, each a (jobs * IN_FLIGHT_PER_WORKER)th
    of the tasks left, at most DOCUMENT_BATCH and at least one: large batches while much is
    left (few round trips through the main process), one task at a time at the end (the
    workers finish together), and a few tasks spread over every worker.
    """
    batches, start, share = [], 0, jobs * IN_FLIGHT_PER_WORKER
    while start < len(tasks):
        size = max(1, min(DOCUMENT_BATCH, (len(tasks) - start) // share))
        batches.append(tasks[start : start + size])
        start += size
    return batches


def _one_source_per_output(run: Run, sources: list[Source], suffix: str | None = None) -> list[Source]:
    """The sources, less any whose output file under -o would replace another input's output
    or another input of this run (each such is reported, and its output not written).

    'a.txt' and 'a.html' in one folder both clean to 'a.txt': rather than one output
    silently replacing the other, the first keeps it and the second is reported. And
    with '-o' at or above an input folder, 'in/a/y.txt' cleans to 'a/y.txt', which may
    be an input itself: that is refused before anything is cleaned. (An output that
    would be its own input is refused where it is written, by _target_path.)
    """
    if run.out_dir is None or run.opts["diff_dir"]:
        return sources
    root = _real_folder(os.path.abspath(run.out_dir))
    owner: dict[str, str] = {}
    inputs: dict[tuple[int, int], str] | None = None  # the inputs by file identity, made when first needed
    kept = []
    for source in sources:
        name = _output_name(source, run.opts["as_json"], run.opts["gzip"], suffix)
        if name in owner:
            run.fail(f"{source.path}: its output {name} is also {owner[name]}'s; not cleaned")
            continue
        try:
            st = os.stat(os.path.join(root, name))  # an output that does not exist yet is no input
        except OSError:
            st = None
        if st is not None:
            inputs = _identities(sources) if inputs is None else inputs
            other = inputs.get((st.st_dev, st.st_ino))
            if other is not None and other != source.path:
                run.fail(f"{source.path}: its output {name} is the input {other}; not cleaned")
                continue
        owner[name] = source.path
        kept.append(source)
    return kept


def _identities(sources: list[Source]) -> dict[tuple[int, int], str]:
    """(device, inode) of each input file: what names it, whatever the path."""
    found = {}
    for source in sources:
        if source.path != "-":
            with contextlib.suppress(OSError):
                st = os.stat(source.path)
                found.setdefault((st.st_dev, st.st_ino), source.path)
    return found


def _shutdown(pool: ProcessPoolExecutor | None) -> None:
    if pool is not None:
        pool.shutdown(cancel_futures=True)
        gc.unfreeze()


def _stdin() -> Any:
    """stdin's bytes, or an empty stream when stdin is closed (sys.stdin is then None)."""
    return sys.stdin.buffer if sys.stdin is not None else io.BytesIO()


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _deliver(run: Run, outcome: Outcome) -> None:
    """Print, write or diff one cleaned document."""
    opts = run.opts
    for warning in outcome.warnings:
        click.echo(f"clean: warning: {warning}", err=True)
    if outcome.error is not None or (outcome.output is None and not outcome.written):
        run.fail(outcome.error or f"{outcome.source.path}: not cleaned")
        return
    if outcome.explain is not None:
        click.echo(outcome.explain, err=True)
    if outcome.written:
        run.done += 1
        return
    source, output = outcome.source, outcome.output
    assert output is not None
    if opts["diff_dir"]:
        _diff(run, source, output)
    else:
        try:
            target = _target(run, source, opts["as_json"])
        except InputError as exc:
            run.fail(str(exc))
            return
        if target is None:
            _echo(output)
        else:
            _write(outcome, target, opts["gzip"])
            if outcome.error is not None:
                run.fail(outcome.error)
                return
    run.done += 1


def _diff(run: Run, source: Source, output: str) -> None:
    golden = Path(run.opts["diff_dir"]) / source.output_name
    try:
        expected = golden.read_text(encoding="utf-8")
    except FileNotFoundError:
        run.differ += 1
        click.echo(f"--- {golden}: no golden file for {source.path}")
        return
    if expected != output:
        run.differ += 1
        import difflib

        diff = difflib.unified_diff(
            expected.splitlines(keepends=True), output.splitlines(keepends=True),
            fromfile=str(golden), tofile=f"{source.path} (cleaned)",
        )
        click.echo("".join(line if line.endswith("\n") else line + "\n" for line in diff), nl=False)


def _run_jsonl(run: Run, sources: list[Source], settings: Settings) -> None:
    opts = run.opts
    text_field, output_field = opts["text_field"], opts["output_field"] or opts["text_field"]
    stdin = _stdin()
    sources = _one_source_per_output(run, sources, ".jsonl")
    pool = _pool(settings, opts["jobs"] if _blocks_over_one(sources) else 1)
    try:
        for source in sources:
            try:
                target = _target(run, source, False, ".jsonl")
            except InputError as exc:
                run.fail(str(exc))
                continue
            if target is not None and opts["skip_existing"] and target.exists():
                run.skipped += 1
                continue
            _jsonl_file(run, source, target, pool, text_field, output_field, stdin)
    finally:
        _shutdown(pool)


def _known_size(source: Source) -> int | None:
    """The bytes a JSONL input holds, if its size says: a plain regular file's size (0 if it cannot be
    looked at: that is reported when it is read); None for stdin, gzip, pipes (``<(zcat ...)``) and devices."""
    if source.path == "-" or source.path.endswith(".gz"):
        return None
    try:
        st = os.stat(source.path)
    except OSError:
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _blocks_over_one(sources: list[Source]) -> bool:
    """Whether the JSONL inputs may hold more than one block."""
    sizes = [_known_size(source) for source in sources]
    return None in sizes or sum(sizes) > JSONL_BLOCK_BYTES  # type: ignore[arg-type]


def _progress_bytes(source: Source) -> int | None:
    """The size of a JSONL input worth a progress bar on stderr (a terminal; a plain file of several
    blocks), else None."""
    size = _known_size(source) if _stderr_is_terminal() else None
    return size if size is not None and size > 4 * JSONL_BLOCK_BYTES else None


def _numbered_blocks(blocks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(number of its first line, block) for each block of lines."""
    first = 1
    for block in blocks:
        yield first, block
        first += block.count(b"\n")


def _jsonl_file(
    run: Run, source: Source, target: Path | None, pool: ProcessPoolExecutor | None,
    text_field: str, output_field: str, stdin: Any,
) -> None:
    """Clean one JSONL stream record by record, in order, to stdout or atomically to target.

    A target that cannot be written (a full disk, a folder that is a file) is reported
    and left with no file; the run goes on with the next input.
    """
    out: Any = None
    tmp: Path | None = None
    if target is not None:
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            out = open(tmp, "wb")
            if run.opts["gzip"]:
                out = gzip_writer(out)
        except OSError as exc:
            run.fail(_cannot_write(target, exc))
            return
    total = _progress_bytes(source)
    label = f"cleaning {Path(source.path).name}"
    bar = click.progressbar(length=total, file=sys.stderr, label=label) if total else None
    sent: deque[int] = deque()  # the bytes of each block handed out, in order, for the bar
    try:
        with bar if bar is not None else contextlib.nullcontext():
            blocks = _numbered_blocks(open_blocks(source.path, stdin, JSONL_BLOCK_BYTES))
            tasks = ((source.path, first, block, text_field, output_field) for first, block in blocks)
            for cleaned in _map(pool, _clean_block, _recorded_sizes(tasks, sent)):
                if bar is not None:
                    bar.update(sent.popleft())
                for item, count in cleaned:
                    if isinstance(item, InputError):
                        run.fail(str(item))
                        continue
                    if out is not None:
                        _write_to(out, item, target)
                    else:
                        _echo(item)
                    run.done += count
        if out is not None:
            try:
                out.close()
                os.replace(tmp, target)  # type: ignore[arg-type]
            except OSError as exc:
                raise _WriteFailed(_cannot_write(target, exc)) from None
            out = None
    except (InputError, _WriteFailed) as exc:
        run.fail(str(exc))
    finally:
        if out is not None:  # not finished: no file, and no temporary left behind
            with contextlib.suppress(OSError):
                out.close()
            tmp.unlink(missing_ok=True)  # type: ignore[union-attr]


def _recorded_sizes(tasks: Iterable[tuple[str, int, bytes, str, str]], sizes: deque[int]) -> Iterator[Any]:
    """The tasks, each block's size appended to ``sizes`` as it is handed out."""
    for task in tasks:
        sizes.append(len(task[2]))
        yield task


class _WriteFailed(Exception):
    """An output file could not be written (its message says which and why)."""


class _StdoutFailed(Exception):
    """stdout could not be written: the run stops (every later output would fail alike)."""


def _write_to(out: Any, data: bytes, target: Path | None) -> None:
    try:
        out.write(data)
    except OSError as exc:
        raise _WriteFailed(_cannot_write(target, exc)) from None


def _echo(data: str | bytes) -> None:
    """Write to stdout; a failure other than a closed pipe (click exits quietly on that) stops the run."""
    try:
        click.echo(data, nl=False)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
            raise
        raise _StdoutFailed(f"cannot write to stdout: {exc.strerror or exc}") from None


def _list_rules(settings: Settings) -> None:
    pipeline = Pipeline(settings)
    pack = pipeline.cleaner.pack
    width = max(len(r.name) for r in pack.rules) if pack.rules else 10
    for category, description in pack.categories.items():
        state = " (kept: --keep)" if category in settings.config.keep else ""
        click.echo(f"{category}{state}: {description}")
        for rule in pack.rules:
            if rule.category == category:
                click.echo(f"  {rule.name:<{width}}  {rule.scope:<5}  {rule.description}")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(readable=False))  # an unreadable input is reported when read
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False), help="Write one file per input into DIR (DIR/<stem>.txt).")
@click.option("--glob", "globs", multiple=True, metavar="PATTERN", help="File pattern for walking folders (repeatable; default *.txt, *.html, *.htm and their .gz; with --jsonl, *.jsonl and *.jsonl.gz).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True, help="Input format; auto sniffs HTML from the name and first bytes.")
@click.option("--cleaner", "cleaner_kind", type=click.Choice(CLEANERS), default="auto", show_default=True, help="auto: HTML through trafilatura then rules, text through rules then the line classifier.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE", help="Add a TOML rule pack (repeatable).")
@click.option("--keep", multiple=True, metavar="CATEGORY", help="Do not remove this category (repeatable); --keep boilerplate turns the classifier off.")
@click.option("--no-fix-unicode", is_flag=True, help="Do not repair broken Unicode with ftfy.")
@click.option("--explain", is_flag=True, help="Show every removal (category, rule, text) on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Write one JSON object per document: text, metadata, removed.")
@click.option("--jsonl", is_flag=True, help="Inputs are JSON Lines; clean the text field of each record.")
@click.option("--text-field", default="text", show_default=True, help="JSONL field to clean.")
@click.option("--output-field", default=None, help="JSONL field to write the clean text to (default: the text field).")
@click.option("--diff", "diff_dir", type=click.Path(file_okay=False), metavar="GOLDEN_DIR", help="Compare outputs with GOLDEN_DIR/<name>; exit 1 if any differ.")
@click.option("--update-golden", "golden_dir", type=click.Path(file_okay=False), metavar="GOLDEN_DIR", help="(Re)write the golden files in GOLDEN_DIR.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True, help="Clean in N processes (0: one per core this process may use).")
@click.option("--on-error", type=click.Choice(["skip", "fail"]), default="skip", show_default=True, help="On a bad file or record: report it and go on, or stop.")
@click.option("--skip-existing", is_flag=True, help="With -o: leave inputs whose output already exists.")
@click.option("--gzip", is_flag=True, help="With -o: write gzip-compressed outputs (name ends in .gz).")
@click.option("--list-rules", is_flag=True, help="List the rules by category and exit.")
@click.version_option(__version__, prog_name="clean")
def main(**opts: Any) -> None:
    """Strip boilerplate from scraped web and news text.

    PATHS are files or folders (walked recursively); none, or '-', means
    stdin. Cleaned text goes to stdout unless -o is given. Exit codes: 0 ok,
    1 differences found (--diff), 2 usage or input errors.
    """
    exclusive = [k for k in ("output_dir", "diff_dir", "golden_dir") if opts[k]]
    if len(exclusive) > 1:
        raise click.UsageError("use only one of -o, --diff and --update-golden")
    if opts["jsonl"] and (opts["diff_dir"] or opts["golden_dir"] or opts["as_json"]):
        raise click.UsageError("--jsonl cannot be combined with --diff, --update-golden or --json")
    if opts["skip_existing"] and not (opts["output_dir"] or opts["golden_dir"]):
        raise click.UsageError("--skip-existing needs -o")
    if opts["gzip"] and not opts["output_dir"]:
        raise click.UsageError("--gzip needs -o (on stdout, pipe through gzip)")
    config = CleanerConfig(
        rule_files=tuple(opts["rule_files"]), keep=frozenset(opts["keep"]),
        fix_unicode=not opts["no_fix_unicode"],
    )
    settings = Settings(config=config, format=opts["fmt"], cleaner=opts["cleaner_kind"])
    opts["jobs"] = opts["jobs"] or usable_cores()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    global _PIPELINE
    try:
        _PIPELINE = Pipeline(settings)  # load and check the rule packs once, before any input
    except CleanerError as exc:
        click.echo(f"clean: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    if opts["list_rules"]:
        _list_rules(settings)
        return
    run = Run(opts)
    _real_folder.cache_clear()  # folders may have changed since a run before in this process
    sources: list[Source] = []
    try:
        globs = opts["globs"] or (JSONL_GLOBS if opts["jsonl"] else DEFAULT_GLOBS)
        for path in opts["paths"] or ("-",):
            try:
                found = find_sources([path], globs)
            except InputError as exc:
                run.fail(str(exc))
                continue
            if not found:  # a folder with nothing to clean: say so rather than finish in silence
                click.echo(f"clean: warning: {path}: no file matches {', '.join(globs)}", err=True)
            sources.extend(found)
        if opts["jsonl"]:
            _run_jsonl(run, sources, settings)
        else:
            _run_documents(run, sources, settings)
    except SystemExit:  # --on-error fail: still say what was done before stopping
        run.summary()
        raise
    except _StdoutFailed as exc:
        run.errors += 1
        click.echo(f"clean: error: {exc}", err=True)
        run.summary()
        sys.exit(2)
    run.summary()
    sys.exit(run.exit_code())
