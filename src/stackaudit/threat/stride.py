"""STRIDE per element of a journey, from what the service map knows.

Each derivation says when a threat applies to an element, which of our rules look for it (their
findings on that element evidence it), what in the code mitigates it, and the question a
reviewer asks when neither a finding nor a control settles it:

- endpoint: spoofing and elevation (who can call it), denial of service (no rate limit seen),
  repudiation (it changes state and no audit event is seen on its path);
- data store reached: tampering and information disclosure;
- third party (outbound): elevation through the server's network position (SSRF) and
  information disclosure (what leaves, over what);
- queue: tampering (who else publishes, are bodies trusted) and denial of service (backlog).

A finding is linked to an endpoint's threat when it sits behind that endpoint, and to a
resource's threat when it sits in a function that uses the resource directly (the map's edge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stackaudit.model import Assessment
from stackaudit.scope.build import Scope
from stackaudit.scope.model import AuthLevel, Edge, Endpoint, Resource, ResourceKind
from stackaudit.threat.facts import ControlReader, writes
from stackaudit.threat.model import Element, Link, Stride, Threat, ThreatStatus


@dataclass(frozen=True, slots=True)
class Rule:
    stride: Stride
    title: str
    checks: tuple[str, ...]  # rule ids or prefixes ending in "." or "-"
    question: str  # "{name}" is the element's name


ENDPOINT_RULES = {
    Stride.SPOOFING: Rule(
        Stride.SPOOFING,
        "a caller pretends to be someone else",
        ("dast.unauthenticated-access", "sec.jwt-verify-disabled", "sec.insecure-cookie", "dast.cookie-"),
        "Anyone on the internet can call {name}: should they? If not, where is the caller "
        "identified (a middleware, proxy or gateway this code does not show)?",
    ),
    Stride.ELEVATION_OF_PRIVILEGE: Rule(
        Stride.ELEVATION_OF_PRIVILEGE,
        "a caller does more than their role allows",
        (
            "sec.code-injection",
            "sec.command-injection",
            "sec.unsafe-deserialization",
            "sec.path-traversal",
            "sec.trust-boundary",
            "tenant.idor-fetch",
            "dast.unauthenticated-access",
        ),
        "Can a caller of {name} act on records that are not theirs, or reach what only "
        "administrators should (an object-level check on every record it touches)?",
    ),
    Stride.DENIAL_OF_SERVICE: Rule(
        Stride.DENIAL_OF_SERVICE,
        "one client exhausts it",
        (
            "sec.no-rate-limit-auth",
            "tenant.rate-limit-not-per-tenant",
            "perf.unpaginated-list",
            "perf.offset-pagination",
            "perf.n-plus-one",
            "perf.http-in-loop",
            "scale.unbounded-concurrency",
            "scale.no-timeout",
            "runtime.slo-breach",
        ),
        "No rate limit is seen on {name}: what stops one client from exhausting it "
        "(a limit at the proxy or gateway, a quota)?",
    ),
    Stride.TAMPERING: Rule(
        Stride.TAMPERING,
        "another site makes a signed-in browser send it (CSRF)",
        ("dast.csrf",),
        "{name} changes state: is a CSRF token checked, or are the credentials taken from a "
        "header a browser does not send on its own?",
    ),
    Stride.REPUDIATION: Rule(
        Stride.REPUDIATION,
        "a change nobody can attribute",
        ("audit.missing-audit-event",),
        "{name} changes state and no audit event is seen on its path: could you tell "
        "afterwards who did what, and when?",
    ),
}
DATASTORE_RULES = (
    Rule(
        Stride.TAMPERING,
        "records changed by someone who may not",
        ("sec.sql-injection", "sec.sql-string-built", "tenant.unscoped-query", "tenant.idor-fetch"),
        "Which handlers on this journey write to {name}, and does each check that the caller "
        "may change that record?",
    ),
    Rule(
        Stride.INFORMATION_DISCLOSURE,
        "records read by someone who may not",
        (
            "sec.sql-injection",
            "tenant.",
            "priv.superuser-connection",
            "priv.excessive-grant",
            "secret.password-in-url",
        ),
        "What does {name} hold that one caller must not read of another (tenant, user), and is "
        "every read on this journey filtered by the caller?",
    ),
)
OUTBOUND_RULES: tuple[Rule, ...] = (
    Rule(
        Stride.ELEVATION_OF_PRIVILEGE,
        "the server is steered to call where the attacker wants (SSRF)",
        ("sec.ssrf",),
        "Can a request choose the host, path or URL {name} is called with? Is the destination "
        "fixed or allow-listed?",
    ),
    Rule(
        Stride.INFORMATION_DISCLOSURE,
        "data leaves to the third party, or is read on the way",
        ("sec.tls-verify-disabled", "sec.insecure-tls-version", "sec.weak-cipher"),
        "What data of the request or the user goes to {name}, is it only what it needs, and "
        "does it travel over verified TLS?",
    ),
)
OUTBOUND_RULES = (
    *OUTBOUND_RULES,
    Rule(
        Stride.DENIAL_OF_SERVICE,
        "a slow or failing third party stalls the journey",
        (
            "scale.no-timeout",
            "scale.no-circuit-breaker",
            "scale.retry-without-backoff",
            "perf.client-per-request",
            "perf.blocking-call-in-async",
        ),
        "If {name} hangs or fails, what bounds this journey's wait and retries (a timeout, a "
        "circuit breaker, backoff)?",
    ),
)
QUEUE_RULES = (
    Rule(
        Stride.TAMPERING,
        "messages forged or altered",
        ("sec.unsafe-deserialization",),
        "Who else can publish to {name}, and does the consumer trust message bodies "
        "(pickle, unsigned payloads)?",
    ),
    Rule(
        Stride.DENIAL_OF_SERVICE,
        "the backlog or retries grow without bound",
        (
            "scale.queue-retry-unbounded",
            "scale.retry-without-backoff",
            "scale.unbounded-queue",
            "scale.unbounded-concurrency",
        ),
        "What bounds {name}'s backlog and retries when a consumer fails or a producer floods it?",
    ),
)
RESOURCE_RULES = {
    ResourceKind.DATASTORE: DATASTORE_RULES,
    ResourceKind.OUTBOUND: OUTBOUND_RULES,
    ResourceKind.QUEUE: QUEUE_RULES,
}
BOUNDARY = {
    ResourceKind.DATASTORE: "service → data store",
    ResourceKind.OUTBOUND: "service → third party",
    ResourceKind.QUEUE: "service → queue",
}


def checked_by(rule_id: str, checks: Sequence[str]) -> bool:
    return any(rule_id.startswith(c) if c.endswith((".", "-")) else rule_id == c for c in checks)


def link(item: Assessment) -> Link:
    f = item.finding
    return Link(f.fingerprint, f.rule_id, f.location.path, f.location.line, f.message, item.score.value)


def _threat(element: Element, rule: Rule, found: list[Assessment], mitigation: str) -> Threat:
    links = tuple(sorted((link(a) for a in found), key=lambda x: (-x.score, x.rule_id, x.path, x.line)))
    status = ThreatStatus.EVIDENCED if links else ThreatStatus.MITIGATED if mitigation else ThreatStatus.OPEN
    return Threat(
        element=element.key,
        stride=rule.stride,
        title=rule.title,
        status=status,
        question=rule.question.format(name=element.name),
        mitigation=mitigation,
        checks=rule.checks,
        findings=links,
    )


class Deriver:
    """STRIDE threats for the elements of one scope, with the findings of one run."""

    def __init__(self, scope: Scope, findings: Sequence[Assessment]) -> None:
        self.scope = scope
        self.findings = list(findings)
        self.controls = ControlReader(scope)
        self.by_endpoint: dict[str, list[Assessment]] = {}
        for a in self.findings:
            if a.finding.endpoint:
                self.by_endpoint.setdefault(a.finding.endpoint, []).append(a)

    def endpoint_element(self, e: Endpoint) -> Element:
        boundary = "internet → service" if e.auth.level is AuthLevel.ANONYMOUS else "signed-in user → service"
        return Element("endpoint", e.label, e.label, boundary)

    def endpoint_threats(self, e: Endpoint) -> list[Threat]:
        element = self.endpoint_element(e)
        mine = self.by_endpoint.get(e.label, [])

        def found(rule: Rule) -> list[Assessment]:
            return [a for a in mine if checked_by(a.finding.rule_id, rule.checks)]

        seen = ", ".join(e.auth.seen) or e.auth.level.label
        out = []
        spoof = ENDPOINT_RULES[Stride.SPOOFING]
        anonymous = e.auth.level is AuthLevel.ANONYMOUS
        out.append(_threat(element, spoof, found(spoof), "" if anonymous else f"auth seen: {seen}"))
        elev = ENDPOINT_RULES[Stride.ELEVATION_OF_PRIVILEGE]
        admin = e.auth.level is AuthLevel.ADMIN
        out.append(
            _threat(element, elev, found(elev), f"only administrators reach it: {seen}" if admin else "")
        )
        dos = ENDPOINT_RULES[Stride.DENIAL_OF_SERVICE]
        limit = self.controls.rate_limit(e)
        out.append(_threat(element, dos, found(dos), f"rate limit seen: {limit}" if limit else ""))
        if writes(e):
            forged = ENDPOINT_RULES[Stride.TAMPERING]
            csrf = self.controls.csrf(e)
            out.append(
                _threat(element, forged, found(forged), f"CSRF protection seen: {csrf}" if csrf else "")
            )
            rep = ENDPOINT_RULES[Stride.REPUDIATION]
            event = self.controls.audit_event(e)
            out.append(_threat(element, rep, found(rep), f"audit event seen: {event}" if event else ""))
        return out

    def resource_threats(self, res: Resource, edges: Sequence[Edge]) -> tuple[Element, list[Threat]]:
        element = Element(res.kind.value, res.key, res.name, BOUNDARY[res.kind])
        users = {g.via[-1] if g.via else g.handler for g in edges if g.resource == res.key}
        mine = [a for a in self.findings if self._in(a, users)]
        out = []
        for rule in RESOURCE_RULES[res.kind]:
            found = [a for a in mine if checked_by(a.finding.rule_id, rule.checks)]
            out.append(_threat(element, rule, found, _resource_mitigation(res, rule.stride)))
        return element, out

    def _in(self, item: Assessment, users: set[str]) -> bool:
        """In a function that uses the resource, or in another method of its class: a client
        built in ``__init__`` is used by the methods the call graph cannot follow into."""
        loc = item.finding.location
        if not loc.path.endswith(".py") or loc.line <= 0:
            return False
        func = self.scope.index.func_at(loc.path, loc.line)
        if func is None:
            return False
        if func.ref in users:
            return True
        funcs = self.scope.graph.funcs
        classes = {u.rsplit(".", 1)[0] for u in users if u in funcs and funcs[u].cls is not None}
        return func.cls is not None and func.ref.rsplit(".", 1)[0] in classes


def _resource_mitigation(res: Resource, stride: Stride) -> str:
    """A third party whose URL is written in the code: the host is fixed (SSRF can at most steer
    the path) and, for https, the transport is TLS."""
    if res.kind is not ResourceKind.OUTBOUND or "://" not in res.name:
        return ""
    if stride is Stride.ELEVATION_OF_PRIVILEGE:
        return f"the host is fixed in the code: {res.name}"
    if stride is Stride.INFORMATION_DISCLOSURE and res.name.startswith("https://"):
        return f"TLS to a fixed host: {res.name}"
    return ""
