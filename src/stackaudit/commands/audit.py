"""``stackaudit audit``, ``stackaudit gate``, ``stackaudit explain``, ``stackaudit rules``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stackaudit.analyzers import registry
from stackaudit.commands import common
from stackaudit.engine.pipeline import AuditOptions, run_audit

PathArg = Annotated[Path, typer.Argument(help="Repository or directory to audit.", show_default=True)]
FormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format", "-f", help="terminal|json|sarif|markdown|html (repeatable, pairs with --output)."
    ),
]
OutputOpt = Annotated[
    list[Path] | None, typer.Option("--output", "-o", help="File for the matching --format.")
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", envvar="STACKAUDIT_CONFIG", help="Config file.")]
DbOpt = Annotated[
    str | None, typer.Option("--db", envvar="STACKAUDIT_DB", help="SQLAlchemy URL of the history store.")
]
FailOnOpt = Annotated[
    str | None, typer.Option("--fail-on", help="A severity (e.g. high) or score>=N; 'none' never fails.")
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores).")
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Ignore and do not write the result cache.")]
OnlyOpt = Annotated[list[str] | None, typer.Option("--only", help="Run only these analyzers (repeatable).")]
ExploitOpt = Annotated[
    bool, typer.Option("--fail-on-exploitable", help="Fail on any critical or known-exploited CVE.")
]


def _analyzer_names(only: list[str] | None) -> frozenset[str] | None:
    """``--only a,b --only c`` → {a, b, c}; an unknown name is an error, never an empty run."""
    if not only:
        return None
    names = frozenset(n.strip() for item in only for n in item.split(",") if n.strip())
    known = {a.name for a in registry.all_analyzers()}
    unknown = sorted(names - known)
    if unknown:
        raise common.fail(
            f"--only: unknown analyzer(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return names


def _audit(
    path: Path,
    formats: list[str] | None,
    outputs: list[Path] | None,
    config: Path | None,
    db: str | None,
    baseline: str | None,
    fail_on: str | None,
    jobs: int | None,
    no_cache: bool,
    only: list[str] | None,
    exploitable: bool,
) -> None:
    if not path.is_dir():
        raise common.fail(f"{path}: not a directory")
    pairs = common.pair_outputs(formats or [], outputs or [])
    cfg = common.load(path, config)
    if fail_on is not None:
        try:
            from stackaudit.engine.gate import Threshold

            Threshold.parse(fail_on)
        except ValueError as exc:
            raise common.fail(f"--fail-on: {exc}") from None
    options = AuditOptions(
        root=path,
        config=cfg,
        db_url=db,
        jobs=jobs,
        use_cache=not no_cache,
        only_analyzers=_analyzer_names(only),
        baseline=baseline,
        fail_on=fail_on,
        fail_on_exploitable=exploitable,
    )
    with common.progress_bar(True) as progress:
        result = common.guarded(lambda: run_audit(options, progress))
    common.emit(result, [f for f, _ in pairs], [o for _, o in pairs])
    raise typer.Exit(common.exit_code(result))


def audit(
    path: PathArg = Path("."),
    format: FormatOpt = None,
    output: OutputOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    baseline: Annotated[
        str | None, typer.Option("--baseline", help="Git ref, stored run id, or baseline file.")
    ] = None,
    fail_on: FailOnOpt = None,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    only: OnlyOpt = None,
    fail_on_exploitable: ExploitOpt = False,
) -> None:
    """Audit a repository: every finding, ranked by Impact x Likelihood / Effort."""
    _audit(path, format, output, config, db, baseline, fail_on, jobs, no_cache, only, fail_on_exploitable)


def gate(
    path: PathArg = Path("."),
    baseline: Annotated[
        str, typer.Option("--baseline", help="Git ref, stored run id, or baseline file.")
    ] = ...,  # type: ignore[assignment]
    format: FormatOpt = None,
    output: OutputOpt = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    fail_on: FailOnOpt = None,
    jobs: JobsOpt = None,
    no_cache: NoCacheOpt = False,
    only: OnlyOpt = None,
    fail_on_exploitable: ExploitOpt = False,
) -> None:
    """The same audit, failing only on findings NEW since the baseline (exit 1)."""
    _audit(path, format, output, config, db, baseline, fail_on, jobs, no_cache, only, fail_on_exploitable)


def explain(rule: Annotated[str, typer.Argument(help="Rule id, e.g. perf.n-plus-one")]) -> None:
    """Print a rule's documentation and playbook; playbook:NAME prints a symptom playbook."""
    if rule.startswith("playbook:"):
        from stackaudit.governance.playbooks import explain_playbook

        explain_playbook(rule.removeprefix("playbook:"))
        return
    rules = registry.rule_index().rules
    meta = rules.get(rule)
    if meta is None:
        close = [r for r in sorted(rules) if rule.lower() in r.lower()][:8]
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `stackaudit rules`."
        raise common.fail(f"unknown rule {rule!r}.{hint}")
    console = Console(highlight=False)
    console.print(f"[bold]{escape(meta.id)}[/]: {escape(meta.title)}")
    cwe = ", ".join(f"CWE-{c}" for c in meta.cwe) or "none"
    facts = (
        f"category {meta.category.value} · severity {meta.severity.label} · CWE {cwe} · "
        f"defaults: impact {meta.impact:g}, likelihood {meta.likelihood:g}, effort {meta.effort:g} day(s)"
    )
    console.print(facts, soft_wrap=True)
    console.print()
    console.print(escape(meta.doc), soft_wrap=True)
    if meta.fix:
        console.print()
        console.print(f"[bold]Fix:[/] {escape(meta.fix)}", soft_wrap=True)


def list_rules(
    category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
) -> None:
    """List every rule with its category, severity and default score factors."""
    table = Table("rule", "category", "severity", "I", "L", "E", "title")
    for rid, meta in sorted(registry.rule_index().rules.items()):
        if category and meta.category.value != category:
            continue
        table.add_row(
            escape(rid),
            meta.category.value,
            meta.severity.label,
            f"{meta.impact:g}",
            f"{meta.likelihood:g}",
            f"{meta.effort:g}",
            escape(meta.title),
        )
    Console(highlight=False).print(table)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.command("gate")(gate)
    app.command("explain")(explain)
    app.command("rules")(list_rules)
