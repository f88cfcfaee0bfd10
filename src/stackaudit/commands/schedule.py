"""``stackaudit schedule``: print a cron line and a GitHub Actions workflow for the quarterly mini-audit."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from stackaudit.commands import common
from stackaudit.governance.schedule import QUARTERLY_CRON, ScheduleOptions, cron_line, validate_cron, workflow

_ACTION = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_REV = re.compile(r"^[A-Za-z0-9_./-]+$")
SHOW = ("all", "cron", "github")


def schedule(
    path: Annotated[str, typer.Option("--path", help="The repository the cron line runs in.")] = ".",
    cron: Annotated[str, typer.Option("--cron", help="When (5-field cron, UTC).")] = QUARTERLY_CRON,
    months: Annotated[
        int, typer.Option("--months", min=1, max=24, help="Compare to this many months ago.")
    ] = 3,
    tags: Annotated[
        str | None, typer.Option("--tags", help="Also DORA over the period from annotated tags (glob).")
    ] = None,
    action: Annotated[str, typer.Option("--action", help="OWNER/REPO of the stackaudit action.")] = (
        "stackaudit/stackaudit"
    ),
    rev: Annotated[str, typer.Option("--rev", help="Tag of the action.")] = "v1",
    show: Annotated[str, typer.Option("--show", help="all|cron|github.")] = "all",
) -> None:
    """Print a ready cron line and a GitHub Actions schedule: workflow for the quarterly report."""
    if show not in SHOW:
        raise common.fail(f"--show: expected one of {', '.join(SHOW)}")
    if not _ACTION.match(action) or not _REV.match(rev):
        raise common.fail("--action must be OWNER/REPO and --rev a tag or branch name")
    if any(not c.isprintable() for c in (tags or "") + path):
        raise common.fail("--tags and --path must be printable (no newlines or control characters)")
    try:
        validate_cron(cron)
    except ValueError as exc:
        raise common.fail(f"--cron: {exc}") from None
    opts = ScheduleOptions(path=path, cron=cron, months=months, tags=tags, action=action, rev=rev)
    if show in ("all", "cron"):
        if show == "all":
            typer.echo("# crontab line (crontab -e); the machine keeps the store, so it compares to a date:")
        typer.echo(cron_line(opts))
    if show == "all":
        typer.echo("")
    if show in ("all", "github"):
        typer.echo(workflow(opts), nl=False)


def register(app: typer.Typer) -> None:
    app.command("schedule")(schedule)
