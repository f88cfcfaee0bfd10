"""``stackaudit metrics``: sample Prometheus, Redis and PostgreSQL over a window."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackaudit.commands import common


def metrics(
    prometheus: Annotated[
        list[str] | None, typer.Option("--prometheus", help="Prometheus text endpoint URL (repeatable).")
    ] = None,
    redis: Annotated[
        str | None, typer.Option("--redis", help="Redis URL, e.g. redis://127.0.0.1:6379/0")
    ] = None,
    postgres: Annotated[str | None, typer.Option("--postgres", help="PostgreSQL URL.")] = None,
    queue: Annotated[
        list[str] | None, typer.Option("--queue", help="Redis list / Celery queue to watch (repeatable).")
    ] = None,
    window: Annotated[float, typer.Option("--window", min=0, help="Seconds to sample.")] = 60.0,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between samples.")] = 5.0,
    label: Annotated[str, typer.Option("--label", help="Label for the window, e.g. peak or quiet.")] = "peak",
    root: Annotated[Path, typer.Option("--root", help="The audited project the evidence belongs to.")] = Path(
        "."
    ),
    db: Annotated[
        str | None, typer.Option("--db", envvar="STACKAUDIT_DB", help="Store URL for the evidence.")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="terminal or json.")] = "terminal",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
) -> None:
    """Capture a runtime baseline: cache hit ratios, connections, lock waits, queue depths."""
    from stackaudit.runtime.metrics.report import print_terminal, to_evidence, to_json
    from stackaudit.runtime.metrics.window import Targets, sample
    from stackaudit.storage.store import Store, default_url, project_key

    if not (prometheus or redis or postgres):
        raise common.fail("name at least one source: --prometheus, --redis or --postgres")
    if format not in ("terminal", "json"):
        raise common.fail("--format must be terminal or json")
    targets = Targets(tuple(prometheus or ()), redis, postgres, tuple(queue or ("celery",)))
    report = sample(targets, window, interval, label)
    if format == "json":
        text = to_json(report)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            typer.echo(text)
    else:
        from rich.console import Console

        print_terminal(report, Console(file=output.open("w") if output else None, highlight=False))
    if not report.readings:
        raise common.fail("no source could be read: " + "; ".join(report.errors))
    evidence = to_evidence(report, project_key(root.resolve()))
    if evidence:
        url = db or default_url(root.resolve())

        def save() -> None:
            with Store.open(url) as store:
                store.add_evidence(evidence)

        common.guarded(save)


def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)
