"""``stackaudit init``: scaffold config, pre-commit hook, PR template and CI workflow (never overwrites)."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from stackaudit.commands import common
from stackaudit.governance.scaffold import DEFAULT_ACTION, DEFAULT_REV, ScaffoldFile, scaffold

_ACTION = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_REV = re.compile(r"^[A-Za-z0-9_./-]+$")


def _write_one(root: Path, item: ScaffoldFile, yes: bool, force: bool) -> str:
    target = root / item.path
    if target.exists() and not force:
        return f"kept     {item.path} (exists; --force overwrites)"
    if not yes:
        verb = "Overwrite" if target.exists() else "Write"
        try:
            if not typer.confirm(f"{verb} {item.path} ({item.what})?", default=True):
                return f"skipped  {item.path}"
        except typer.Abort:
            raise common.fail("no answer on standard input: run with --yes to write without asking") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(item.content, encoding="utf-8")
    return f"wrote    {item.path} ({item.what})"


def init(
    path: Annotated[Path, typer.Argument(help="The project root.")] = Path("."),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Write without asking.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
    action: Annotated[
        str, typer.Option("--action", help="OWNER/REPO of the stackaudit action and pre-commit hook.")
    ] = DEFAULT_ACTION,
    rev: Annotated[str, typer.Option("--rev", help="Tag of the action and the hook.")] = DEFAULT_REV,
) -> None:
    """Write stackaudit.toml, a pre-commit entry, a PR checklist template and a CI workflow."""
    if not path.is_dir():
        raise common.fail(f"{path}: not a directory")
    if not _ACTION.match(action) or not _REV.match(rev):
        raise common.fail("--action must be OWNER/REPO and --rev a tag or branch name")
    for item in scaffold(action, rev):
        line = common.guarded(partial(_write_one, path, item, yes, force))
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
