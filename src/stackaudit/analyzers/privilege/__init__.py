"""Least privilege in the data layer: ``PrivilegeAnalyzer`` (rules ``priv.*``)."""

from stackaudit.analyzers.privilege.analyzer import PrivilegeAnalyzer

__all__ = ["PrivilegeAnalyzer"]
