"""The four symptom playbooks of the audit framework, as data.

Each step links to the rules (``stackaudit rules`` ids), the commands and the runtime evidence
that check it, so a report or the dashboard can send a finding to the steps that matter and a
test can prove every link points at something that exists. ``stackaudit explain
playbook:NAME`` prints one.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from stackaudit.model.enums import Category
from stackaudit.model.evidence import EvidenceKind


@dataclass(frozen=True, slots=True)
class Step:
    """One thing to check, and what in stackaudit checks it."""

    title: str
    action: str
    rules: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    evidence: tuple[EvidenceKind, ...] = ()


@dataclass(frozen=True, slots=True)
class Playbook:
    name: str
    title: str
    symptom: str
    steps: tuple[Step, ...]

    @property
    def rules(self) -> frozenset[str]:
        return frozenset(r for step in self.steps for r in step.rules)


API_LATENCY = Playbook(
    "api-latency",
    "API latency spike",
    "p95/p99 of one or more endpoints rises; timeouts or SLO breaches follow.",
    (
        Step(
            "Find where the time goes",
            "Profile the running service during the spike; hot functions become evidence.",
            commands=("stackaudit profile --pid PID --duration 30",),
            evidence=(EvidenceKind.PROFILE,),
        ),
        Step(
            "Rule out N+1 queries",
            "Read runtime N+1 evidence (repeated query fingerprints per request) beside the static finding.",
            rules=("perf.n-plus-one", "perf.select-star", "perf.unpaginated-list"),
            commands=("stackaudit audit --only python-rules", "stackaudit explain perf.n-plus-one"),
            evidence=(EvidenceKind.NPLUSONE,),
        ),
        Step(
            "Check the caches and the pools",
            "A cache-hit verdict below its band or a saturated connection pool moves load onto the database.",
            commands=("stackaudit metrics --redis URL --postgres URL --window 60 --label peak",),
            evidence=(EvidenceKind.METRICS,),
        ),
        Step(
            "Look for calls that wait",
            "Outbound calls without timeouts, HTTP in loops and blocking calls in async code stall workers.",
            rules=("scale.no-timeout", "perf.http-in-loop", "perf.blocking-call-in-async"),
        ),
        Step(
            "Confirm against the SLO and guard the fix",
            "Step load to find the knee; compare before and after the fix and gate on a p95 regression.",
            commands=(
                "stackaudit load --target URL --step",
                "stackaudit gate-perf --baseline before.json --current after.json",
            ),
            evidence=(EvidenceKind.LOAD, EvidenceKind.REGRESSION),
        ),
    ),
)

QUEUE_BACKLOG = Playbook(
    "queue-backlog",
    "Queue backlog",
    "Queue depth grows faster than workers drain it; job latency and memory climb.",
    (
        Step(
            "Measure the depth and its trend",
            "Sample the queues at peak and quiet; a growing depth at steady input means consumers are short.",
            commands=("stackaudit metrics --redis URL --queue NAME --window 300 --label peak",),
            evidence=(EvidenceKind.METRICS,),
        ),
        Step(
            "Find unbounded buffers",
            "Unbounded queues and per-request executors turn overload into memory growth.",
            rules=("scale.unbounded-queue",),
        ),
        Step(
            "Stop retry storms",
            "Retries without backoff or a cap multiply the backlog when a dependency slows.",
            rules=("scale.retry-without-backoff", "scale.no-timeout"),
        ),
        Step(
            "Make each job cheaper",
            "Per-item queries and calls inside job loops set the drain rate.",
            rules=("perf.n-plus-one", "perf.http-in-loop", "perf.blocking-call-in-async"),
            commands=("stackaudit profile --pid WORKER_PID --duration 60",),
            evidence=(EvidenceKind.PROFILE, EvidenceKind.NPLUSONE),
        ),
        Step(
            "Soak test the consumers",
            "Hold the expected rate and watch p95, errors and RSS drift.",
            commands=("stackaudit load --target URL --soak --rate 50 --duration 600",),
            evidence=(EvidenceKind.LOAD,),
        ),
    ),
)

AUTH_ANOMALIES = Playbook(
    "auth-anomalies",
    "Auth anomalies",
    "Spikes of failed logins, tokens used from new places, privilege changes nobody made.",
    (
        Step(
            "Rotate anything that leaked",
            "Secrets in the tree or in history are usable by anyone who cloned the repository.",
            rules=("secret.generic", "secret.private-key", "secret.jwt", "secret.password-in-url"),
            commands=("stackaudit secrets --history",),
        ),
        Step(
            "Check how credentials are made and kept",
            "Weak hashes, predictable randomness and cookies without Secure/HttpOnly ease theft.",
            rules=("sec.weak-hash", "sec.weak-random", "sec.insecure-cookie", "sec.tls-verify-disabled"),
        ),
        Step(
            "Confirm that you can see it",
            "Security-relevant handlers that emit no audit event leave an incident without a trail.",
            rules=("audit.missing-audit-event",),
        ),
        Step(
            "Limit what a stolen credential can do",
            "Superuser connections, excessive grants and write credentials on read paths widen the damage.",
            rules=(
                "priv.superuser-connection",
                "priv.excessive-grant",
                "priv.write-credentials-in-read-only-path",
            ),
        ),
        Step(
            "Close the redirects and trust boundaries",
            "Open redirects and session data taken from requests feed phishing and session fixation.",
            rules=("sec.open-redirect", "sec.trust-boundary"),
            commands=("stackaudit audit --only taint",),
            evidence=(EvidenceKind.DAST,),
        ),
    ),
)

COLD_STARTS = Playbook(
    "cold-starts",
    "Cold starts",
    "The first requests after a deploy or scale-out are slow or time out.",
    (
        Step(
            "Profile start-up",
            "Attach the profiler right after the process starts; imports and eager connections dominate.",
            commands=("stackaudit profile --pid PID --duration 15",),
            evidence=(EvidenceKind.PROFILE,),
        ),
        Step(
            "Find start-up calls that can hang",
            "Calls to dependencies without a timeout block readiness when the dependency is slow.",
            rules=("scale.no-timeout", "perf.blocking-call-in-async"),
        ),
        Step(
            "Warm the pools and caches",
            "Compare cache-hit and pool figures right after start with a warm window.",
            commands=("stackaudit metrics --redis URL --postgres URL --window 30 --label cold",),
            evidence=(EvidenceKind.METRICS,),
        ),
        Step(
            "Measure the first minute under load",
            "A short step load from zero shows how long until p95 meets the SLO.",
            commands=("stackaudit load --target URL --step --from 1 --to 50 --steps 5 --step-seconds 10",),
            evidence=(EvidenceKind.LOAD,),
        ),
        Step(
            "Keep images reproducible and small",
            "An unpinned base image changes what starts, and how fast, without a code change.",
            rules=("ci.docker-base-unpinned",),
        ),
    ),
)

PLAYBOOKS: tuple[Playbook, ...] = (API_LATENCY, QUEUE_BACKLOG, AUTH_ANOMALIES, COLD_STARTS)
BY_NAME = {pb.name: pb for pb in PLAYBOOKS}
# Categories whose findings, when no playbook names their rule, still fit one symptom.
CATEGORY_FALLBACK = {Category.PERFORMANCE: API_LATENCY, Category.SCALABILITY: QUEUE_BACKLOG}


def get(name: str) -> Playbook:
    """A playbook by name ("api-latency"; "api_latency" and "API latency" are accepted)."""
    key = "-".join(name.strip().lower().replace("_", " ").split())
    if key not in BY_NAME:
        raise KeyError(f"unknown playbook {name!r} (known: {', '.join(BY_NAME)})")
    return BY_NAME[key]


def playbook_for(rule_id: str, category: Category) -> Playbook | None:
    """The playbook that fits a finding: the first naming its rule, else its category's, else None."""
    for pb in PLAYBOOKS:
        if rule_id in pb.rules:
            return pb
    if rule_id.startswith("secret."):
        return AUTH_ANOMALIES
    return CATEGORY_FALLBACK.get(category)


def print_playbook(pb: Playbook, console: Console) -> None:
    console.print(f"[bold]playbook:{pb.name}[/]: {pb.title}")
    console.print(f"Symptom: {pb.symptom}", soft_wrap=True)
    for number, step in enumerate(pb.steps, start=1):
        console.print()
        console.print(f"[bold]{number}. {step.title}[/]", soft_wrap=True)
        console.print(f"   {step.action}", soft_wrap=True)
        if step.rules:
            console.print(f"   rules: {', '.join(step.rules)}  (stackaudit explain RULE)", soft_wrap=True)
        for command in step.commands:
            console.print(f"   run: {escape(command)}", soft_wrap=True)
        if step.evidence:
            console.print(f"   evidence: {', '.join(e.value for e in step.evidence)}", soft_wrap=True)


def explain_playbook(name: str) -> None:
    """``stackaudit explain playbook:NAME``: print it, or exit 2 naming the known playbooks."""
    from stackaudit.commands.common import fail

    try:
        pb = get(name)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    print_playbook(pb, Console(highlight=False))
