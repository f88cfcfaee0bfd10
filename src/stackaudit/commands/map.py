"""``stackaudit map [PATH]``: the service map (endpoints and who reaches them, data stores, third
parties, queues, and which handlers touch which), read statically.

Wiring only: discovery (the same files an audit reads) → ``scope.build_map`` → a renderer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PathArg = Annotated[Path, typer.Argument(help="Repository or directory to map.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="json, mermaid or html.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="stackaudit.toml or pyproject.toml to use.")]


def service_map(
    path: PathArg = Path("."), fmt: FormatOpt = "json", output: OutputOpt = None, config: ConfigOpt = None
) -> None:
    """Draw the service map: edge -> handler -> data store / third party / queue."""
    from stackaudit.commands import common
    from stackaudit.discovery.files import discover
    from stackaudit.scope.build import build_map
    from stackaudit.scope.render import FORMATS

    root = common.directory_and_format(path, fmt, FORMATS)
    cfg = common.load(root, config)
    disc = discover(root, cfg)
    smap = build_map(disc.root, (f.path for f in disc.files if f.language == "python"))
    text = FORMATS[fmt](smap)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(
            f"service map: {len(smap.endpoints)} endpoints, {len(smap.resources)} resources -> {output}",
            err=True,
        )


def register(app: typer.Typer) -> None:
    app.command("map")(service_map)
