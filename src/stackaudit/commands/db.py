"""``stackaudit db``: the offline vulnerability database (import, update, status).

Wiring only: options -> vulndb -> printed summary -> exit code.
Exit codes: 0 done, 1 some source failed (the others were imported), 2 usage / bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

DbOpt = Annotated[str | None, typer.Option("--db", help="Store URL (default: SQLite in ./.stackaudit).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="stackaudit.toml or pyproject.toml.")]

app = typer.Typer(
    help="The offline vulnerability database: OSV advisories, CISA KEV, EPSS.", no_args_is_help=True
)


def _engine(db: str | None) -> Engine:
    from stackaudit.vulndb.connect import StoreError, default_url, open_engine

    try:
        return open_engine(db or default_url(Path.cwd()))
    except StoreError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None


def _print_report(console: Console, report: object) -> None:
    from stackaudit.vulndb.importer import ImportReport

    assert isinstance(report, ImportReport)
    console.print(
        f"[bold]{escape(report.source)}[/]: {report.records} records imported"
        f" ({report.withdrawn} withdrawn skipped, {len(report.rejected)} not analysed),"
        f" snapshot {escape(report.snapshot)}, {report.seconds:.1f} s"
    )
    for record, reason in report.rejected[:20]:
        console.print(f"  [yellow]not analysed[/] {escape(Path(record).name)}: {escape(reason)}")
    if len(report.rejected) > 20:
        console.print(f"  … and {len(report.rejected) - 20} more (see `stackaudit db status`)")
    for note in report.notes:
        console.print(f"  {escape(note)}")


@app.command("import")
def import_command(
    paths: Annotated[
        list[Path], typer.Argument(help="OSV tree or all.zip, KEV JSON, EPSS CSV file or folder.")
    ],
    db: DbOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="Source name (default from the data).")] = None,
    snapshot: Annotated[
        str | None, typer.Option("--snapshot", help="Snapshot date when the data has none.")
    ] = None,
) -> None:
    """Import vulnerability data into the store (offline)."""
    from stackaudit.vulndb.importer import ImportFailed, ImportOptions, import_path

    console, engine, failed = Console(soft_wrap=True), _engine(db), False
    for path in paths:
        try:
            report = import_path(engine, path, ImportOptions(name=name, snapshot=snapshot))
        except ImportFailed as exc:
            Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(str(exc))}")
            failed = True
            continue
        _print_report(console, report)
    raise typer.Exit(1 if failed else 0)


def _ecosystems(root: Path) -> list[str]:
    from stackaudit.inventory.deps import build_inventory, walk

    return sorted({str(d.ecosystem) for d in build_inventory(root, walk(root)).dependencies})


@app.command("update")
def update_command(
    path: Annotated[Path, typer.Argument(help="Project whose ecosystems to refresh.")] = Path("."),
    db: DbOpt = None,
    config: ConfigOpt = None,
    online: Annotated[
        bool, typer.Option("--online", help="Query the OSV API for the project's pins only.")
    ] = False,
    ecosystem: Annotated[
        list[str] | None, typer.Option("--ecosystem", help="Refresh this one (repeatable).")
    ] = None,
) -> None:
    """Download fresh data when the network is there: OSV exports (or --online API queries), KEV, EPSS."""
    import httpx

    from stackaudit.config.loader import ConfigError, load_config
    from stackaudit.inventory.deps import build_inventory, walk
    from stackaudit.vulndb.online import query_online, update

    console = Console(soft_wrap=True)
    try:
        settings = load_config(path, config).supply_chain
    except ConfigError as exc:
        Console(stderr=True, soft_wrap=True).print(f"[red]config error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    engine = _engine(db)
    if online:
        deps = build_inventory(path, walk(path)).dependencies
        try:
            result = query_online(engine, deps, settings)
        except httpx.HTTPError as exc:
            Console(stderr=True, soft_wrap=True).print(
                f"[red]error:[/] OSV API unreachable: {escape(str(exc))}"
            )
            raise typer.Exit(1) from None
        console.print(
            f"OSV API: {result.queried} packages queried, {result.cached} answered from the cache, "
            f"{result.advisories} advisories apply"
        )
        raise typer.Exit(0)
    ecosystems = ecosystem or _ecosystems(path) or ["PyPI"]
    outcome = update(engine, ecosystems, settings)
    for report in outcome.reports:
        _print_report(console, report)
    for error in outcome.errors:
        Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(error)}")
    raise typer.Exit(1 if outcome.errors else 0)


@app.command("status")
def status_command(db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Show what the database holds: sources, snapshot dates, ages, counts."""
    from stackaudit.config.loader import ConfigError, load_config
    from stackaudit.vulndb.query import VulnDatabase

    try:
        max_age = load_config(Path.cwd(), config).supply_chain.max_db_age_days
    except ConfigError:
        max_age = 30
    sources = VulnDatabase(_engine(db)).sources()
    console = Console(soft_wrap=True)
    if not sources:
        console.print("[yellow]no vulnerability data imported[/]: run `stackaudit db import PATH`")
        raise typer.Exit(0)
    for s in sources:
        age = s.age_days()
        stale = " [red](stale)[/]" if age is not None and age > max_age else ""
        console.print(
            f"{escape(s.name)} ({s.kind}): {s.records} records, {s.rejected} not analysed, "
            f"snapshot {escape(s.snapshot[:10])} ({age} days){stale}, imported {escape(s.imported_at)}"
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
