"""One finding per problem: drop a ruff S finding that a taint/API finding already covers.

The ruff wrapper reports rule ids ``ruff.S<code>``. When a finding of the
equivalent stackaudit rule covers the same path and overlapping lines, the ruff
finding is dropped and the stackaudit finding records
``("also_reported_by", "ruff S608")`` in its properties. Pure: input order is kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from stackaudit.model import Finding

RUFF_EQUIVALENTS: Mapping[str, str] = MappingProxyType(
    {
        "S608": "sec.sql-injection",  # hardcoded SQL expression
        "S602": "sec.command-injection",  # subprocess with shell=True
        "S604": "sec.command-injection",  # call with shell=True
        "S605": "sec.command-injection",  # start process with a shell (os.system)
        "S606": "sec.command-injection",  # start process without a shell
        "S607": "sec.command-injection",  # partial executable path
        "S609": "sec.command-injection",  # wildcard injection
        "S102": "sec.code-injection",  # exec
        "S307": "sec.code-injection",  # eval
        "S301": "sec.unsafe-deserialization",  # pickle
        "S302": "sec.unsafe-deserialization",  # marshal
        "S506": "sec.unsafe-deserialization",  # unsafe yaml load
        "S310": "sec.ssrf",  # urllib open of a user URL scheme
        "S320": "sec.xxe",  # lxml
        "S701": "sec.xss",  # jinja2 autoescape off
        "S704": "sec.xss",  # markupsafe Markup
        "S308": "sec.xss",  # mark_safe
        "S324": "sec.weak-hash",  # md5 / sha1
        "S303": "sec.weak-hash",
        "S311": "sec.weak-random",  # random for security
        "S501": "sec.tls-verify-disabled",  # requests verify=False
        "S323": "sec.tls-verify-disabled",  # ssl._create_unverified_context
        "S201": "sec.debug-enabled",  # flask debug=True
        "S104": "sec.bind-all-interfaces",  # 0.0.0.0
    }
)


def _ruff_code(finding: Finding) -> str | None:
    if finding.rule_id.startswith("ruff.S"):
        return finding.rule_id.removeprefix("ruff.")
    return None


def _span(finding: Finding) -> tuple[int, int]:
    start = finding.location.line
    return start, max(start, finding.location.end_line)


def _overlaps(a: Finding, b: Finding) -> bool:
    (a0, a1), (b0, b1) = _span(a), _span(b)
    return a.location.path == b.location.path and a0 <= b1 and b0 <= a1


def merge_with_ruff(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Drop ruff S findings covered by an equivalent taint/API finding; annotate the survivor."""
    ours: dict[tuple[str, str], list[int]] = {}
    for index, finding in enumerate(findings):
        if finding.rule_id in RUFF_EQUIVALENTS.values():
            ours.setdefault((finding.rule_id, finding.location.path), []).append(index)
    dropped: set[int] = set()
    also: dict[int, list[str]] = {}
    for index, finding in enumerate(findings):
        code = _ruff_code(finding)
        target = RUFF_EQUIVALENTS.get(code) if code else None
        if target is None:
            continue
        for candidate in ours.get((target, finding.location.path), ()):
            if _overlaps(findings[candidate], finding):
                dropped.add(index)
                also.setdefault(candidate, []).append(f"ruff {code}")
                break
    merged = []
    for index, finding in enumerate(findings):
        if index in dropped:
            continue
        if index in also:
            extra = tuple(("also_reported_by", name) for name in dict.fromkeys(also[index]))
            finding = dataclasses.replace(finding, properties=(*finding.properties, *extra))
        merged.append(finding)
    return tuple(merged)
