"""``stackaudit secrets [PATH]``: secrets in the working tree, the staged files or git history.

Wiring only: options → config → ``run_audit`` restricted to the secret analyzers →
reports → exit code. ``--staged`` is the pre-commit entry (see .pre-commit-hooks.yaml).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from stackaudit.model import AuditResult

TREE, STAGED, HISTORY = "secrets", "secrets-staged", "secrets-history"


def analyzers_for(staged: bool, history: bool) -> frozenset[str]:
    """Which analyzers a mode runs: the tree by default, else the modes asked for."""
    chosen = {name for name, on in ((STAGED, staged), (HISTORY, history)) if on}
    return frozenset(chosen or {TREE})


PathArg = Annotated[Path, typer.Argument(help="Repository or directory to scan.")]
StagedOpt = Annotated[bool, typer.Option("--staged", help="Scan the staged version of staged files.")]
HistoryOpt = Annotated[bool, typer.Option("--history", help="Scan every blob reachable in git history.")]
FormatOpt = Annotated[
    list[str] | None, typer.Option("--format", "-f", help="terminal, json, sarif, markdown, html.")
]
OutputOpt = Annotated[list[Path] | None, typer.Option("--output", "-o", help="One file per --format.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="stackaudit.toml or pyproject.toml to use.")]
DbOpt = Annotated[str | None, typer.Option("--db", help="History store URL (SQLite file or PostgreSQL).")]
FailOnOpt = Annotated[str | None, typer.Option("--fail-on", help="Severity or score>=N that fails the run.")]


def secrets(
    path: PathArg = Path("."),
    staged: StagedOpt = False,
    history: HistoryOpt = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Find secrets: working tree by default, --staged for pre-commit, --history for every commit."""
    from stackaudit.commands import common
    from stackaudit.engine.pipeline import AuditOptions, run_audit

    root = path.resolve()
    if not root.is_dir():
        raise common.fail(f"{path} is not a directory")
    formats = fmt or ["terminal"]
    outputs: list[Path | None] = [None if str(o) == "-" else o for o in (output or [])]
    if len(outputs) > len(formats):
        raise common.fail("give one --output per --format")
    outputs += [None] * (len(formats) - len(outputs))
    pairs = common.pair_outputs(formats, [])
    del pairs  # validates the format names
    common.check_fail_on(fail_on)
    cfg = common.load(root, config)
    options = AuditOptions(
        root=root,
        config=cfg,
        db_url=db,
        use_cache=not (staged or history),
        only_analyzers=analyzers_for(staged, history),
        fail_on=fail_on,
        record=not staged,  # a pre-commit check must not rewrite the history store
    )
    done: list[AuditResult] = []
    with common.interrupt_notice(lambda: bool(done) and options.record):
        done.append(common.guarded(lambda: run_audit(options)))
        written = common.emit(done[0], formats, outputs)
    common.print_verdict(done[0], written, None)
    raise typer.Exit(common.exit_code(done[0]))


def register(app: typer.Typer) -> None:
    app.command("secrets")(secrets)
