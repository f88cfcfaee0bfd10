"""``stackaudit pr-check``: the PR checklist, demanded item by item from the diff (exit 1 if missing)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackaudit.commands import common
from stackaudit.governance.prcheck import PrCheck, check
from stackaudit.governance.prsource import (
    PrInput,
    PrInputError,
    Reader,
    changed_files,
    from_body_file,
    from_event,
)

FORMATS = ("terminal", "markdown")


def _input(event: Path | None, body_file: Path | None, base: str | None, head: str) -> PrInput:
    if event is not None:
        if body_file is not None or base is not None:
            raise common.fail("give --event, or --body-file with --base, not both")
        return from_event(event)
    if body_file is None or base is None:
        raise common.fail("give --event $GITHUB_EVENT_PATH, or --body-file FILE --base REF")
    return from_body_file(body_file, base, head)


def _write(result: PrCheck, fmt: str, output: Path | None) -> None:
    from rich.console import Console

    from stackaudit.governance.prreport import print_terminal, to_markdown

    print_terminal(result, Console(highlight=False, stderr=output is None and fmt != "terminal"))
    if fmt == "markdown":
        text = to_markdown(result)
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")


def pr_check(
    event: Annotated[
        Path | None, typer.Option("--event", help="GitHub event JSON ($GITHUB_EVENT_PATH) of a pull_request.")
    ] = None,
    body_file: Annotated[Path | None, typer.Option("--body-file", help="The PR body as a file.")] = None,
    base: Annotated[str | None, typer.Option("--base", help="Base ref the PR merges into.")] = None,
    head: Annotated[str, typer.Option("--head", help="Head ref (with --body-file).")] = "HEAD",
    repo: Annotated[Path, typer.Option("--repo", help="The git working repository.")] = Path("."),
    format: Annotated[str, typer.Option("--format", "-f", help="terminal|markdown.")] = "terminal",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the Markdown here.")] = None,
) -> None:
    """Check the PR checklist against what the diff touches; exit 1 listing what is missing."""
    if format not in FORMATS:
        raise common.fail(f"unknown format {format!r} (expected one of: {', '.join(FORMATS)})")
    if output is not None and format == "terminal":
        format = "markdown"
    try:
        pr = _input(event, body_file, base, head)
        changed = changed_files(repo, pr.base, pr.head)
        result = check(pr.body, changed, Reader(repo, pr.head))
    except PrInputError as exc:
        raise common.fail(str(exc)) from None
    for note in pr.notes:
        common.err_console().print(f"warning: {note}", markup=False)
    common.guarded(lambda: _write(result, format, output))
    raise typer.Exit(common.EXIT_OK if result.passed else common.EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("pr-check")(pr_check)
