"""What every command shares: report output, exit codes, error handling, progress."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stackaudit.analyzers import registry
from stackaudit.config.loader import ConfigError
from stackaudit.config.loader import load as load_config
from stackaudit.config.schema import Config
from stackaudit.model import AuditResult
from stackaudit.report import FORMATS, render

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

ALL_FORMATS = ("terminal", *FORMATS)
_SUFFIX_FORMAT = {".json": "json", ".sarif": "sarif", ".md": "markdown", ".html": "html", ".htm": "html"}


def err_console() -> Console:
    return Console(stderr=True, highlight=False)


def fail(message: str) -> typer.Exit:
    """Print a usage/config/internal error and return the exit to raise (code 2)."""
    err_console().print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_ERROR)


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
    if outputs and len(outputs) != len(fmts):
        raise fail("give one --output per --format (or none, to print to stdout)")
    return [(fmt, outputs[i] if outputs else None) for i, fmt in enumerate(fmts)]


def emit(result: AuditResult, formats: list[str], outputs: list[Path | None]) -> None:
    """Write each format to its output (None = stdout)."""
    rules = registry.rule_index().rules
    for fmt, out in zip(formats, outputs, strict=True):
        if fmt == "terminal":
            from stackaudit.report.terminal import print_report

            if out is None:
                print_report(result, rules, Console(highlight=False))
            else:
                with out.open("w", encoding="utf-8") as handle:
                    print_report(result, rules, Console(file=handle, highlight=False, width=120))
            continue
        text = render(result, fmt, rules)
        if out is None:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")


def exit_code(result: AuditResult) -> int:
    return EXIT_OK if result.gate is None or result.gate.passed else EXIT_FINDINGS


def load(root: Path, config_path: Path | None) -> Config:
    """The project's config; warnings (two config files) go to stderr, errors exit 2."""
    try:
        loaded = load_config(root, config_path)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    for warning in loaded.warnings:
        err_console().print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    return loaded.config


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr while files are analysed (only on a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    columns = (TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console(), transient=True) as bar:
        task = bar.add_task("files", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def guarded[R](action: Callable[[], R]) -> R:
    """Run a command body: known errors become exit 2 with a clear message, never a traceback."""
    from stackaudit.engine.baseline import BaselineError
    from stackaudit.storage.store import StoreError

    try:
        return action()
    except (StoreError, BaselineError, ConfigError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"{exc.filename or ''}: {exc.strerror or exc}") from None
