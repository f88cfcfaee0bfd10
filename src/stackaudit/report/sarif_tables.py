"""SARIF's levels for our ordered enums: one explicit table per mapping (tests cover every level)."""

from __future__ import annotations

from collections.abc import Mapping

from stackaudit.model import AnalyzerState, Confidence, NotAnalysedReason, Severity, Status

# SARIF result level per severity.
LEVEL: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

# GitHub's security-severity (a CVSS-like number as a string). GitHub bands it:
# > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
}

# GitHub's problem.severity for results that are not security alerts.
PROBLEM_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "recommendation",
    Severity.INFO: "recommendation",
}

PRECISION: Mapping[Confidence, str] = {
    Confidence.HIGH: "high",
    Confidence.MEDIUM: "medium",
    Confidence.LOW: "low",
}

# Notification level for an analyzer record (an OK one only when it recorded a reason).
ANALYZER_LEVEL: Mapping[AnalyzerState, str] = {
    AnalyzerState.OK: "note",
    AnalyzerState.SKIPPED: "note",
    AnalyzerState.PARTIAL: "warning",
    AnalyzerState.TIMEOUT: "error",
    AnalyzerState.FAILED: "error",
}

# Notification level for a file that was not analysed.
NOT_ANALYSED_LEVEL: Mapping[NotAnalysedReason, str] = {
    NotAnalysedReason.BINARY: "note",
    NotAnalysedReason.TOO_LARGE: "warning",
    NotAnalysedReason.EMPTY: "note",
    NotAnalysedReason.DECODE_ERROR: "warning",
    NotAnalysedReason.SYNTAX_ERROR: "warning",
    NotAnalysedReason.PERMISSION: "warning",
    NotAnalysedReason.VANISHED: "note",
    NotAnalysedReason.SYMLINK_OUTSIDE: "note",
    NotAnalysedReason.SYMLINK_LOOP: "warning",
    NotAnalysedReason.TIMEOUT: "warning",
    NotAnalysedReason.PARTIAL: "warning",
    NotAnalysedReason.MALFORMED: "warning",
    NotAnalysedReason.UNSUPPORTED: "note",
    NotAnalysedReason.ERROR: "error",
}

# SARIF suppression kind per status of a suppressed assessment.
SUPPRESSION_KIND: Mapping[Status, str] = {
    Status.SUPPRESSED: "inSource",
    Status.ACCEPTED: "external",
}
