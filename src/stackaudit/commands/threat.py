"""``stackaudit threat-model [PATH]``: STRIDE per element of each declared journey (or of the whole
service map when none is declared), each threat linked to the findings of the latest stored
audit that evidence it, or marked open with the question to ask.

Wiring only: discovery → ``scope`` (the map) → the latest stored run's findings → ``threat.build``
→ a renderer. With ``--output``, Markdown and HTML start with the dated review record that
``stackaudit report --compare-to`` reads to list journeys whose code changed since.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from stackaudit.model import Assessment

PathArg = Annotated[Path, typer.Argument(help="Repository or directory to model.")]
JourneyOpt = Annotated[
    list[str] | None, typer.Option("--journey", "-j", help="Only this declared journey (repeatable).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="terminal, markdown, json or html.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="stackaudit.toml or pyproject.toml to use.")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="STACKAUDIT_DB", help="Store to read findings from (default: the project's)."
    ),
]
FORMATS = ("terminal", "markdown", "json", "html")


def _findings(root: Path, db: str | None) -> tuple[list[Assessment], str]:
    """The latest stored run's active findings; none (said so) when nothing is stored."""
    from stackaudit.storage.connect import missing_sqlite_file
    from stackaudit.storage.store import Store, default_url, project_key

    url = db or default_url(root)
    if missing_sqlite_file(url) is not None:
        return [], "no stored audit (run `stackaudit audit` first): no threat is evidenced"
    with Store.open(url) as store:
        run_id = store.resolve_run(project_key(root), "latest")
        if run_id is None:
            return [], "no stored audit of this project: no threat is evidenced"
        result = store.load_result(run_id)
    when = result.run.started_at.date().isoformat()
    return list(result.findings), f"stored run {run_id[:12]} of {when}"


def threat_model(
    path: PathArg = Path("."),
    journey: JourneyOpt = None,
    fmt: FormatOpt = "terminal",
    output: OutputOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """STRIDE threats per journey element, linked to the findings that evidence them."""
    from datetime import UTC, datetime

    from stackaudit.commands import common
    from stackaudit.discovery.files import discover
    from stackaudit.scope.build import load_scope
    from stackaudit.threat import render
    from stackaudit.threat.build import build
    from stackaudit.threat.journeys import declared

    root = common.directory_and_format(path, fmt, FORMATS)
    cfg = common.load(root, config)
    journeys = declared(cfg)
    if journey:
        names = {j.name for j in journeys}
        unknown = [n for n in journey if n not in names]
        if unknown:
            known = ", ".join(sorted(names)) or "none declared"
            raise common.fail(f"--journey {', '.join(unknown)}: not a declared journey ({known})")
        journeys = [j for j in journeys if j.name in journey]
    disc = discover(root, cfg)
    try:
        scope = load_scope(disc.root, (f.path for f in disc.files if f.language == "python"))
        smap = scope.service_map()
    except RecursionError:
        raise common.fail("the URL configuration nests deeper than can be read: no service map") from None
    findings, source = common.guarded(lambda: _findings(root, db))
    today = datetime.now(UTC).date().isoformat()
    model = build(scope, smap, journeys, findings, source, today)
    writers = {
        "terminal": lambda: render.to_terminal(model),
        "markdown": lambda: render.to_markdown(model, smap),
        "json": lambda: render.to_json(model),
        "html": lambda: render.to_html(model, smap),
    }
    text = writers[fmt]()
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    total = sum(len(j.threats) for j in model.journeys)
    common.err_console().print(
        f"threat model: {len(model.journeys)} journey(s), {total} threats -> {common.escape(str(output))}",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.command("threat-model")(threat_model)
