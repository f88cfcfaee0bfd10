"""``stackaudit audit``, ``stackaudit gate``, ``stackaudit explain``, ``stackaudit rules``.

Heavy modules (the engine, analyzers, storage, reports) are imported inside the command
functions, so ``--help`` and ``explain`` never load them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stackaudit.commands import common

if TYPE_CHECKING:
    from stackaudit.config.schema import Config
    from stackaudit.governance.dora.model import DoraResult
    from stackaudit.model import AuditResult

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
    str | None,
    typer.Option("--db", envvar="STACKAUDIT_DB", help="History store: SQLAlchemy URL or SQLite file path."),
]
FailOnOpt = Annotated[
    str | None, typer.Option("--fail-on", help="A severity (e.g. high) or score>=N; 'none' never fails.")
]
JobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores).")
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Ignore and do not write the result cache.")]
OnlyOpt = Annotated[list[str] | None, typer.Option("--only", help="Run only these analyzers (repeatable).")]
ChangedOpt = Annotated[
    str | None,
    typer.Option(
        "--changed-since",
        metavar="REF",
        help="Analyse only files changed since this git ref (and what data flows need); "
        "carry the rest from the latest stored run.",
    ),
]
OnlineOpt = Annotated[
    bool,
    typer.Option(
        "--online",
        help="Allow the network: fetch the vulnerability data when the store is empty, query OSV.",
    ),
]
ExploitOpt = Annotated[
    bool, typer.Option("--fail-on-exploitable", help="Fail on any critical or known-exploited CVE.")
]


@dataclass(frozen=True)
class AuditArgs:
    """The command line of ``audit`` and ``gate``, as given."""

    path: Path
    formats: list[str]
    outputs: list[Path]
    config: Path | None
    db: str | None
    baseline: str | None
    fail_on: str | None
    jobs: int | None
    no_cache: bool
    only: list[str]
    exploitable: bool
    changed_since: str | None = None
    online: bool = False


def _analyzer_names(only: list[str]) -> frozenset[str] | None:
    """``--only a,b --only c`` → {a, b, c}; an unknown name is an error, never an empty run."""
    if not only:
        return None
    from stackaudit.analyzers import registry

    names = frozenset(n.strip() for item in only for n in item.split(",") if n.strip())
    known = {a.name for a in registry.all_analyzers()}
    unknown = sorted(names - known)
    if unknown:
        raise common.fail(
            f"--only: unknown analyzer(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return names


def _check_db(db: str | None) -> None:
    """A ``--db`` that cannot work fails before the audit (and never creates a mistyped folder)."""
    if db is None:
        return
    from stackaudit.storage.connect import parse_url, preflight_sqlite, sqlite_file
    from stackaudit.storage.store import StoreError

    try:
        path = sqlite_file(parse_url(db))
        if path is not None:
            preflight_sqlite(path)
    except StoreError as exc:
        raise common.fail(f"--db: {exc}") from None


def _audit(args: AuditArgs) -> None:
    if not args.path.is_dir():
        raise common.fail(f"{args.path}: not a directory")
    pairs = common.pair_outputs(args.formats, args.outputs)
    cfg = common.load(args.path, args.config)
    from stackaudit.commands import vulnfetch

    if args.online:
        cfg = vulnfetch.online(cfg)
    common.check_fail_on(args.fail_on)
    _check_db(args.db)
    from stackaudit.engine.pipeline import AuditOptions, run_audit, store_url

    options = AuditOptions(
        root=args.path,
        config=cfg,
        db_url=args.db,
        jobs=args.jobs,
        use_cache=not args.no_cache,
        only_analyzers=_analyzer_names(args.only),
        baseline=args.baseline,
        fail_on=args.fail_on,
        fail_on_exploitable=args.exploitable,
        changed_since=args.changed_since,
    )
    vulnfetch.fetch_if_missing(args.path, cfg)
    done: list[AuditResult] = []
    with common.interrupt_notice(lambda: bool(done)), common.progress_bar(True) as feedback:
        done.append(common.guarded(lambda: run_audit(options, feedback.files, feedback.stage)))
        dora = _dora(args, cfg, done[0])
        feedback.stage("rendering", len(done[0].findings))
        written = common.emit(done[0], [f for f, _ in pairs], [o for _, o in pairs], dora)
    common.print_verdict(done[0], written, _where(store_url(options)))
    raise typer.Exit(common.exit_code(done[0]))


def _dora(args: AuditArgs, cfg: Config, result: AuditResult) -> DoraResult | None:
    """DORA computed and stored with the run when the config has a ``[dora]`` section."""
    if cfg.dora is None:
        return None
    from stackaudit.commands.dora import for_audit

    return for_audit(args.path, cfg.dora, args.db, result.run.id)


def _where(url: str) -> str:
    from stackaudit.storage.connect import describe, parse_url

    return describe(parse_url(url))


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
    changed_since: ChangedOpt = None,
    online: OnlineOpt = False,
) -> None:
    """Audit a repository: every finding, ranked by Impact x Likelihood / Effort."""
    _audit(
        AuditArgs(
            path,
            format or [],
            output or [],
            config,
            db,
            baseline,
            fail_on,
            jobs,
            no_cache,
            only or [],
            fail_on_exploitable,
            changed_since,
            online,
        )
    )


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
    changed_since: ChangedOpt = None,
    online: OnlineOpt = False,
) -> None:
    """The same audit, failing only on findings NEW since the baseline (exit 1)."""
    _audit(
        AuditArgs(
            path,
            format or [],
            output or [],
            config,
            db,
            baseline,
            fail_on,
            jobs,
            no_cache,
            only or [],
            fail_on_exploitable,
            changed_since,
            online,
        )
    )


def explain(rule: Annotated[str, typer.Argument(help="Rule id, e.g. perf.n-plus-one")]) -> None:
    """Print a rule's documentation and playbook; playbook:NAME prints a symptom playbook."""
    if rule.startswith("playbook:"):
        from stackaudit.governance.playbooks import explain_playbook

        explain_playbook(rule.removeprefix("playbook:"))
        return
    from rich.console import Console

    from stackaudit.commands import catalogue

    rules = catalogue.rules()
    meta = rules.get(rule)
    if meta is None:
        close = [r for r in sorted(rules) if rule.lower() in r.lower()][:8]
        hint = f" Did you mean: {', '.join(close)}?" if close else " See `stackaudit rules`."
        raise common.fail(f"unknown rule {rule!r}.{hint}")
    esc = common.escape
    console = Console(highlight=False)
    console.print(f"[bold]{esc(meta.id)}[/]: {esc(meta.title)}")
    cwe = ", ".join(f"CWE-{c}" for c in meta.cwe) or "none"
    facts = (
        f"category {meta.category} · severity {meta.severity} · CWE {cwe} · "
        f"defaults: impact {meta.impact:g}, likelihood {meta.likelihood:g}, effort {meta.effort:g} day(s)"
    )
    console.print(facts, soft_wrap=True)
    console.print()
    doc = catalogue.plain(meta.doc)
    console.print(esc(doc), soft_wrap=True)
    has_fix = any(line.startswith("Fix:") for line in doc.splitlines())
    if meta.fix and not has_fix:  # the playbook's own "Fix:" paragraph says it already
        console.print()
        console.print(f"[bold]Fix:[/] {esc(catalogue.plain(meta.fix))}", soft_wrap=True)


def list_rules(
    category: Annotated[
        str | None, typer.Option("--category", help="Only this category (a prefix or perf/sec/scale/sca).")
    ] = None,
) -> None:
    """List every rule with its category, severity and default score factors."""
    from rich.console import Console
    from rich.table import Table

    from stackaudit.commands import catalogue
    from stackaudit.model.enums import Category

    wanted = None
    if category is not None:
        known = {c.value for c in Category}
        wanted = catalogue.category(category, known)
        if wanted is None:
            raise common.fail(
                f"--category: unknown category {category!r} (expected one of: {', '.join(sorted(known))})"
            )
    esc = common.escape
    table = Table("rule", "category", "severity", "I", "L", "E", "title")
    for rid, meta in sorted(catalogue.rules().items()):
        if wanted and meta.category != wanted:
            continue
        table.add_row(
            esc(rid),
            meta.category,
            meta.severity,
            f"{meta.impact:g}",
            f"{meta.likelihood:g}",
            f"{meta.effort:g}",
            esc(meta.title),
        )
    Console(highlight=False).print(table)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.command("gate")(gate)
    app.command("explain")(explain)
    app.command("rules")(list_rules)
