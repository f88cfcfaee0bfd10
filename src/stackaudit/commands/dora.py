"""``stackaudit dora``: the four DORA keys from git tags or a deploy log, written out and stored.

The result goes to the history store (``--db``, default ``PATH/.stackaudit/stackaudit.db``) under
the same project name an audit of PATH uses, so the dashboard shows it beside finding debt.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stackaudit.commands import common
from stackaudit.governance.dora import bands
from stackaudit.governance.dora.model import DoraInputError, DoraResult

if TYPE_CHECKING:
    from stackaudit.config.sections.dora import DoraConfig

FORMATS = ("terminal", "json", "markdown")


def _when(option: str, raw: str | None, end_of_day: bool) -> datetime | None:
    """``YYYY-MM-DD`` (``--until`` includes that whole day) or an ISO 8601 time, as UTC."""
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise common.fail(f"{option}: bad date {raw!r} (expected YYYY-MM-DD or ISO 8601)") from None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if end_of_day and len(raw) == 10:
        value += timedelta(days=1)
    return value


def _write(result: DoraResult, fmt: str, output: Path | None) -> None:
    from rich.console import Console

    from stackaudit.governance.dora.render import print_terminal, to_json, to_markdown

    if fmt == "terminal":
        if output is None:
            print_terminal(result, Console(highlight=False))
            return
        with output.open("w", encoding="utf-8") as handle:
            print_terminal(result, Console(file=handle, highlight=False, width=160))
        return
    text = to_json(result) if fmt == "json" else to_markdown(result)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


def dora(
    path: Annotated[Path, typer.Argument(help="The git repository.")] = Path("."),
    tags: Annotated[
        str | None, typer.Option("--tags", help="Deployments = annotated tags matching this glob.")
    ] = None,
    deploys: Annotated[
        Path | None,
        typer.Option("--deploys", help="Deploy log CSV/JSON: id, time, commit, environment, status."),
    ] = None,
    incidents: Annotated[
        Path | None, typer.Option("--incidents", help="Incidents CSV/JSON: id, opened, resolved, deployment.")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Window start (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Window end, inclusive (YYYY-MM-DD).")] = None,
    environment: Annotated[
        str | None, typer.Option("--environment", help="Only deploy-log rows of this environment.")
    ] = None,
    band_year: Annotated[
        int,
        typer.Option(
            "--band-year", help=f"DORA report year of the bands ({', '.join(map(str, bands.BAND_TABLES))})."
        ),
    ] = bands.DEFAULT_YEAR,
    format: Annotated[str, typer.Option("--format", "-f", help="terminal|json|markdown.")] = "terminal",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="STACKAUDIT_DB", help="History store: SQLAlchemy URL or SQLite file path."
        ),
    ] = None,
    no_store: Annotated[
        bool, typer.Option("--no-store", help="Do not save the result in the store.")
    ] = False,
) -> None:
    """DORA metrics per month and over the window: frequency, lead time, change failure rate, recovery."""
    if (tags is None) == (deploys is None):
        raise common.fail("give exactly one of --tags GLOB and --deploys FILE")
    if format not in FORMATS:
        raise common.fail(f"unknown format {format!r} (expected one of: {', '.join(FORMATS)})")
    if not path.is_dir():
        raise common.fail(f"{path}: not a directory")
    from stackaudit.governance.dora.compute import DoraOptions, run

    opts = DoraOptions(
        repo=path,
        tags=tags,
        deploys=deploys,
        incidents=incidents,
        since=_when("--since", since, False),
        until=_when("--until", until, True),
        environment=environment,
        band_year=band_year,
    )
    try:
        result = run(opts)
    except DoraInputError as exc:
        raise common.fail(str(exc)) from None
    common.guarded(lambda: _write(result, format, output))
    if not no_store:
        common.guarded(lambda: save(path, db, result))


def save(path: Path, db: str | None, result: DoraResult, run_id: str | None = None) -> int:
    """Store ``result`` for the project at ``path`` (tied to ``run_id`` when an audit computed it)."""
    from stackaudit.governance.dora.render import DEFINITIONS_VERSION, definitions
    from stackaudit.storage.store import Store, default_url, project_key

    with Store.open(db or default_url(path.resolve())) as store:
        return store.save_dora(
            project_key(path),
            result,
            definitions=definitions(result),
            definitions_version=DEFINITIONS_VERSION,
            run_id=run_id,
        )


def for_audit(root: Path, cfg: DoraConfig, db: str | None, run_id: str) -> DoraResult | None:
    """DORA for an audit whose config has ``[dora]``: computed, stored with the run, returned.

    Input that cannot be used (no matching tag, a bad deploy log) does not fail the audit, which
    is already stored: the message is printed and the reports carry no DORA section.
    """
    from stackaudit.governance.dora.compute import DoraOptions, run

    now = datetime.now(UTC)
    months_back = now.year * 12 + now.month - 1 - (cfg.months - 1)
    opts = DoraOptions(
        repo=root,
        tags=cfg.tags,
        deploys=None if cfg.deploys is None else root / cfg.deploys,
        incidents=None if cfg.incidents is None else root / cfg.incidents,
        since=datetime(months_back // 12, months_back % 12 + 1, 1, tzinfo=UTC),
        until=now,
        environment=cfg.environment,
        band_year=cfg.band_year,
        now=now,
    )
    try:
        result = run(opts)
    except DoraInputError as exc:
        common.err_console().print(
            f"[yellow]{common.escape('DORA ([dora] in the config) not computed:')}[/] "
            f"{common.escape(str(exc))}",
            soft_wrap=True,
        )
        return None
    common.guarded(lambda: save(root, db, result, run_id))
    return result


def register(app: typer.Typer) -> None:
    app.command("dora")(dora)
