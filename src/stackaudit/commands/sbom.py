"""``stackaudit sbom``: CycloneDX 1.6 (default) or SPDX 2.3 JSON for a project or an installed environment.

Wiring only. Nothing is executed or imported from the project; ``--python`` reads the
environment's ``*.dist-info`` metadata. Exit codes: 0 written, 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

FORMATS = ("cyclonedx", "spdx")


def sbom_command(
    path: Annotated[Path, typer.Argument(help="Project directory (manifests and lock files).")] = Path("."),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: stdout).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="cyclonedx or spdx.")] = "cyclonedx",
    python: Annotated[
        Path | None,
        typer.Option(
            "--python", help="Describe this installed environment (interpreter, venv or site-packages)."
        ),
    ] = None,
) -> None:
    """Write a software bill of materials with licences, hashes and the dependency graph."""
    from rich.console import Console
    from rich.markup import escape

    from stackaudit.inventory.deps import EnvironmentNotReadable, build_inventory, environment_inventory, walk
    from stackaudit.inventory.sbom import SbomInput, render

    err = Console(stderr=True, soft_wrap=True)
    if fmt not in FORMATS:
        err.print(f"[red]error:[/] unknown format {escape(fmt)!r}: expected {' or '.join(FORMATS)}")
        raise typer.Exit(2)
    try:
        if python is not None:
            inventory, name = environment_inventory(python), python.resolve().name or "environment"
        else:
            if not path.is_dir():
                err.print(f"[red]error:[/] {escape(str(path))} is not a directory")
                raise typer.Exit(2)
            inventory, name = build_inventory(path, walk(path)), path.resolve().name
    except EnvironmentNotReadable as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    for problem in inventory.problems:
        err.print(f"[yellow]not analysed[/] {escape(problem.path)}: {escape(problem.detail)}")
    document = render(SbomInput(name=name, inventory=inventory), fmt)
    if output is None:
        typer.echo(document)
    else:
        output.write_text(document, encoding="utf-8")
        err.print(
            f"{fmt} SBOM with {len({d.purl for d in inventory.dependencies})} components "
            f"written to {escape(str(output))}"
        )


def register(app: typer.Typer) -> None:
    app.command("sbom")(sbom_command)
