"""Audit-trail coverage: ``AuditTrailAnalyzer`` (rule ``audit.missing-audit-event``)."""

from stackaudit.analyzers.audit_trail.analyzer import AuditTrailAnalyzer

__all__ = ["AuditTrailAnalyzer"]
