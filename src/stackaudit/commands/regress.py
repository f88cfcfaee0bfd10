"""``stackaudit gate-perf --baseline FILE --current FILE``: the performance regression gate.

Both files are ``stackaudit load --rate R --repeats N --format json`` reports or perf-sample
JSON files (``{"schema": "stackaudit.perf-sample", "p95_ms": [...], "alloc_peak_bytes": [...]}``).
Several --baseline / --current files are sessions (e.g. interleaved runs): the bootstrap then
resamples sessions too.
Exit codes: 0 pass, 1 fail, 0 inconclusive (1 with --strict), 2 unreadable input or config.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from stackaudit.runtime.regression import RegressionVerdict

BaselineOpt = Annotated[
    list[Path],
    typer.Option("--baseline", help="Baseline load report or perf sample; repeat for several sessions."),
]
CurrentOpt = Annotated[
    list[Path],
    typer.Option("--current", help="Current load report or perf sample; repeat for several sessions."),
]
EndpointOpt = Annotated[str, typer.Option("--endpoint", help="Endpoint of a load report ('all').")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Inconclusive fails the gate too.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="stackaudit.toml or pyproject.toml.")]
DbOpt = Annotated[str | None, typer.Option("--db", help="Also store the verdict as evidence here.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="terminal or json.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the verdict here.")]


def _render(verdict: RegressionVerdict, fmt: str, output: Path | None) -> None:
    from rich.markup import escape

    if fmt == "json":
        text = json.dumps(verdict.to_dict(), indent=2) + "\n"
    else:
        lines = [f"perf gate {escape(verdict.name)}: {verdict.outcome.label.upper()}"]
        lines += [f"  {m.metric}: {m.outcome.label} - {escape(m.reason)}" for m in verdict.metrics]
        text = "\n".join(lines) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _store(verdict: RegressionVerdict, db: str) -> None:
    from stackaudit.model import Evidence, EvidenceKind, Severity
    from stackaudit.runtime.load.store import save_evidence
    from stackaudit.runtime.regression import Outcome
    from stackaudit.storage.base import StoreError
    from stackaudit.storage.project import project_key

    severity = {Outcome.PASS: Severity.INFO, Outcome.INCONCLUSIVE: Severity.LOW, Outcome.FAIL: Severity.HIGH}[
        verdict.outcome
    ]
    summary = "; ".join(m.reason for m in verdict.metrics) or verdict.outcome.label
    item = Evidence(
        kind=EvidenceKind.REGRESSION,
        summary=summary,
        severity=severity,
        recorded_at=datetime.now(UTC),
        source="stackaudit gate-perf",
        data_json=json.dumps(verdict.to_dict()),
        project=project_key(Path.cwd()),
    )
    try:
        save_evidence(db, [item])
    except StoreError as exc:
        typer.echo(f"warning: verdict not stored: {exc}", err=True)


def gate_perf(
    baseline: BaselineOpt,
    current: CurrentOpt,
    endpoint: EndpointOpt = "all",
    strict: StrictOpt = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = "terminal",
    output: OutputOpt = None,
) -> None:
    """Fail when the whole CI of the p95 change clears +5 % (allocations +10 %); else pass or
    inconclusive."""
    from stackaudit.config.loader import ConfigError, load_config
    from stackaudit.runtime.regression import Outcome, SampleError, combine, compare, read_sample

    try:
        cfg = load_config(Path.cwd(), config)
        base = combine([read_sample(p, endpoint) for p in baseline])
        cur = combine([read_sample(p, endpoint) for p in current])
    except (ConfigError, SampleError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    verdict = compare(base, cur, cfg.regression)
    _render(verdict, fmt, output)
    if db:
        _store(verdict, db)
    failed = verdict.outcome is Outcome.FAIL or (strict and verdict.outcome is Outcome.INCONCLUSIVE)
    raise typer.Exit(1 if failed else 0)


def register(app: typer.Typer) -> None:
    app.command("gate-perf")(gate_perf)
