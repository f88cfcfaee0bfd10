"""Pure scoring of one labelled run: no I/O here, so the tests can feed it tiny synthetic inputs.

Precision counts a ``debatable`` label as half a true one (``DEBATABLE_WEIGHT``); the strict
figure (debatable as false) is printed beside it. Unlabelled findings are left out of every
precision and counted on their own, so a run with new findings shows what still needs a label.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .common import finding_key
from .labels import Label

DEBATABLE_WEIGHT = 0.5
_TEST_PATH = re.compile(r"(^|/)(tests?|testing|fixtures?|conftest\.py|test_[^/]*\.py|[^/]*_tests?\.py)(/|$)")


def verdict_value(verdict: str, debatable: float = DEBATABLE_WEIGHT) -> float:
    return {"true": 1.0, "false": 0.0}.get(verdict, debatable)


@dataclass(frozen=True, slots=True)
class Precision:
    """A precision over the labelled part of a set of findings."""

    value: float | None  # None when nothing is labelled
    strict: float | None  # debatable counted as false
    labelled: int
    unlabelled: int
    debatable: int

    def text(self) -> str:
        if self.value is None:
            return "-"
        return f"{self.value:.2f} ({self.labelled})"


def precision(verdicts: Iterable[str | None]) -> Precision:
    seen = [v for v in verdicts]
    labelled = [v for v in seen if v is not None]
    if not labelled:
        return Precision(None, None, 0, len(seen), 0)
    value = sum(verdict_value(v) for v in labelled) / len(labelled)
    strict = sum(verdict_value(v, 0.0) for v in labelled) / len(labelled)
    return Precision(value, strict, len(labelled), len(seen) - len(labelled), labelled.count("debatable"))


def is_test(finding: Mapping[str, Any]) -> bool:
    """Test code by the product's own context, or by path when the product does not say test."""
    return finding.get("context") == "test" or bool(_TEST_PATH.search(str(finding["location"]["path"])))


@dataclass(frozen=True, slots=True)
class AppScore:
    name: str
    half: str
    findings: int
    test: int  # findings in test code (context test, or a test path)
    test_by_context: int  # of which the product itself says context=test
    prod: int
    top5: Precision
    top20: Precision
    security_prod: Precision  # security findings outside test code, labelled ones
    sampled: Precision  # every label that matches a finding of the run (one per key)
    by_rule: dict[str, Precision] = field(default_factory=dict)
    by_category: dict[str, Precision] = field(default_factory=dict)
    verdicts: tuple[tuple[str, str, str | None], ...] = ()  # (rule, category, verdict), one per label
    top20_rows: tuple[tuple[str, str | None], ...] = ()  # (rule, verdict) of each top-20 finding

    def summary(self) -> dict[str, Any]:
        """The small record kept in ``last_scored.json`` to show movement on the next run."""
        return {
            "findings": self.findings, "test": self.test, "prod": self.prod,
            "top5": self.top5.value, "top20": self.top20.value,
            "unlabelled_top20": self.top20.unlabelled, "security_prod": self.security_prod.value,
        }  # fmt: skip


def _group(rows: list[tuple[str, str | None]]) -> dict[str, Precision]:
    grouped: dict[str, list[str | None]] = defaultdict(list)
    for name, verdict in rows:
        grouped[name].append(verdict)
    return {name: precision(v) for name, v in sorted(grouped.items())}


def score_app(
    name: str, half: str, findings: list[dict[str, Any]], labels: Mapping[tuple[str, str, str], Label]
) -> AppScore:
    """Score one app's run: ``findings`` ordered by score (highest first), ``labels`` by key."""

    def verdict(f: dict[str, Any]) -> str | None:
        label = labels.get(finding_key(f))
        return label.verdict if label else None

    test = [f for f in findings if is_test(f)]
    labelled: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for f in findings:  # one row per label: identical code in one file shares a label, counted once
        key = finding_key(f)
        if key not in seen and verdict(f) is not None:
            seen.add(key)
            labelled.append(f)
    security_prod = [f for f in labelled if f.get("category") == "security" and not is_test(f)]
    rows = [(str(f["rule_id"]), str(f.get("category")), verdict(f)) for f in labelled]
    return AppScore(
        name=name,
        half=half,
        findings=len(findings),
        test=len(test),
        test_by_context=sum(1 for f in findings if f.get("context") == "test"),
        prod=len(findings) - len(test),
        top5=precision(verdict(f) for f in findings[:5]),
        top20=precision(verdict(f) for f in findings[:20]),
        security_prod=precision(verdict(f) for f in security_prod),
        sampled=precision(verdict(f) for f in labelled),
        by_rule=_group([(r, v) for r, _, v in rows]),
        by_category=_group([(c, v) for _, c, v in rows]),
        verdicts=tuple(rows),
        top20_rows=tuple((str(f["rule_id"]), verdict(f)) for f in findings[:20]),
    )


def overall(scores: list[AppScore], name: str = "overall") -> dict[str, Any]:
    """Pooled figures over several apps (each labelled finding weighs the same)."""

    def pool(attr: str) -> float | None:
        parts = [getattr(s, attr) for s in scores if getattr(s, attr).value is not None]
        n = sum(p.labelled for p in parts)
        return sum(p.value * p.labelled for p in parts) / n if n else None

    return {
        "name": name, "findings": sum(s.findings for s in scores), "test": sum(s.test for s in scores),
        "prod": sum(s.prod for s in scores), "top5": pool("top5"), "top20": pool("top20"),
        "unlabelled_top20": sum(s.top20.unlabelled for s in scores), "security_prod": pool("security_prod"),
    }  # fmt: skip


def pooled_groups(scores: list[AppScore], by: str) -> dict[str, Precision]:
    """Precision per rule (``by='rule'``) or per category over every app's labelled findings."""
    return _group(
        [(rule if by == "rule" else category, v) for s in scores for rule, category, v in s.verdicts]
    )


def movement(
    current: Mapping[str, Mapping[str, Any]], previous: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """One line per app and figure that changed since the last scored run."""
    lines: list[str] = []
    for app, now in current.items():
        before = previous.get(app)
        if before is None:
            lines.append(f"{app}: new in this run")
            continue
        for key, value in now.items():
            old = before.get(key)
            if old != value:
                lines.append(f"{app}: {key} {_fmt(old)} -> {_fmt(value)}")
    lines.extend(f"{app}: no longer scored" for app in previous if app not in current)
    return lines


def _fmt(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def top20_false_by_rule(scores: list[AppScore]) -> list[tuple[str, int, int]]:
    """(rule, false, of which in the top 20) over every app: the rules that fill the top rows with noise."""
    false: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    for s in scores:
        for rule, verdict in s.top20_rows:
            seen[rule] += 1
            false[rule] += verdict == "false"
    return sorted(((r, false[r], seen[r]) for r in seen), key=lambda t: (-t[1], t[0]))
