"""Builders of realistic model values for the store tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from stackaudit.model import (
    AnalyzerRecord,
    AnalyzerState,
    Assessment,
    AuditResult,
    Category,
    CodeContext,
    Confidence,
    Evidence,
    EvidenceKind,
    Factor,
    Finding,
    FixedFinding,
    GateVerdict,
    Location,
    NotAnalysed,
    NotAnalysedReason,
    RuleMeta,
    Run,
    Score,
    Severity,
    Status,
    TraceStep,
    VulnerabilityInfo,
)

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
PROJECT = "orders-service"

SQLI = RuleMeta(
    id="sec.sql-injection",
    title="SQL built from request data",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    doc="Finds SQL text built from request input.",
    cwe=(89,),
    impact=8,
    likelihood=7,
    effort=2,
)
NPLUS = RuleMeta(
    id="perf.n-plus-one",
    title="ORM query in a loop",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    doc="Finds ORM queries inside loops.",
)
VULN = RuleMeta(
    id="sca.vulnerable-dependency",
    title="Vulnerable dependency",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.CRITICAL,
    doc="Known vulnerable package version.",
)


def score(impact: float = 8, likelihood: float = 7, effort: float = 2) -> Score:
    return Score(
        impact=Factor(impact, ("rule default", "handler code")),
        likelihood=Factor(likelihood, ("taint reaches sink",)),
        effort=Factor(effort, ()),
    )


def sqli(
    path: str = "app/views.py", snippet: str = 'cur.execute("SELECT * FROM o WHERE id=" + oid)'
) -> Finding:
    trace = (
        TraceStep(Location(path, 10, 5, symbol="views.get_order"), "request.args['id']", "source"),
        TraceStep(Location(path, 11, 5), "oid = ...", "step"),
        TraceStep(Location(path, 12, 9, 12, 60), "cursor.execute", "sink"),
    )
    return SQLI.finding(
        Location(path, 12, 9, 12, 60, "views.get_order"),
        "request data reaches SQL text",
        snippet,
        trace=trace,
        related=(Location("app/db.py", 3),),
        context=CodeContext.HANDLER,
        endpoint="GET /orders/<id>",
        properties=(("framework", "flask"), ("sink", "execute")),
    )


def nplus(path: str = "app/report.py", snippet: str = "for o in orders: o.customer.name") -> Finding:
    return NPLUS.finding(
        Location(path, 40, 1), "lazy relation in a loop", snippet, confidence=Confidence.HIGH
    )


def vulnerable() -> Finding:
    info = VulnerabilityInfo(
        id="PYSEC-2023-227",
        aliases=("CVE-2023-46136", "GHSA-hrfv-mqp8-q5rw"),
        package="werkzeug",
        ecosystem="PyPI",
        version="2.3.7",
        fixed_versions=("2.3.8", "3.0.1"),
        cvss_score=7.5,
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        epss=0.0123,
        epss_percentile=0.87,
        kev=False,
        reachable=None,
        summary="DoS via multipart 'boundary' — ünïcode ✓",
    )
    return VULN.finding(
        Location("requirements.txt", 4),
        "werkzeug 2.3.7 is vulnerable",
        "werkzeug==2.3.7",
        vulnerability=info,
        tool="osv",
    )


def evidence(at: datetime = T0, project: str = PROJECT, summary: str = "p95 420 ms > SLO 300 ms") -> Evidence:
    return Evidence(
        kind=EvidenceKind.LOAD,
        summary=summary,
        severity=Severity.HIGH,
        recorded_at=at,
        endpoint="GET /orders/<id>",
        location=Location("app/views.py", 12, symbol="views.get_order"),
        rule_hint="perf.n-plus-one",
        source="k6",
        data_json='{"p95_ms": 420.5}',
        project=project,
    )


def assess(finding: Finding, status: Status, first_seen: datetime = T0, **kw: object) -> Assessment:
    return Assessment(finding=finding, score=score(), status=status, first_seen=first_seen, **kw)  # type: ignore[arg-type]


def make_run(run_id: str, started: datetime = T0, project: str = PROJECT, commit: str | None = None) -> Run:
    return Run(
        id=run_id,
        project=project,
        root="/srv/orders",
        started_at=started,
        finished_at=started + timedelta(seconds=12.5),
        tool_version="0.1.0",
        config_hash="0123456789abcdef",
        commit=commit,
        branch="main",
    )


def result(run: Run, findings: tuple[Assessment, ...] = (), **kw: object) -> AuditResult:
    return AuditResult(run=run, findings=findings, **kw)  # type: ignore[arg-type]


def rich_result(run_id: str = "a1b2c3d4e5f60718293a4b5c6d7e8f90") -> AuditResult:
    """Every kind of value the model holds, including a non-UTC offset and unicode."""
    cet = timezone(timedelta(hours=1))
    run = replace(
        make_run(run_id, commit="9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"),
        files_total=120,
        files_analysed=117,
        analyzers=(
            AnalyzerRecord("ruff", "0.6.9", AnalyzerState.OK, duration_s=0.123456789, findings=3),
            AnalyzerRecord("zizmor", "", AnalyzerState.SKIPPED, reason="binary not found"),
            AnalyzerRecord("taint", "1", AnalyzerState.PARTIAL, reason="depth bound", cached=True),
        ),
        not_analysed=(
            NotAnalysed("big.json", NotAnalysedReason.TOO_LARGE, "3 MB > 2 MB"),
            NotAnalysed("bad.py", NotAnalysedReason.SYNTAX_ERROR, "line 3: invalid syntax", "python-ast"),
        ),
        tool_versions=(("ruff", "0.6.9"), ("python", "3.12.1")),
        timings=(("discover", 0.25), ("analyze", 9.75)),
        notices=("no vulnerability database: SCA used the bundled subset",),
    )
    findings = (
        assess(sqli(), Status.NEW, owner="@team-orders", owner_source="CODEOWNERS", evidence=(evidence(),)),
        assess(
            vulnerable(),
            Status.OPEN,
            first_seen=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=cet),
            age_days=58,
        ),
    )
    suppressed = (assess(nplus(), Status.SUPPRESSED, suppression="inline: cached upstream"),)
    fixed = (FixedFinding("f" * 32, "scale.no-timeout", "app/client.py", T0 - timedelta(days=9)),)
    gate = GateVerdict(False, "high", ("1 new high finding",), new_findings=1, baseline="main")
    return AuditResult(run=run, findings=findings, suppressed=suppressed, fixed=fixed, gate=gate)
