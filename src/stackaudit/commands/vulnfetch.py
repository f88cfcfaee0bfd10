"""The first audit allowed online fetches the vulnerability data, with a progress bar.

``audit --online`` (or ``[tool.stackaudit.supply_chain] online = true``) on a machine whose
vulnerability store does not exist yet downloads what ``stackaudit db update`` downloads (the
OSV exports of the project's ecosystems, KEV, EPSS) before the audit, so the first report
already shows vulnerable dependencies. A source that cannot be fetched is one warning line;
the audit goes on (its report then says what to import).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stackaudit.config.schema import Config


def online(config: Config) -> Config:
    """The config with ``supply_chain.online`` on (the ``--online`` flag)."""
    chain = config.supply_chain.model_copy(update={"online": True})
    return config.model_copy(update={"supply_chain": chain})


def fetch_if_missing(root: Path, config: Config) -> None:
    """Download the data into the store when the audit may go online and the store is empty."""
    from stackaudit.vulndb.connect import locate

    store = locate(None, config)
    if not config.supply_chain.online or store.exists():
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn

    from stackaudit.commands.db import _ecosystems, _print_report
    from stackaudit.vulndb.connect import StoreError, open_engine
    from stackaudit.vulndb.online import update

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"vulnerability store {escape(store.where)} is empty: fetching the data (online)")
    ecosystems = _ecosystems(root) or ["PyPI"]
    if store.file is not None:
        store.file.parent.mkdir(parents=True, exist_ok=True)  # the store's own folder, never the project
    try:
        engine = open_engine(store.url)
    except StoreError as exc:
        console.print(f"[yellow]warning:[/] vulnerability store {escape(store.where)}: {escape(str(exc))}")
        return
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(escape(name), total=total)
            bar.update(tasks[name], completed=done, total=total)

        outcome = update(engine, ecosystems, config.supply_chain, progress=advance)
    for report in outcome.reports:
        _print_report(console, report)
    for error in outcome.errors:  # the audit goes on; its report says what was not checked
        console.print(f"[yellow]warning:[/] {escape(error)}")
