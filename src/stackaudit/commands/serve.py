"""``stackaudit serve``: the dashboard over the history store, on 127.0.0.1 by default."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from stackaudit.commands import common

TOKEN_ENV = "STACKAUDIT_SERVE_TOKEN"


def serve(
    root: Annotated[Path, typer.Option("--root", help="The audited project whose store to show.")] = Path(
        "."
    ),
    db: Annotated[
        str | None,
        typer.Option("--db", envvar="STACKAUDIT_DB", help="Store: SQLAlchemy URL or SQLite file path."),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; beyond loopback a token is required.")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8765,
    token: Annotated[
        str | None, typer.Option("--token", help=f"Access token (or {TOKEN_ENV}); required beyond loopback.")
    ] = None,
) -> None:
    """Serve the dashboard: overview, findings, runs, owners, projects, triage from the page."""
    import uvicorn

    from stackaudit.storage.store import default_url
    from stackaudit.web.app import Settings, create_app

    given = token or os.environ.get(TOKEN_ENV) or None
    url = db or default_url(root.resolve())
    try:
        app = create_app(Settings(url=url, host=host, token=given, prewarm=True))
    except ValueError as exc:
        raise common.fail(str(exc)) from None
    problem = app.state.dashboard.problem
    if problem:
        common.err_console().print(
            f"store problem (shown on every page): {common.escape(problem)}", soft_wrap=True
        )
    common.err_console().print(
        f"stackaudit dashboard on http://{common.escape(host)}:{port}/", soft_wrap=True
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
