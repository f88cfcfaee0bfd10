from __future__ import annotations

from dataclasses import dataclass, field

from stackaudit.model.enums import Category, CodeContext, Confidence, Severity
from stackaudit.model.fingerprint import fingerprint
from stackaudit.model.location import Location, TraceStep
from stackaudit.model.redact import scrub
from stackaudit.model.vuln import VulnerabilityInfo


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by one rule. Complete when built, never changed after.

    Build findings through ``RuleMeta.finding`` so the rule's defaults apply.
    ``snippet`` is the matched code (secrets already redacted by the analyzer);
    ``occurrence`` disambiguates identical matches in one file and is assigned by
    the engine with ``dataclasses.replace`` (which builds a new finding).
    """

    rule_id: str
    message: str
    location: Location
    category: Category
    severity: Severity
    confidence: Confidence = Confidence.MEDIUM
    cwe: tuple[int, ...] = ()
    snippet: str = ""
    fix: str = ""
    related: tuple[Location, ...] = ()
    trace: tuple[TraceStep, ...] = ()
    context: CodeContext = CodeContext.UNKNOWN
    endpoint: str | None = None  # "GET /orders" when the analyzer knows it
    tool: str = "stackaudit"  # the engine that produced it: stackaudit, ruff, zizmor…
    vulnerability: VulnerabilityInfo | None = None
    properties: tuple[tuple[str, str], ...] = ()  # small extra typed-as-text facts
    occurrence: int = 0
    # Set on a group of findings sharing one root cause (engine/postprocess.py): the
    # group's key, which then replaces path and snippet in the fingerprint, so that the
    # group keeps its identity whichever of its locations comes first.
    identity: str = ""
    fingerprint: str = field(init=False, default="")

    def __post_init__(self) -> None:
        # Never a secret in full, whatever rule reported the line (model/redact.py)
        object.__setattr__(self, "snippet", scrub(self.snippet))
        object.__setattr__(self, "message", scrub(self.message))
        if self.identity:
            value = fingerprint(self.rule_id, "", self.identity, self.occurrence)
        else:
            value = fingerprint(
                self.rule_id, self.location.path, self.snippet or self.message, self.occurrence
            )
        object.__setattr__(self, "fingerprint", value)

    def prop(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.properties:
            if key == name:
                return value
        return default

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.path, self.location.line, self.location.column, self.rule_id)
