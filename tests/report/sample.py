"""A fixed AuditResult that exercises every part of every report format.

Deterministic: fixed timestamps, fixed order. It includes a taint trace, a
supply-chain finding with KEV/EPSS/CVSS data, runtime evidence, a hostile path
and snippet, a finding whose rule is unknown to the rules mapping (a wrapped
engine's rule), skipped/failed/partial analyzers, not-analysed files, notices,
suppressed and fixed findings, and a failing gate verdict.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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

HOSTILE_PATH = "app/[red]x\x1b[2J.py"
HOSTILE_SNIPPET = (
    'requests.get(url)  # <img src=x onerror=alert(1)> <script>alert("pwned")</script>'
    " | `rm -rf` [link](javascript:alert(3)) :skull: **bold**"
)
T0 = datetime(2026, 11, 30, 3, 0, 0, tzinfo=UTC)

SQLI = RuleMeta(
    id="sec.sql-injection",
    title="SQL built from request data",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(89,),
    impact=9,
    likelihood=6,
    effort=0.5,
    confidence=Confidence.HIGH,
    fix="Use bound parameters: cursor.execute(sql, params).",
    doc="""
    Finds SQL text built from request data and passed to a database call.

    Why it matters: an attacker controls the query (read, change or drop data).

    Example: cursor.execute("SELECT * FROM orders WHERE id=" + request.args["id"])

    Fix: pass parameters separately: cursor.execute("... WHERE id = %s", (order_id,)).
    """,
)
NPLUSONE = RuleMeta(
    id="perf.n-plus-one",
    title="Query in a loop (N+1)",
    category=Category.PERFORMANCE,
    severity=Severity.MEDIUM,
    impact=6,
    likelihood=5,
    effort=1,
    doc="Finds ORM queries issued once per item of a loop.\n\nFix: eager-load (selectinload).",
)
NO_TIMEOUT = RuleMeta(
    id="scale.no-timeout",
    title="Outbound HTTP call without a timeout",
    category=Category.SCALABILITY,
    severity=Severity.MEDIUM,
    cwe=(400,),
    impact=6,
    likelihood=5,
    effort=0.25,
    doc="Finds HTTP client calls with no timeout.\n\nFix: pass timeout=(3.05, 10).",
)
VULN_DEP = RuleMeta(
    id="sca.vulnerable-dependency",
    title="Dependency with a known vulnerability",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.HIGH,
    cwe=(1395,),
    impact=8,
    likelihood=5,
    effort=0.5,
    tags=("sca",),
    doc="Finds locked dependencies with a published advisory (OSV).\n\nFix: upgrade to a fixed version.",
)
UNPINNED = RuleMeta(
    id="ci.unpinned-action",
    title="GitHub Action not pinned to a commit",
    category=Category.PROCESS,
    severity=Severity.LOW,
    cwe=(829,),
    impact=5,
    likelihood=3,
    effort=0.1,
    doc="Finds `uses:` references to a tag or branch.\n\nFix: pin to a full commit SHA.",
)
SECRET = RuleMeta(
    id="secret.github-token",
    title="GitHub token in source",
    category=Category.SECURITY,
    severity=Severity.CRITICAL,
    cwe=(798,),
    impact=9,
    likelihood=8,
    effort=0.5,
    doc="Finds GitHub tokens committed to the repository.\n\nFix: revoke the token, then remove it.",
)

# Deliberately absent from RULES: reporters must degrade to the finding's own fields.
RUFF_S113 = RuleMeta(
    id="ruff.S113",
    title="(not in the mapping)",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    cwe=(400,),
    doc="unused",
)

RULES: dict[str, RuleMeta] = {r.id: r for r in (SQLI, NPLUSONE, NO_TIMEOUT, VULN_DEP, UNPINNED, SECRET)}


def _score(impact: float, likelihood: float, effort: float, *why: str) -> Score:
    return Score(
        impact=Factor(impact, (why[0],) if why else ()),
        likelihood=Factor(likelihood, why[1:2]),
        effort=Factor(effort, why[2:3]),
    )


def _assess(finding: Finding, score: Score, status: Status, age: int, **kw: Any) -> Assessment:
    return Assessment(
        finding=finding,
        score=score,
        status=status,
        first_seen=T0 - timedelta(days=age),
        age_days=age,
        **kw,
    )


def _secret() -> Assessment:
    f = SECRET.finding(
        Location("deploy/settings.py", 12, 16, 12, 56, "settings"),
        "GitHub token ghp_…1f2e (sha256:9c1b2a7e) committed in source",
        "GITHUB_TOKEN = 'ghp_…1f2e'",
        context=CodeContext.CONFIG,
    )
    s = _score(
        9, 8, 0.5, "a token grants repository write access", "committed to git history", "revoke and rotate"
    )
    return _assess(f, s, Status.NEW, 0, owner="@platform", owner_source="CODEOWNERS")


def _sqli() -> Assessment:
    trace = (
        TraceStep(Location("app/views.py", 40, 9, symbol="views.list_orders"), 'request.args["q"]', "source"),
        TraceStep(Location("app/views.py", 41, 9, symbol="views.list_orders"), "sql = base + q", "step"),
        TraceStep(Location("app/db.py", 17, 5, symbol="db.run"), "cursor.execute(sql)", "sink"),
    )
    f = SQLI.finding(
        Location("app/views.py", 41, 9, 41, 40, "views.list_orders"),
        "Request parameter q reaches cursor.execute() through string concatenation",
        "sql = base + q",
        trace=trace,
        related=(Location("app/db.py", 17, 5, symbol="db.run"),),
        context=CodeContext.HANDLER,
        endpoint="GET /orders",
    )
    s = _score(
        9, 7, 0.5, "writes and reads the orders table", "reachable from a public handler", "one call site"
    )
    return _assess(f, s, Status.NEW, 0, owner="@team-payments", owner_source="CODEOWNERS")


def _vuln() -> Assessment:
    vuln = VulnerabilityInfo(
        id="PYSEC-2023-175",
        aliases=("CVE-2023-4863", "GHSA-j7hp-h8jx-5ppr"),
        package="pillow",
        ecosystem="PyPI",
        version="9.5.0",
        fixed_versions=("10.0.1",),
        cvss_score=8.8,
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H",
        epss=0.9385,
        epss_percentile=0.998,
        kev=True,
        summary="Heap buffer overflow in libwebp",
    )
    f = VULN_DEP.finding(
        Location("requirements.txt", 7, 1),
        "pillow 9.5.0 has PYSEC-2023-175 (CVE-2023-4863), fixed in 10.0.1",
        "pillow==9.5.0",
        severity=Severity.CRITICAL,
        vulnerability=vuln,
        context=CodeContext.CONFIG,
    )
    s = _score(8, 10, 0.5, "CVSS 8.8", "in CISA KEV; EPSS 93.9%", "upgrade a pinned version")
    return _assess(f, s, Status.REOPENED, 12, owner="alice@example.com", owner_source="git blame")


def _nplusone() -> Assessment:
    f = NPLUSONE.finding(
        Location("app/services/orders.py", 88, 9, 90, 30, "orders.totals"),
        "Order.items is loaded once per order inside a loop",
        "for o in orders:\n    total += sum(i.price for i in o.items)",
        context=CodeContext.LIBRARY,
        endpoint="GET /orders",
    )
    ev = Evidence(
        kind=EvidenceKind.NPLUSONE,
        summary="51 similar SELECT order_items queries in one GET /orders request",
        severity=Severity.MEDIUM,
        recorded_at=datetime(2026, 11, 29, 22, 15, tzinfo=UTC),
        endpoint="GET /orders",
        rule_hint="perf.n-plus-one",
        source="stackaudit profile",
        data_json='{"queries": 51, "fingerprint": "SELECT ... FROM order_items WHERE order_id = ?"}',
    )
    s = _score(6, 9, 1, "p95 of GET /orders", "seen at runtime: 51 queries per request", "")
    return _assess(f, s, Status.OPEN, 42, owner="@team-orders", owner_source="CODEOWNERS", evidence=(ev,))


def _hostile() -> Assessment:
    f = NO_TIMEOUT.finding(
        Location(HOSTILE_PATH, 3, 5, symbol="<script>x</script>"),
        "requests.get() without timeout | `oops` <b>bold</b> & [red]markup[/red]",
        HOSTILE_SNIPPET,
        context=CodeContext.LIBRARY,
    )
    s = _score(6, 5, 0.25, "a hung peer blocks a worker", "", "add one argument")
    return _assess(f, s, Status.NEW, 0, owner="[bold]mallory[/bold] <img src=x onerror=alert(4)>")


def _ruff() -> Assessment:
    # A wrapped engine's rule that the rules mapping does not know: degrade gracefully.
    f = RUFF_S113.finding(
        Location("app/client.py", 21, 12, 21, 40, "client.fetch"),
        "S113 Probable use of `requests` call without timeout",
        "requests.post(API, json=body)",
        tool="ruff",
        context=CodeContext.LIBRARY,
        properties=(
            ("ruff_code", "S113"),
            ("ruff_url", "https://docs.astral.sh/ruff/rules/request-without-timeout/"),
        ),
    )
    s = _score(5, 5, 0.25)
    return _assess(f, s, Status.OPEN, 3, owner=None)


def _zizmor() -> Assessment:
    f = UNPINNED.finding(
        Location(".github/workflows/ci.yml", 14, 15, 14, 40),
        "actions/checkout@v4 is pinned to a tag, not a commit",
        "uses: actions/checkout@v4",
        tool="zizmor",
        context=CodeContext.CONFIG,
    )
    s = _score(5, 3, 0.1, "CI has write tokens", "tag can be moved", "pin with a tool")
    return _assess(f, s, Status.NEW, 0, owner="@platform", owner_source="CODEOWNERS")


def _suppressed() -> Assessment:
    f = NO_TIMEOUT.finding(
        Location("scripts/backfill.py", 9, 5),
        "httpx.get() without timeout",
        "httpx.get(URL)",
        context=CodeContext.SCRIPT,
    )
    s = _score(3, 2, 0.25)
    return _assess(f, s, Status.SUPPRESSED, 20, suppression="one-off script, run by hand")


def _run() -> Run:
    return Run(
        id="run-20261130-0300",
        project="shop-api",
        root="/srv/checkouts/shop-api",
        started_at=T0,
        finished_at=datetime(2026, 11, 30, 3, 0, 4, 250000, tzinfo=UTC),
        tool_version="0.1.0",
        config_hash="c0ffee12",
        commit="4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        branch="main",
        files_total=57,
        files_analysed=51,
        analyzers=(
            AnalyzerRecord("python-ast", "1", AnalyzerState.OK, duration_s=1.2, findings=4),
            AnalyzerRecord(
                "ruff", "0.8.0", AnalyzerState.OK, "rules S101 and E501 disabled by config", 0.3, 1
            ),
            AnalyzerRecord("zizmor", "1.5.0", AnalyzerState.PARTIAL, "1 workflow over the size bound"),
            AnalyzerRecord("k6-load", "", AnalyzerState.SKIPPED, "no [slo] section in config"),
            AnalyzerRecord(
                "migrations", "1", AnalyzerState.FAILED, "RecursionError in alembic/versions/0042.py"
            ),
        ),
        not_analysed=(
            NotAnalysed("static/logo.png", NotAnalysedReason.BINARY),
            NotAnalysed("static/font.woff2", NotAnalysedReason.BINARY),
            NotAnalysed("data/dump.sql", NotAnalysedReason.TOO_LARGE, "5.1 MB > 2 MB"),
            NotAnalysed(
                "app/legacy.py", NotAnalysedReason.SYNTAX_ERROR, "line 3: invalid syntax", "python-ast"
            ),
            NotAnalysed("app/<script>alert(5)</script>.py", NotAnalysedReason.DECODE_ERROR, "invalid UTF-8"),
            NotAnalysed("static/a.bin", NotAnalysedReason.BINARY),
            NotAnalysed("static/b.bin", NotAnalysedReason.BINARY),
        ),
        tool_versions=(("ruff", "0.8.0"), ("zizmor", "1.5.0")),
        timings=(("discover", 0.1), ("analyze", 3.9), ("score", 0.05)),
        notices=("vulnerability data is 129 days old (snapshot 2026-07-23)",),
    )


def sample_result() -> AuditResult:
    findings = (_vuln(), _sqli(), _secret(), _nplusone(), _hostile(), _zizmor(), _ruff())
    ranked = tuple(sorted(findings, key=lambda a: -a.score.value))
    return AuditResult(
        run=_run(),
        findings=ranked,
        suppressed=(_suppressed(),),
        fixed=(
            FixedFinding(
                "0123456789abcdef0123456789abcdef", "perf.n-plus-one", "app/old.py", T0.replace(month=9)
            ),
        ),
        gate=GateVerdict(
            passed=False,
            threshold="high",
            reasons=("2 new findings at or above high", "critical CVE with a known exploit: CVE-2023-4863"),
            new_findings=2,
            baseline="origin/main",
        ),
    )


def empty_result() -> AuditResult:
    """A clean run: no findings, nothing skipped, no gate."""
    run = Run(
        id="run-empty",
        project="tiny",
        root="tiny",
        started_at=T0,
        finished_at=T0,
        tool_version="0.1.0",
        config_hash="0",
        files_total=1,
        files_analysed=1,
    )
    return AuditResult(run=run, findings=())
