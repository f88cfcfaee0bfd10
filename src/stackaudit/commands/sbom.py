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
    from stackaudit.inventory.deps import EnvironmentNotReadable, build_inventory, environment_inventory, walk
    from stackaudit.inventory.sbom import SbomInput, render

    def err(message: str) -> None:  # plain text on stderr: Rich costs 0.2 s of start-up here
        typer.echo(message, err=True)

    if fmt not in FORMATS:
        err(f"error: unknown format {_plain(fmt)!r}: expected {' or '.join(FORMATS)}")
        raise typer.Exit(2)
    try:
        if python is not None:
            inventory, name = environment_inventory(python), python.resolve().name or "environment"
        else:
            if not path.is_dir():
                err(f"error: {_plain(str(path))} is not a directory")
                raise typer.Exit(2)
            inventory, name = build_inventory(path, walk(path)), path.resolve().name
    except EnvironmentNotReadable as exc:
        err(f"error: {_plain(str(exc))}")
        raise typer.Exit(2) from None
    for problem in inventory.problems:
        err(f"not analysed {_plain(problem.path)}: {_plain(problem.detail)}")
    document = render(SbomInput(name=name, inventory=inventory), fmt)
    if output is None:
        typer.echo(document)
    else:
        output.write_text(document, encoding="utf-8")
        err(
            f"{fmt} SBOM with {len({d.purl for d in inventory.dependencies})} components "
            f"written to {_plain(str(output))}"
        )


def _plain(text: str) -> str:
    """Text from the audited project, made safe for a terminal: control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def register(app: typer.Typer) -> None:
    app.command("sbom")(sbom_command)
