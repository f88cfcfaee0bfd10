"""Readers and triage over the history store: ``report``, ``history``, ``triage``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from stackaudit.commands import common

RootOpt = Annotated[Path, typer.Option("--root", help="The audited project (its name keys the history).")]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="STACKAUDIT_DB", help="Store: SQLAlchemy URL or SQLite file path."),
]


def _url(root: Path, db: str | None) -> tuple[str, str]:
    """The store URL and project key; a store that does not exist is an error naming where we looked.

    These commands read (``triage`` writes one decision into an existing history): none of them
    may create ``.stackaudit/`` or an empty database as a side effect of a wrong folder or path.
    """
    from stackaudit.storage.connect import missing_sqlite_file
    from stackaudit.storage.store import StoreError, default_url, project_key

    resolved = root.resolve()
    url = db or default_url(resolved)
    try:
        missing = missing_sqlite_file(url)
    except StoreError as exc:
        raise common.fail(f"--db: {exc}") from None
    if missing is not None:
        where = "--db" if db else f"the project at {resolved}"
        raise common.fail(
            f"no history store at {missing} (from {where}): audit the project first "
            "(`stackaudit audit PATH`), or give --root/--db of an audited one"
        )
    return url, project_key(resolved)


def report(
    run: Annotated[str, typer.Argument(help="Run id or prefix, 'latest' or 'previous'.")] = "latest",
    format: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="terminal|json|sarif|markdown|html")
    ] = None,
    output: Annotated[
        list[Path] | None, typer.Option("--output", "-o", help="File for the matching --format.")
    ] = None,
    root: RootOpt = Path("."),
    db: DbOpt = None,
    compare_to: Annotated[
        str | None,
        typer.Option(
            "--compare-to",
            help="Quarterly mini-audit: diff against a stored run id, a YYYY-MM-DD date or a git ref.",
        ),
    ] = None,
    tags: Annotated[
        str | None,
        typer.Option("--tags", help="With --compare-to: DORA over the window from tags matching GLOB."),
    ] = None,
    ahead: Annotated[
        int, typer.Option("--ahead-days", help="With --compare-to: acceptances ending within N days.")
    ] = 30,
) -> None:
    """Render a stored run again, in any format (no re-analysis); --compare-to: the quarterly diff."""
    from stackaudit.storage.store import Store

    pairs = common.pair_outputs(format or [], output or [])
    url, project = _url(root, db)
    if compare_to is not None:
        from stackaudit.commands.quarterly import compare

        compare(url, project, run, compare_to, root, pairs, tags, ahead)
        return

    def load() -> object:
        from stackaudit.threat.stored import with_stored_drawings

        with Store.open(url) as store:
            run_id = store.resolve_run(project, run)
            if run_id is None:
                raise common.fail(f"no stored run {run!r} for project {project!r} in {store.where}")
            return with_stored_drawings(store, store.load_result(run_id))

    result = common.guarded(load)
    written = common.emit(result, [f for f, _ in pairs], [o for _, o in pairs])  # type: ignore[arg-type]
    for path in written:
        common.err_console().print(f"wrote {common.escape(str(path))}", soft_wrap=True)


def history(
    root: RootOpt = Path("."),
    db: DbOpt = None,
    limit: int = 20,
    fleet: Annotated[
        bool, typer.Option("--fleet", help="Every project in the store: top risks by owner and repository.")
    ] = False,
) -> None:
    """List the stored runs of a project, newest first: findings, new, fixed, gate."""
    from rich.console import Console
    from rich.table import Table

    from stackaudit.storage.store import Store

    url, project = _url(root, db)
    if fleet:
        from stackaudit.fleet.view import print_fleet, read_fleet

        print_fleet(common.guarded(lambda: read_fleet(url, limit)), limit)
        return

    def load() -> list:  # type: ignore[type-arg]
        with Store.open(url) as store:
            return store.runs(project, limit)

    runs = common.guarded(load)
    if not runs:
        raise common.fail(f"no stored runs of project {project!r} in {url_shown(url)}")
    table = Table(
        "run",
        "started",
        "commit",
        "findings",
        "new",
        "fixed",
        "gate",
        title=f"Runs of {common.escape(project)}",
    )
    for r in runs:
        gate = "-" if r.gate_passed is None else ("passed" if r.gate_passed else "FAILED")
        table.add_row(
            r.id[:12],
            r.started_at.strftime("%Y-%m-%d %H:%M"),
            (r.commit or "")[:10],
            str(r.findings),
            str(r.new),
            str(r.fixed),
            gate,
        )
    Console(highlight=False).print(table)


def triage(
    fingerprint: Annotated[
        str, typer.Argument(help="The finding's fingerprint, or a unique prefix of 8+ characters (as shown).")
    ],
    accept_until: Annotated[
        str | None, typer.Option("--accept-until", help="Accept the risk until YYYY-MM-DD.")
    ] = None,
    reopen: Annotated[bool, typer.Option("--reopen", help="Withdraw an acceptance.")] = False,
    owner: Annotated[str | None, typer.Option("--owner", help="Assign an owner.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who decides.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required to accept).")] = None,
    root: RootOpt = Path("."),
    db: DbOpt = None,
) -> None:
    """Accept a risk until a date (it comes back after), re-open it, or assign its owner."""
    from stackaudit.model import Status
    from stackaudit.storage.store import Store

    until = None
    status = None
    if accept_until is not None:
        try:
            until = date.fromisoformat(accept_until)
        except ValueError:
            raise common.fail(f"--accept-until: {accept_until!r} is not a YYYY-MM-DD date") from None
        if not (reason and by):
            raise common.fail("accepting a risk needs --by and --reason")
        status = Status.ACCEPTED
    elif reopen:
        status = Status.OPEN
    elif owner is None:
        raise common.fail("nothing to do: give --accept-until, --reopen or --owner")
    url, project = _url(root, db)

    def save() -> None:
        with Store.open(url) as store:  # an unknown or ambiguous prefix is a StoreError: exit 2
            store.set_triage(
                project, fingerprint, status=status, owner=owner, until=until, by=by, reason=reason
            )

    common.guarded(save)
    typer.echo(f"recorded for {fingerprint}")


def url_shown(url: str) -> str:
    from stackaudit.storage.connect import describe, parse_url

    return describe(parse_url(url))


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("history")(history)
    app.command("triage")(triage)
