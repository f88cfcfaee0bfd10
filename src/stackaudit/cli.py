"""Wiring only: arguments → config → engine → storage → report → exit code.

Exit codes: 0 nothing over the threshold; 1 findings over the threshold;
2 a usage, config or internal error; 130 interrupted (Ctrl-C).

Importing this module loads typer and the command modules only: no analyzer, SQLAlchemy,
pydantic or Rich (tests/cli/test_startup.py checks it). Each command imports what it needs
when it runs, so ``--version``, ``--help`` and ``explain`` start fast; ``--version`` alone
does not even build the app.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import TYPE_CHECKING, NoReturn

from stackaudit import __version__
from stackaudit.commands import COMMAND_MODULES

if TYPE_CHECKING:
    import typer

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def _version(value: bool) -> None:
    import typer

    if value:
        typer.echo(f"stackaudit {__version__}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    import typer

    app = typer.Typer(
        name="stackaudit",
        help="Audit a service for performance, security and scale; rank every finding by risk-adjusted ROI.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )

    @app.callback()
    def root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ) -> None:
        """stackaudit: performance, security and scale audits."""

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


def _explain_fast(argv: list[str]) -> bool:
    """``explain RULE`` without the argument parser: typer builds a pydantic TypeAdapter for every
    parameter when it parses (about 0.2 s of imports), more than the whole command needs.
    Anything else (options, help, two rules) goes through typer as usual."""
    if len(argv) != 2 or argv[0] != "explain" or argv[1].startswith("-"):
        return False
    import typer

    from stackaudit.commands.audit import explain

    try:
        explain(argv[1])
    except typer.Exit as done:
        sys.exit(done.exit_code)
    return True


def _interrupted() -> NoReturn:
    """Ctrl-C was handled and said so: leave with 130 now. Interpreter shutdown (atexit hooks of
    process pools and queues, thread joins) could take a second interrupt, or the pending one,
    as unhandled and end the process by the signal instead (seen once in CI as -2). Nothing is
    left to save: a run is stored in one transaction at its end, and the pools were shut down."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(EXIT_INTERRUPTED)


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # the pre-commit and packaging probe: answer before any import
        sys.stdout.write(f"stackaudit {__version__}\n")
        return
    if _explain_fast(sys.argv[1:]):
        return
    from stackaudit.commands.common import err_console

    try:
        build_app()(standalone_mode=True)
    except KeyboardInterrupt:
        err_console().print("interrupted: nothing was changed")
        _interrupted()
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            _interrupted()
        raise
    except Exception as exc:
        err_console().print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", highlight=False)
        err_console().print(
            "Please report this with the command you ran (run with STACKAUDIT_DEBUG=1 for a traceback)."
        )
        if os.environ.get("STACKAUDIT_DEBUG"):
            raise
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
