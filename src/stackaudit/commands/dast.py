"""``stackaudit dast --target URL``: a light DAST against a running service the user names.

Wiring only: options → the project's config with its ``[dast]`` section replaced by the
options given → ``run_audit`` restricted to the ``dast`` analyzer (so findings are scored,
stored and reported like any other) → reports → exit code: 0 clean, 1 the gate failed,
2 the target did not answer (the reports still say so, with a "not analysed" entry).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from stackaudit.config.schema import Config
    from stackaudit.model import AuditResult

TargetOpt = Annotated[
    str, typer.Option("--target", help="The running service: http(s)://host[:port][/prefix].")
]
OpenapiOpt = Annotated[
    Path | None, typer.Option("--openapi", help="OpenAPI document that drives Schemathesis.")
]
FetchOpt = Annotated[
    bool, typer.Option("--fetch-openapi", help="Allow GET {target}/openapi.json when no --openapi is given.")
]
MaxOpt = Annotated[int | None, typer.Option("--max-requests", help="Stop after N requests (default 300).")]
TimeoutOpt = Annotated[float | None, typer.Option("--timeout", help="Stop after S seconds (default 120).")]
InsecureOpt = Annotated[bool, typer.Option("--insecure", help="Accept a self-signed TLS certificate.")]
UnsafeOpt = Annotated[
    bool,
    typer.Option("--unsafe-methods", help="Let Schemathesis send POST/PUT/PATCH/DELETE (may change data)."),
]
PathOpt = Annotated[Path, typer.Option("--path", help="The project (config, history store).")]
FormatOpt = Annotated[
    list[str] | None, typer.Option("--format", "-f", help="terminal, json, sarif, markdown, html.")
]
OutputOpt = Annotated[list[Path] | None, typer.Option("--output", "-o", help="One file per --format.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="stackaudit.toml or pyproject.toml to use.")]
DbOpt = Annotated[str | None, typer.Option("--db", help="History store URL (SQLite file or PostgreSQL).")]
FailOnOpt = Annotated[str | None, typer.Option("--fail-on", help="Severity or score>=N that fails the run.")]


def _config(
    base: Config,
    target: str,
    openapi: Path | None,
    flags: tuple[bool, bool, bool],  # fetch the document, accept any certificate, unsafe methods
    limits: tuple[int | None, float | None],
) -> Config:
    """The project's config with ``[dast]`` taken from the command line (a bad URL exits 2)."""
    from pydantic import ValidationError

    from stackaudit.commands import common
    from stackaudit.config.sections.dast import DastConfig

    values: dict[str, object] = dict(base.dast.model_dump())
    fetch, insecure, unsafe = flags
    values.update(target=target, openapi=str(openapi.resolve()) if openapi else None, fetch_openapi=fetch)
    if insecure:
        values["verify_tls"] = False
    if unsafe:
        values["unsafe_methods"] = True
    max_requests, timeout = limits
    values.update({k: v for k, v in (("max_requests", max_requests), ("timeout", timeout)) if v is not None})
    try:
        section = DastConfig.model_validate(values)
    except ValidationError as exc:
        raise common.fail(f"--target/--max-requests/--timeout: {exc.errors()[0]['msg']}") from None
    return base.model_copy(update={"dast": section})


def _outputs(formats: list[str], given: list[Path]) -> list[Path | None]:
    """One output per format (``-`` or none: stdout); exit 2 on more outputs than formats."""
    from stackaudit.commands import common

    outputs: list[Path | None] = [None if str(o) == "-" else o for o in given]
    if len(outputs) > len(formats):
        raise common.fail("give one --output per --format")
    common.pair_outputs(formats, [])  # validates the format names
    return outputs + [None] * (len(formats) - len(outputs))


def _unreachable(result: AuditResult) -> str | None:
    for record in result.run.analyzers:
        if record.name == "dast" and record.state.value in ("failed", "timeout"):
            return record.reason or "the target did not answer"
    return None


def dast(
    target: TargetOpt,
    openapi: OpenapiOpt = None,
    fetch_openapi: FetchOpt = False,
    max_requests: MaxOpt = None,
    timeout: TimeoutOpt = None,
    insecure: InsecureOpt = False,
    unsafe_methods: UnsafeOpt = False,
    path: PathOpt = Path("."),
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Scan a running service you name: headers, cookies, CORS, TRACE, error pages, auth, Schemathesis."""
    from stackaudit.commands import common
    from stackaudit.engine.pipeline import AuditOptions, run_audit

    root = path.resolve()
    if not root.is_dir():
        raise common.fail(f"{path} is not a directory")
    if openapi is not None and not openapi.is_file():
        raise common.fail(f"--openapi {openapi}: no such file")
    formats = fmt or ["terminal"]
    outputs = _outputs(formats, output or [])
    common.check_fail_on(fail_on)
    cfg = _config(
        common.load(root, config),
        target,
        openapi,
        (fetch_openapi, insecure, unsafe_methods),
        (max_requests, timeout),
    )
    options = AuditOptions(
        root=root, config=cfg, db_url=db, use_cache=False, only_analyzers=frozenset({"dast"}), fail_on=fail_on
    )
    done: list[AuditResult] = []
    with common.interrupt_notice(lambda: bool(done)):
        done.append(common.guarded(lambda: run_audit(options)))
        written = common.emit(done[0], formats, outputs)
    common.print_verdict(done[0], written, None)
    down = _unreachable(done[0])
    if down is not None:
        raise common.fail(f"DAST target not analysed: {down}")
    raise typer.Exit(common.exit_code(done[0]))


def register(app: typer.Typer) -> None:
    app.command("dast")(dast)
