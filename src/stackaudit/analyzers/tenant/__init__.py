"""Tenant isolation: ``TenantAnalyzer``."""

from stackaudit.analyzers.tenant.analyzer import TenantAnalyzer

__all__ = ["TenantAnalyzer"]
