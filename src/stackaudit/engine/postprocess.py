"""Turn raw analyzer output into the run's findings. Pure functions.

In order: one finding per problem across engines (``merge.py``); engine findings
(suppressions without reasons); rules disabled by config or off by default; where the
code runs (``context.py``: rules off in tests); the project's own suppressions
(``# nosec``); one finding per root cause (``group``); dedupe and occurrence indexes.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from stackaudit.config.schema import Config
from stackaudit.engine.context import apply_context, area_of, context_from_path, off_here, turned_off_notice
from stackaudit.engine.merge import INPUT_CWE, dangerous_whatever_the_origin, one_per_problem
from stackaudit.engine.rules import SUPPRESSION_WITHOUT_REASON
from stackaudit.engine.suppress import (
    SUPPRESSED_BY,
    InlineSuppression,
    NosecMark,
    config_ignore,
    inline_reason,
    nosec_reason,
)
from stackaudit.model import Category, CodeContext, Finding, Location, SafetyProof, normalise_snippet

__all__ = ["Finalised", "context_from_path", "finalise", "group", "reported"]

# Rules off everywhere unless enabled by name (``[tool.stackaudit.rules."ruff.S101"] enabled
# = true``). Measured on the review set's build half (5 services): assert 15,592 findings,
# 24 outside tests, none a security problem (type narrowing, invariants, self-checks);
# blind except (672) and try/except/pass or continue (53): error-handling style, not risk.
# ruff's loop micro-optimisations (PERF401 list comprehension, PERF102 dict items, PERF203
# try in a loop): judged on all ten review apps, 0 of 41 labelled were a performance problem.
# A handler without an audit event (audit.missing-audit-event): 0 of 71 labelled true on the
# ten apps, 18 debatable (precision 0.13): which reads, exports and edits deserve an audit
# record is a product decision the code does not show (CSV exports, ticket edits, iCal
# downloads, helpers named "token"); a project that wants the coverage check turns it on.
# ruff's ASYNC109 (an async function with a ``timeout`` parameter): ruff's own documentation
# calls it "highly opinionated", a structured-concurrency style, not a hang (13 on the review
# apps, none a risk: the timeout is passed on).
DEFAULT_OFF = frozenset(
    {
        "ruff.ASYNC109",
        "ruff.S101",
        "ruff.BLE001",
        "ruff.S110",
        "ruff.S112",
        "ruff.PERF401",
        "ruff.PERF102",
        "ruff.PERF203",
        "audit.missing-audit-event",
    }
)
MAX_RELATED = 100
_OWN_PROBLEM_CWE = INPUT_CWE | {798, 259}  # each sink or credential is a problem of its own
# A call (``requests.get(url)``) or a bare dotted callee, as ruff reports some ranges.
_CALLEE = re.compile(
    r"^\s*(?:await\s+)?([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)+|[A-Za-z_]\w*(?=\s*\())\s*(?:\(|$)"
)
_ACTION = re.compile(r"([\w.-]+/[\w./-]+)@")


@dataclass(frozen=True, slots=True)
class Finalised:
    findings: list[Finding]
    notices: tuple[str, ...] = ()


def dedupe(findings: Sequence[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, int, str]] = set()
    unique = []
    for f in sorted(findings, key=lambda f: f.sort_key):
        key = (f.rule_id, f.location.path, f.location.line, f.location.column, normalise_snippet(f.snippet))
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def assign_occurrences(findings: Sequence[Finding]) -> list[Finding]:
    """Index identical matches of one rule in one file, in file order (never by line number)."""
    counters: dict[tuple[str, str, str], int] = defaultdict(int)
    result = []
    for f in sorted(findings, key=lambda f: f.sort_key):
        key = (f.rule_id, f.location.path, f.identity or normalise_snippet(f.snippet or f.message))
        index = counters[key]
        counters[key] += 1
        result.append(f if index == f.occurrence else dataclasses.replace(f, occurrence=index))
    return result


def reasonless_suppressions(marks: Mapping[str, Sequence[InlineSuppression]]) -> list[Finding]:
    rule = SUPPRESSION_WITHOUT_REASON
    return [
        rule.finding(
            Location(path, mark.line),
            f"suppression of {', '.join(mark.rules)} has no reason, so it suppresses nothing",
            snippet=mark.text,
        )
        for path, items in marks.items()
        for mark in items
        if not mark.reason
    ]


# -- one finding per root cause -------------------------------------------------------------


def group_key(f: Finding) -> str | None:
    """The root cause a finding shares with others, or None when each finding is its own.

    Same package for known vulnerabilities; same manifest for dependencies no lock file
    pins; same publisher for unpinned ``uses:`` (its actions share one trust decision); the
    same secret value wherever it was copied; same rule and call target for pattern findings
    (a timeout missing on ``requests.get``).
    Data flows, distinct secrets and sinks whose input matters are each their own problem.
    """
    if f.vulnerability is not None:
        return f"package:{f.vulnerability.ecosystem}:{f.vulnerability.package.lower()}"
    secret = f.prop("secret_hash")
    if secret:  # one secret copied into several files (a bundle, its minified copy, a source map)
        return f"secret:{secret}"  # is one leak: rotating it fixes every place
    if f.rule_id == "sca.unpinned-dependency":  # one cause: no lock file pins this manifest
        return f"manifest:{f.location.path}"
    if f.rule_id.endswith("unpinned-uses"):
        # Trusting a tag is trusting its publisher: whoever can move docker/login-action@v3 can
        # move docker/build-push-action@v6 too (one account, one organisation). One decision per
        # publisher, pinned in one pass (open-webui: five docker/* actions ranked as five risks).
        action = _ACTION.search(f.snippet)
        return f"actions-of:{action.group(1).split('/')[0].lower()}" if action else None
    if f.trace or f.prop("origin") is not None or f.category == Category.SUPPLY_CHAIN:
        return None
    own_problem = set(f.cwe) & _OWN_PROBLEM_CWE or dangerous_whatever_the_origin(f)
    if f.category == Category.SECURITY and own_problem:
        return None
    callee = _CALLEE.match(f.snippet)
    return f"call:{re.sub(r'\s+', '', callee.group(1))}" if callee else None


def _bucket(f: Finding) -> str:
    return "test" if f.context == CodeContext.TEST else "code"


def _rank(f: Finding) -> tuple[float, ...]:
    """Worst first: the group's head is what it is scored on (known-exploited, CVSS, EPSS,
    what the workflow holds), then the first in file order."""
    holds = f.prop("workflow_holds") or ""
    exposure = 0 if holds in ("", "nothing") else len(holds.split(","))
    v = f.vulnerability
    danger = (v.kev, v.cvss_score or 0.0, v.epss or 0.0) if v is not None else (False, 0.0, 0.0)
    return (-int(f.severity), -int(danger[0]), -danger[1], -danger[2], -int(f.confidence), -exposure)


def _merge_group(key: str, members: list[Finding]) -> Finding:
    members.sort(key=lambda m: (_rank(m), m.sort_key))
    head = members[0]
    places = list(dict.fromkeys((*head.related, *(m.location for m in members[1:]))))
    props = [*head.properties, ("group_key", key), ("group_size", str(len(members)))]
    advisories = sorted({m.vulnerability.id for m in members if m.vulnerability is not None})
    message = head.message
    if len(advisories) > 1:
        props.append(("advisories", ", ".join(advisories)))
        message += f" {len(advisories)} advisories in all for this package: {', '.join(advisories)}."
    elif len(members) > 1:
        message += f" (the same root cause at {len(members)} places)"
    return dataclasses.replace(
        head,
        message=message,
        related=tuple(places[:MAX_RELATED]),
        properties=tuple(props),
        identity=f"{key}|{_bucket(head)}",
    )


def group(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per root cause: the others' locations in ``related``, the count in a property.

    The group's identity is its rule and key (never its first location), so it survives
    runs where locations come and go. Test code groups apart from the rest.
    """
    groups: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    out: list[Finding] = []
    for f in findings:
        key = group_key(f)
        if key is None:
            out.append(f)
        else:
            groups[(f.rule_id, key, _bucket(f))].append(f)
    out += [_merge_group(key, members) for (_, key, _), members in groups.items()]
    return out


# -- the run's findings ---------------------------------------------------------------------


def _project_suppression(
    f: Finding,
    marks: Mapping[str, Sequence[InlineSuppression]],
    nosec: Mapping[str, Sequence[NosecMark]],
    config: Config,
    equivalents: Mapping[str, str],
) -> Finding | None:
    """The finding marked as suppressed by the project (``# nosec``), or None when it is not."""
    if f.prop(SUPPRESSED_BY) is not None:
        return f
    why = nosec_reason(f, nosec.get(f.location.path, ()), equivalents)
    if why is not None:
        return dataclasses.replace(f, properties=(*f.properties, (SUPPRESSED_BY, why)))
    if inline_reason(f, marks.get(f.location.path, ())) or config_ignore(f, config.ignore):
        return f  # suppressed in assess; kept out of groups so its place is not hidden
    return None


Silenced = dict[str, list[tuple[int, int, str, str]]]  # path -> (first, last line, our rule, why)


def _silenced_equivalents(quiet: Sequence[Finding], equivalents: Mapping[str, str]) -> Silenced:
    """ruff findings the project silenced (``# noqa: S324``, per-file ignores), by the rule of ours
    that reports the same problem there."""
    out: Silenced = defaultdict(list)
    for q in quiet:
        rule = equivalents.get(q.rule_id.removeprefix("ruff.")) if q.rule_id.startswith("ruff.") else None
        if rule is not None:
            end = max(q.location.line, q.location.end_line)
            out[q.location.path].append((q.location.line, end, rule, q.prop(SUPPRESSED_BY) or ""))
    return out


def _same_decision(f: Finding, silenced: Silenced) -> Finding:
    """Our finding on lines where the project silenced ruff's code for the same problem is
    silenced too: ``# noqa: S324 -- used for an ETag`` covers sec.weak-hash on that call."""
    if f.prop(SUPPRESSED_BY) is not None:
        return f
    start, end = f.location.line, max(f.location.line, f.location.end_line)
    for first, last, rule, why in silenced.get(f.location.path, ()):
        if rule == f.rule_id and first <= end and start <= last:
            return dataclasses.replace(f, properties=(*f.properties, (SUPPRESSED_BY, why)))
    return f


def _enabled(config: Config) -> tuple[frozenset[str], frozenset[str]]:
    """(rules off, rules explicitly on) from ``[tool.stackaudit.rules]``."""
    off = frozenset(rid for rid, o in config.rules.items() if not o.enabled)
    on = frozenset(rid for rid, o in config.rules.items() if o.enabled and "enabled" in o.model_fields_set)
    return off, on


def finalise(
    findings: Sequence[Finding],
    marks: Mapping[str, Sequence[InlineSuppression]],
    config: Config,
    analysed: Callable[[str, str], bool],
    authorities: Mapping[str, tuple[str, str]],
    proofs: Sequence[SafetyProof] = (),
    nosec: Mapping[str, Sequence[NosecMark]] | None = None,
) -> Finalised:
    """``analysed(analyzer, path)``: did that analyzer fully analyse that file; ``authorities``:
    ruff code -> (authoritative analyzer, rule) (see merge.py)."""
    quiet = [f for f in findings if f.prop(SUPPRESSED_BY) is not None]  # the project's, by the engine
    loud = [f for f in findings if f.prop(SUPPRESSED_BY) is None]
    merged = one_per_problem([*loud, *reasonless_suppressions(marks)], proofs, analysed, authorities)
    off, on = _enabled(config)
    wanted = [f for f in (*merged, *quiet) if f.rule_id not in off]
    default_off = Counter(f.rule_id for f in wanted if f.rule_id in DEFAULT_OFF and f.rule_id not in on)
    placed = apply_context([f for f in wanted if f.rule_id not in default_off], config.test_rules == "all")
    equivalents = {code: rule for code, (_, rule) in authorities.items()}
    silenced = _silenced_equivalents(quiet, equivalents)
    suppressed: list[Finding] = []
    active: list[Finding] = []
    for f in placed.kept:
        marked = _project_suppression(_same_decision(f, silenced), marks, nosec or {}, config, equivalents)
        (active if marked is None else suppressed).append(marked or f)
    result = assign_occurrences(dedupe([*group(active), *suppressed]))
    notices = [turned_off_notice(placed.turned_off), _default_off_notice(default_off)]
    return Finalised(result, tuple(n for n in notices if n))


def reported(rule_id: str, category: Category | None, path: str, config: Config) -> bool:
    """Would a finding of this rule at this path be reported under this config? A history
    entry that would not is out of scope for "fixed" (turning a rule off fixes nothing)."""
    off, on = _enabled(config)
    if rule_id in off or (rule_id in DEFAULT_OFF and rule_id not in on):
        return False
    return config.test_rules == "all" or not off_here(rule_id, category, area_of(path))


def _default_off_notice(off: Counter[str]) -> str | None:
    if not off:
        return None
    rules = ", ".join(f"{rule} x{n}" for rule, n in sorted(off.items()))
    first = sorted(off)[0]
    return (
        f"{sum(off.values())} finding(s) of rules off by default were not reported ({rules}); "
        f'to report a rule, enable it by name, e.g. [tool.stackaudit.rules."{first}"] enabled = true.'
    )
