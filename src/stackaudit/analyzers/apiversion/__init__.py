"""API and event versioning during rollouts: ``ApiVersionsAnalyzer``."""

from stackaudit.analyzers.apiversion.analyzer import ApiVersionsAnalyzer

__all__ = ["ApiVersionsAnalyzer"]
