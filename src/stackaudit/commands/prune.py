"""``stackaudit prune``: delete old stored runs of a project (its fingerprint history stays)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from stackaudit.commands import common

RootOpt = Annotated[Path, typer.Option("--root", help="The audited project (its name keys the history).")]
DbOpt = Annotated[str | None, typer.Option("--db", envvar="STACKAUDIT_DB", help="Store URL.")]


def prune(
    keep: Annotated[int | None, typer.Option("--keep", help="Keep the newest N runs.", min=0)] = None,
    older_than: Annotated[
        int | None, typer.Option("--older-than", help="Delete runs started more than DAYS days ago.", min=0)
    ] = None,
    root: RootOpt = Path("."),
    db: DbOpt = None,
    config: Annotated[Path | None, typer.Option("--config", help="Config file (for [retention]).")] = None,
) -> None:
    """Delete stored runs beyond --keep N and/or older than --older-than DAYS.

    Without either option the project's ``[retention]`` setting is applied. Findings no
    remaining run refers to are removed; the fingerprint history (first seen, triage) stays.
    """
    from rich.console import Console
    from rich.markup import escape

    from stackaudit.commands.history import _url
    from stackaudit.storage.store import Store

    resolved = root.resolve()
    if keep is None and older_than is None:
        retention = common.load(resolved, config).retention
        keep, older_than = retention.runs, retention.days
        if keep is None and older_than is None:
            raise common.fail("nothing to prune: give --keep N or --older-than DAYS, or set [retention]")
    url, project = _url(resolved, db)  # pruning never creates a store
    before = None if older_than is None else datetime.now(UTC) - timedelta(days=older_than)

    def run() -> tuple[int, int, str]:
        with Store.open(url) as store:
            deleted = store.prune_runs(project, keep=keep, before=before)
            return deleted, len(store.runs(project, limit=1_000_000)), store.where

    deleted, left, where = common.guarded(run)
    Console(highlight=False).print(
        f"pruned {deleted} run{'s' if deleted != 1 else ''} of {escape(project)}; "
        f"{left} kept in {escape(where)}",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("prune")(prune)
