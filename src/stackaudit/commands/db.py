"""``stackaudit db``: the offline vulnerability database (import, update, status).

Wiring only: options -> vulndb -> printed summary -> exit code. The data lives in one
store per user (see ``vulndb/connect.py``), named in every message about it.
Exit codes: 0 done; 2 usage, bad input, or a source that failed (the others were imported):
1 is reserved for findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine

    from stackaudit.config.schema import Config
    from stackaudit.vulndb.connect import VulnStore

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Vulnerability store: URL or SQLite path (default: $STACKAUDIT_VULNDB, the config's "
        "supply_chain.vulndb, else ~/.local/share/stackaudit/vulndb.db).",
    ),
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="stackaudit.toml or pyproject.toml.")]
EXIT_ERROR = 2

app = typer.Typer(
    help="The offline vulnerability database: OSV advisories, CISA KEV, EPSS.", no_args_is_help=True
)


def _err(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True, highlight=False).print(f"[red]error:[/] {escape(message)}")


def _config(root: Path, explicit: Path | None, strict: bool = True) -> Config:
    from stackaudit.config.loader import ConfigError, load_config
    from stackaudit.config.schema import Config

    try:
        return load_config(root, explicit)
    except ConfigError as exc:
        if not strict:
            return Config()
        _err(f"config: {exc}")
        raise typer.Exit(EXIT_ERROR) from None


def _store(db: str | None, config: Config | None) -> VulnStore:
    from stackaudit.vulndb.connect import StoreError, locate

    try:
        return locate(db, config)
    except StoreError as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_ERROR) from None


def _engine(store: VulnStore) -> Engine:
    from stackaudit.vulndb.connect import StoreError, open_engine

    try:
        return open_engine(store.url)
    except StoreError as exc:
        _err(f"vulnerability store {store.where}: {exc}")
        raise typer.Exit(EXIT_ERROR) from None


def _console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=True, highlight=False)


def _print_report(console: Console, report: object) -> None:
    from rich.markup import escape

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
    config: ConfigOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="Source name (default from the data).")] = None,
    snapshot: Annotated[
        str | None, typer.Option("--snapshot", help="Snapshot date when the data has none.")
    ] = None,
) -> None:
    """Import vulnerability data into the store (offline)."""
    from rich.markup import escape

    from stackaudit.vulndb.importer import ImportFailed, ImportOptions, import_path

    store = _store(db, _config(Path.cwd(), config, strict=config is not None))
    console, failed = _console(), False
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        _err(f"{path}: no such file or directory")
    engine = _engine(store) if len(missing) < len(paths) else None
    for path in paths:
        if engine is None or path in missing:
            continue
        try:
            report = import_path(engine, path, ImportOptions(name=name, snapshot=snapshot))
        except ImportFailed as exc:
            _err(str(exc))
            failed = True
            continue
        _print_report(console, report)
    if engine is not None:
        console.print(f"vulnerability store: {escape(store.where)}")
    raise typer.Exit(EXIT_ERROR if failed or missing else 0)


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
    from rich.markup import escape

    from stackaudit.inventory.deps import build_inventory, walk
    from stackaudit.vulndb.online import query_online, update

    cfg = _config(path, config)
    settings = cfg.supply_chain
    store = _store(db, cfg)
    engine, console = _engine(store), _console()
    console.print(f"vulnerability store: {escape(store.where)}")
    if online:
        deps = build_inventory(path, walk(path)).dependencies
        try:
            result = query_online(engine, deps, settings)
        except httpx.HTTPError as exc:
            _err(f"OSV API unreachable: {exc}")
            raise typer.Exit(EXIT_ERROR) from None
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
        _err(error)
    raise typer.Exit(EXIT_ERROR if outcome.errors else 0)


@app.command("status")
def status_command(db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Show what the database holds: sources, snapshot dates, ages, counts. Never creates it."""
    from rich.markup import escape

    from stackaudit.vulndb.query import VulnDatabase

    cfg = _config(Path.cwd(), config, strict=config is not None)
    store, console = _store(db, cfg), _console()
    if not store.exists():
        console.print(
            f"[yellow]no vulnerability data[/]: {escape(store.where)} does not exist "
            f"(chosen by {escape(store.origin)}). Run `stackaudit db import PATH` or `stackaudit db update`"
        )
        raise typer.Exit(0)
    engine = _engine(store)
    try:
        sources = VulnDatabase(engine).sources()
    finally:
        engine.dispose()
    console.print(f"vulnerability store: {escape(store.where)} (chosen by {escape(store.origin)})")
    if not sources:
        console.print("[yellow]no vulnerability data imported[/]: run `stackaudit db import PATH`")
        raise typer.Exit(0)
    for s in sources:
        age = s.age_days()
        stale = " [red](stale)[/]" if age is not None and age > cfg.supply_chain.max_db_age_days else ""
        console.print(
            f"{escape(s.name)} ({s.kind}): {s.records} records, {s.rejected} not analysed, "
            f"snapshot {escape(s.snapshot[:10])} ({age} days){stale}, imported {escape(s.imported_at)}"
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
