"""What every command shares: report output, exit codes, error handling, progress, verdicts.

Nothing heavy is imported at module level (no analyzer, SQLAlchemy, pydantic or Rich): every
command module imports this one, and ``--version``, ``--help`` and ``explain`` must start fast.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from stackaudit.config.schema import Config
    from stackaudit.governance.dora.model import DoraResult
    from stackaudit.model import AuditResult

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

REPORT_FORMATS = ("json", "sarif", "markdown", "html")  # checked against report.FORMATS in tests
ALL_FORMATS = ("terminal", *REPORT_FORMATS)
_SUFFIX_FORMAT = {".json": "json", ".sarif": "sarif", ".md": "markdown", ".html": "html", ".htm": "html"}


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def fail(message: str) -> typer.Exit:
    """Print a usage/config/internal error and return the exit to raise (code 2)."""
    err_console().print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


def directory_and_format(path: Path, fmt: str, formats: Iterable[str]) -> Path:
    """The resolved directory a command reads, and a format it can write; exit 2 otherwise."""
    root = path.resolve()
    if not root.is_dir():
        raise fail(f"{path} is not a directory")
    names = list(formats)
    if fmt not in names:
        raise fail(f"unknown format {fmt!r} (expected one of: {', '.join(names)})")
    return root


def pair_outputs(formats: Sequence[str], outputs: Sequence[Path]) -> list[tuple[str, Path | None]]:
    """Pair ``--format`` with ``--output`` in order; infer formats from suffixes if only outputs are given."""
    fmts = [f.strip().lower() for f in formats]
    for fmt in fmts:
        if fmt not in ALL_FORMATS:
            raise fail(f"unknown format {fmt!r} (expected one of: {', '.join(ALL_FORMATS)})")
    if not fmts and outputs:
        inferred = []
        for out in outputs:
            guess = _SUFFIX_FORMAT.get(out.suffix.lower())
            if guess is None:
                raise fail(f"cannot tell the format of {out}: add --format")
            inferred.append((guess, out))
        return [("terminal", None), *inferred]
    if not fmts:
        return [("terminal", None)]
    files = [f for f in fmts if f != "terminal"]
    if outputs and len(files) < len(fmts) and len(outputs) == len(files):
        # -f terminal -f json -o r.json: the terminal report prints, the others go to the files
        given = iter(outputs)
        return [(fmt, None if fmt == "terminal" else next(given)) for fmt in fmts]
    if outputs and len(outputs) != len(fmts):
        raise fail("give one --output per --format (or none, to print to stdout); -f terminal needs none")
    return [(fmt, outputs[i] if outputs else None) for i, fmt in enumerate(fmts)]


def _headlines(result: AuditResult, console: Console) -> None:
    """Notices that change how the whole report reads come first (no vulnerability data …)."""
    from stackaudit.engine.notices import is_headline

    for notice in (n for n in result.run.notices if is_headline(n)):
        console.print(f"[bold yellow]{escape(notice)}[/]", soft_wrap=True)


def emit(
    result: AuditResult,
    formats: list[str],
    outputs: list[Path | None],
    dora: DoraResult | None = None,
) -> list[Path]:
    """Write each format to its output (None = stdout); return the files written.

    ``dora``: the DORA result the audit computed (``[dora]`` config), for JSON, Markdown, HTML.
    """
    from rich.console import Console

    from stackaudit.analyzers import registry
    from stackaudit.report import write

    rules = registry.rule_index().rules
    written: list[Path] = []
    for fmt, out in zip(formats, outputs, strict=True):
        if fmt == "terminal":
            from stackaudit.report.terminal import print_report

            if out is None:
                console = Console(highlight=False)
                _headlines(result, console)
                print_report(result, rules, console)
            else:
                out.parent.mkdir(parents=True, exist_ok=True)
                with out.open("w", encoding="utf-8") as handle:
                    console = Console(file=handle, highlight=False, width=120)
                    _headlines(result, console)
                    print_report(result, rules, console)
                written.append(out)
            continue
        if out is None:
            write(result, fmt, rules, sys.stdout, dora)
        else:  # streamed: a 50,000-finding report is never one string in memory
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8") as handle:
                write(result, fmt, rules, handle, dora)
            written.append(out)
    return written


def verdict_line(result: AuditResult, stored_in: str | None) -> str:
    """One line that says how the run ended, whatever the formats: findings, gate, where it is stored."""
    new = sum(1 for a in result.findings if a.status.value == "new")
    parts = [f"{len(result.findings)} findings ({new} new since the last run)"]
    gate = result.gate
    if gate is not None:
        word = "PASSED" if gate.passed else "FAILED"
        since = f" since baseline {gate.baseline}" if gate.baseline else ""
        parts.append(f"gate {word}: {gate.new_findings} over threshold {gate.threshold}{since}")
    if stored_in:
        parts.append(f"run {result.run.id[:12]} stored in {stored_in}")
    return "stackaudit: " + " · ".join(parts)


def print_verdict(result: AuditResult, written: Sequence[Path], stored_in: str | None) -> None:
    """On stderr, so a report on stdout stays clean: the verdict, then every file written."""
    console = err_console()
    console.print(escape(verdict_line(result, stored_in)), soft_wrap=True)
    for path in written:
        console.print(f"  wrote {escape(str(path))}", soft_wrap=True)


def check_fail_on(value: str | None) -> None:
    """``--fail-on`` must parse before any work is done (exit 2 naming the valid values)."""
    if value is None:
        return
    from stackaudit.engine.gate import Threshold

    try:
        Threshold.parse(value)
    except ValueError as exc:
        raise fail(f"--fail-on: {exc}") from None


def exit_code(result: AuditResult) -> int:
    return EXIT_OK if result.gate is None or result.gate.passed else EXIT_FINDINGS


def load(root: Path, config_path: Path | None) -> Config:
    """The project's config; warnings (two config files) go to stderr, errors exit 2."""
    from stackaudit.config.loader import ConfigError
    from stackaudit.config.loader import load as load_config

    try:
        loaded = load_config(root, config_path)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    for warning in loaded.warnings:
        err_console().print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    return loaded.config


@dataclass
class Feedback:
    """Progress for a run: the file bar, then the stages after it (merging, scoring …)."""

    bar: Progress | None = None
    task: TaskID | None = None

    def files(self, done: int, total: int) -> None:
        checkpoint()
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=done, total=total)

    def stage(self, name: str, count: int) -> None:
        checkpoint()
        if self.bar is not None and self.task is not None:
            # The file bar stays full; its label says which stage runs, on how many findings.
            self.bar.update(self.task, description=f"{name} {count:,} findings", completed=1, total=1)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Feedback]:
    """A Rich progress bar on stderr while files are analysed and the stages after (terminal only)."""
    if not enabled or not sys.stderr.isatty():
        yield Feedback()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console(), transient=True) as bar:
        yield Feedback(bar, bar.add_task("analysing files", total=None))


_interrupt = threading.Event()


def _on_sigint(_signum: int, _frame: object) -> None:
    _interrupt.set()
    raise KeyboardInterrupt


def checkpoint() -> None:
    """Raise the Ctrl-C that Python swallowed: a KeyboardInterrupt that lands in a destructor or
    a weakref callback is "ignored", and the run would go on to be stored as if never stopped.
    Called between stages (the progress callbacks), so storing never starts after a Ctrl-C."""
    if _interrupt.is_set():
        raise KeyboardInterrupt


def _quiet_interrupts(previous: Callable[[Any], object]) -> Callable[[Any], object]:
    """An interrupt Python could not raise (it landed in a GC or weakref callback) would be
    printed as "Exception ignored ... Traceback": the flag already holds it for ``checkpoint``."""

    def hook(unraisable: Any) -> object:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            return None
        return previous(unraisable)

    return hook


@contextmanager
def interrupt_notice(stored: Callable[[], bool]) -> Iterator[None]:
    """Ctrl-C: say plainly whether the run was stored, and exit 130."""
    _interrupt.clear()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_sigint) if main else None
    unraisable = sys.unraisablehook
    sys.unraisablehook = _quiet_interrupts(unraisable)
    try:
        yield
        checkpoint()
    except KeyboardInterrupt:
        message = (
            "interrupted while writing the reports; the run itself was stored"
            if stored()
            else "interrupted: nothing was stored (a run is saved in one transaction, at its end)"
        )
        err_console().print(f"[yellow]{message}[/]", soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        sys.unraisablehook = unraisable
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def guarded[R](action: Callable[[], R]) -> R:
    """Run a command body: known errors become exit 2 with a clear message, never a traceback."""
    from stackaudit.config.loader import ConfigError
    from stackaudit.engine.baseline import BaselineError
    from stackaudit.storage.store import StoreError

    try:
        return action()
    except (StoreError, BaselineError, ConfigError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{exc.filename or ''}: {exc.strerror or exc}") from None
