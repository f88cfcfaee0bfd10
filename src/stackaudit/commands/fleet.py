"""``stackaudit fleet``: audit many repositories on Dask distributed into one store.

Exit codes: 0 every repository audited (or already stored) and every gate passed; 1 a gate
failed in some repository, or a repository could not be audited after its retries (a nightly
job must notice both; the summary says which); 2 a usage error (bad list, bad --db, no scheduler).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stackaudit.commands import common

if TYPE_CHECKING:
    from stackaudit.fleet.run import Failure, FleetOptions, FleetReport, Tally
    from stackaudit.fleet.task import RepoResult

ReposArg = Annotated[
    Path,
    typer.Argument(
        help="A file of repositories (path or git URL, optional ref) or a directory of checkouts."
    ),
]
DbOpt = Annotated[
    str,
    typer.Option(
        "--db", envvar="STACKAUDIT_DB", help="The shared store: postgresql+psycopg://… or a SQLite file."
    ),
]


def fleet(
    repos: ReposArg,
    db: DbOpt,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="A running Dask scheduler, tcp://HOST:8786.")
    ] = None,
    local: Annotated[
        int | None, typer.Option("--local", min=1, help="Start a LocalCluster of N worker processes.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Audit again repositories already stored.")] = False,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Retries per repository.")] = 2,
    format: Annotated[str, typer.Option("--format", "-f", help="terminal|json (the summary).")] = "terminal",
) -> None:
    """Audit every repository of a list on Dask distributed, into one shared store (resumable)."""
    from stackaudit.fleet.run import FleetOptions
    from stackaudit.fleet.sources import SourceError, read_repos

    if importlib.util.find_spec("distributed") is None:
        raise common.fail("stackaudit fleet needs Dask distributed: pip install 'stackaudit[fleet]'")
    if scheduler is not None and local is not None:
        raise common.fail("give --scheduler or --local, not both")
    if format not in ("terminal", "json"):
        raise common.fail(f"unknown format {format!r} (expected terminal or json)")
    try:
        specs, ignored = read_repos(repos)
    except SourceError as exc:
        raise common.fail(str(exc)) from None
    if not specs:
        raise common.fail(f"{repos}: no repositories listed (a directory needs subdirectories with .git)")
    _prepare_store(db, scheduler)
    console = common.err_console()
    if ignored:
        shown = ", ".join(common.escape(n) for n in ignored[:5])
        console.print(f"passed over {len(ignored)} entries without .git: {shown}", soft_wrap=True)
    options = FleetOptions(
        db_url=db, scheduler=scheduler, local_workers=local or _cores(), force=force, retries=retries
    )
    report = _run(specs, options)
    if format == "json":
        typer.echo(json.dumps(_as_json(report), indent=2))
    _print_summary(report, options)
    raise typer.Exit(common.EXIT_FINDINGS if report.failures or report.gate_failed else common.EXIT_OK)


def _cores() -> int:
    import os

    return max(1, os.cpu_count() or 1)


def _prepare_store(db: str, scheduler: str | None) -> None:
    """Open (create and migrate) the store once, here: a bad --db is a usage error, not N failures."""
    from stackaudit.storage.connect import parse_url, sqlite_file
    from stackaudit.storage.store import Store, StoreError

    try:
        with Store.open(db):
            pass
        is_sqlite = sqlite_file(parse_url(db)) is not None
    except StoreError as exc:
        raise common.fail(f"--db: {exc}") from None
    if is_sqlite and scheduler is not None:
        common.err_console().print(
            "[yellow]warning:[/] a SQLite store is one file on this machine: every worker of the "
            "scheduler must see the same path. Use PostgreSQL for a real cluster.",
            soft_wrap=True,
        )


def _run(specs: list, options: FleetOptions) -> FleetReport:  # type: ignore[type-arg]
    from stackaudit.fleet.run import run_fleet

    console = common.err_console()

    def started(dashboard: str | None, workers: int) -> None:
        where = options.scheduler or f"LocalCluster of {options.local_workers} worker processes"
        console.print(f"fleet: {len(specs)} repositories on {common.escape(where)} ({workers} workers up)")
        if workers == 0:
            console.print("[yellow]no worker is connected yet: the repositories wait for one[/]")
        if dashboard:
            console.print(f"dashboard: {common.escape(dashboard)}{_bokeh_hint()}", soft_wrap=True)

    def event(outcome: RepoResult | Failure, tally: Tally) -> None:
        console.print(f"{_line(outcome)}  [{_counts(tally)}]", soft_wrap=True, highlight=False)

    try:
        return run_fleet(specs, options, on_event=event, on_start=started)
    except OSError as exc:  # no scheduler at that address, a port in use
        raise common.fail(f"cannot reach the Dask scheduler: {exc}") from None


def _bokeh_hint() -> str:
    return "" if importlib.util.find_spec("bokeh") else " (its pages need: pip install bokeh)"


def _line(outcome: RepoResult | Failure) -> str:
    from stackaudit.fleet.run import Failure
    from stackaudit.fleet.task import State

    name = common.escape(outcome.spec.shown)
    if isinstance(outcome, Failure):
        return f"[red]failed[/]  {name}: {common.escape(outcome.reason)}"
    if outcome.state is State.SKIPPED:
        return f"skipped {name}: stored run {outcome.run_id[:12]} (commit {outcome.commit[:10]}, same config)"
    gate = {None: "", True: ", gate passed", False: ", gate FAILED"}[outcome.gate_passed]
    took = f"{outcome.seconds:.1f} s"
    return f"done    {name}: {outcome.findings} findings{gate}, run {outcome.run_id[:12]} ({took})"


def _counts(tally: Tally) -> str:
    return (
        f"{tally.finished}/{tally.total}: {tally.done} done, {tally.failed} failed, "
        f"{tally.skipped} skipped, {tally.findings} findings"
    )


def _print_summary(report: FleetReport, options: FleetOptions) -> None:
    from stackaudit.storage.connect import describe, parse_url

    console = common.err_console()
    if report.failures:
        console.print(f"[bold red]{len(report.failures)} repositories not audited:[/]")
        for failure in report.failures:
            console.print(
                f"  {common.escape(failure.spec.shown)}: {common.escape(failure.reason)}", soft_wrap=True
            )
    tally = report.tally
    gates = len(report.gate_failed)
    line = (
        f"stackaudit fleet: {tally.total} repositories · {tally.done} audited · {tally.skipped} skipped "
        f"(already stored) · {tally.failed} failed · {tally.findings} findings · "
        f"gate FAILED in {gates} · {report.seconds:.1f} s · store {describe(parse_url(options.db_url))}"
    )
    console.print(common.escape(line), soft_wrap=True)


def _as_json(report: FleetReport) -> dict[str, object]:
    tally = report.tally
    return {
        "repositories": tally.total,
        "done": tally.done,
        "skipped": tally.skipped,
        "failed": tally.failed,
        "findings": tally.findings,
        "seconds": round(report.seconds, 3),
        "dashboard": report.dashboard,
        "results": [
            {
                "repository": r.spec.shown,
                "project": r.project,
                "state": r.state.name.lower(),
                "run": r.run_id,
                "commit": r.commit,
                "findings": r.findings,
                "gate_passed": r.gate_passed,
                "seconds": round(r.seconds, 3),
            }
            for r in report.results
        ],
        "failures": [{"repository": f.spec.shown, "reason": f.reason} for f in report.failures],
    }


def register(app: typer.Typer) -> None:
    app.command("fleet")(fleet)
