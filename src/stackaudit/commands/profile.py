"""``stackaudit profile``: attach py-spy to a running process; hot functions become evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from stackaudit.commands import common


def profile(
    pid: Annotated[int, typer.Option("--pid", help="Process to attach to (py-spy).")],
    duration: Annotated[float, typer.Option("--duration", min=1, help="Seconds to sample.")] = 10.0,
    root: Annotated[Path, typer.Option("--root", help="The project whose functions count.")] = Path("."),
    output: Annotated[Path, typer.Option("--output", "-o", help="Speedscope JSON flame graph.")] = Path(
        "profile.speedscope.json"
    ),
    threshold: Annotated[
        float, typer.Option("--threshold", help="Share of CPU that makes a function hot.")
    ] = 0.10,
    db: Annotated[
        str | None, typer.Option("--db", envvar="STACKAUDIT_DB", help="Store URL for the evidence.")
    ] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="terminal or json.")] = "terminal",
) -> None:
    """Profile a running Python process and flag functions over the CPU threshold."""
    from stackaudit.runtime.profile.evidence import hot_evidence
    from stackaudit.runtime.profile.pyspy import ProfileError, profile_pid
    from stackaudit.storage.store import Store, default_url, project_key

    project_root = root.resolve()
    try:
        result = profile_pid(pid, duration, project_root, output, threshold=threshold)
    except ProfileError as exc:
        raise common.fail(str(exc)) from None
    if format == "json":
        typer.echo(
            json.dumps(
                {
                    "pid": result.pid,
                    "samples": result.samples,
                    "partial": result.partial,
                    "speedscope": str(result.speedscope),
                    "hot": [
                        {"function": h.function, "path": h.path, "line": h.line, "share": h.fraction}
                        for h in result.hot
                    ],
                },
                indent=2,
            )
        )
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table(
            "share", "function", "location", title=f"Hot functions of PID {pid} ({result.samples} samples)"
        )
        for h in result.hot:
            table.add_row(f"{h.fraction:.0%}", escape(h.function), escape(f"{h.path}:{h.line}"))
        console = Console(highlight=False)
        console.print(table)
        console.print(f"flame graph: {escape(str(result.speedscope))} (open in speedscope)")
        if result.partial:
            console.print(f"[yellow]partial:[/] {escape(result.partial)}")
    evidence = hot_evidence(None, [list(result.hot)], project_key(project_root), f"py-spy PID {pid}")
    if evidence:

        def save() -> None:
            with Store.open(db or default_url(project_root)) as store:
                store.add_evidence(evidence)

        common.guarded(save)


def register(app: typer.Typer) -> None:
    app.command("profile")(profile)
