from __future__ import annotations

import inspect
from dataclasses import dataclass

from stackaudit.model.enums import Category, CodeContext, Confidence, Severity
from stackaudit.model.finding import Finding
from stackaudit.model.location import Location, TraceStep
from stackaudit.model.vuln import VulnerabilityInfo


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Everything about a rule, declared once beside the rule.

    ``doc`` is the rule's documentation and playbook (what it finds, why it
    matters, an example, the fix); ``stackaudit explain RULE`` prints it.
    Default ``impact`` and ``likelihood`` run 1..10, ``effort`` is in person-days.
    """

    id: str
    title: str
    category: Category
    severity: Severity
    doc: str
    cwe: tuple[int, ...] = ()
    impact: float = 5.0
    likelihood: float = 5.0
    effort: float = 1.0
    confidence: Confidence = Confidence.MEDIUM
    fix: str = ""
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "doc", inspect.cleandoc(self.doc))
        if not (1 <= self.impact <= 10 and 1 <= self.likelihood <= 10 and self.effort > 0):
            raise ValueError(f"rule {self.id}: impact/likelihood must be 1..10 and effort > 0")

    def finding(
        self,
        location: Location,
        message: str,
        snippet: str = "",
        *,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
        fix: str | None = None,
        related: tuple[Location, ...] = (),
        trace: tuple[TraceStep, ...] = (),
        context: CodeContext = CodeContext.UNKNOWN,
        endpoint: str | None = None,
        tool: str = "stackaudit",
        vulnerability: VulnerabilityInfo | None = None,
        properties: tuple[tuple[str, str], ...] = (),
        cwe: tuple[int, ...] | None = None,
    ) -> Finding:
        """Build a complete finding with this rule's defaults."""
        return Finding(
            rule_id=self.id,
            message=message,
            location=location,
            category=self.category,
            severity=self.severity if severity is None else severity,
            confidence=self.confidence if confidence is None else confidence,
            cwe=self.cwe if cwe is None else cwe,
            snippet=snippet,
            fix=self.fix if fix is None else fix,
            related=related,
            trace=trace,
            context=context,
            endpoint=endpoint,
            tool=tool,
            vulnerability=vulnerability,
            properties=properties,
        )
