"""Pure value types, no I/O."""

from stackaudit.model.enums import Category, CodeContext, Confidence, Severity, Status
from stackaudit.model.evidence import Evidence, EvidenceKind, EvidenceUse
from stackaudit.model.finding import Finding
from stackaudit.model.fingerprint import fingerprint, normalise_snippet
from stackaudit.model.location import Location, TraceStep
from stackaudit.model.proof import SafetyProof
from stackaudit.model.rule import RuleMeta
from stackaudit.model.run import (
    AnalyzerRecord,
    AnalyzerState,
    Assessment,
    AuditResult,
    FixedFinding,
    GateVerdict,
    NotAnalysed,
    NotAnalysedReason,
    Run,
)
from stackaudit.model.score import Factor, Score
from stackaudit.model.vuln import VulnerabilityInfo

__all__ = [
    "AnalyzerRecord",
    "AnalyzerState",
    "Assessment",
    "AuditResult",
    "Category",
    "CodeContext",
    "Confidence",
    "Evidence",
    "EvidenceKind",
    "EvidenceUse",
    "Factor",
    "Finding",
    "FixedFinding",
    "GateVerdict",
    "Location",
    "NotAnalysed",
    "NotAnalysedReason",
    "RuleMeta",
    "Run",
    "SafetyProof",
    "Score",
    "Severity",
    "Status",
    "TraceStep",
    "VulnerabilityInfo",
    "fingerprint",
    "normalise_snippet",
]
