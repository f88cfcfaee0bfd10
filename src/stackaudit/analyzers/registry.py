"""The explicit list of analyzers. Add yours to one of the two tuples."""

from __future__ import annotations

from stackaudit.analyzers.base import Analyzer, FileAnalyzer, RepoAnalyzer, RuleIndex


def file_analyzers() -> tuple[type[FileAnalyzer], ...]:
    # Imports live inside the function: nothing runs at import time of the registry.
    from stackaudit.analyzers.privilege import PrivilegeAnalyzer
    from stackaudit.analyzers.python.analyzer import PythonRulesAnalyzer
    from stackaudit.analyzers.secrets import SecretsAnalyzer

    return (SecretsAnalyzer, PythonRulesAnalyzer, PrivilegeAnalyzer)


def repo_analyzers() -> tuple[type[RepoAnalyzer], ...]:
    from stackaudit.analyzers.apiversion import ApiVersionsAnalyzer
    from stackaudit.analyzers.audit_trail import AuditTrailAnalyzer
    from stackaudit.analyzers.ci.analyzer import CiHardeningAnalyzer
    from stackaudit.analyzers.external.ruff import RuffAnalyzer
    from stackaudit.analyzers.external.zizmor import ZizmorAnalyzer
    from stackaudit.analyzers.migrations import MigrationsAnalyzer
    from stackaudit.analyzers.python.ratelimit import RateLimitAnalyzer
    from stackaudit.analyzers.sca.analyzer import ScaAnalyzer
    from stackaudit.analyzers.secrets.history import HistorySecretsAnalyzer
    from stackaudit.analyzers.secrets.staged import StagedSecretsAnalyzer
    from stackaudit.analyzers.taint import TaintAnalyzer
    from stackaudit.analyzers.tenant import TenantAnalyzer
    from stackaudit.dast.analyzer import DastAnalyzer

    return (
        StagedSecretsAnalyzer,
        HistorySecretsAnalyzer,
        ScaAnalyzer,
        RuffAnalyzer,
        ZizmorAnalyzer,
        CiHardeningAnalyzer,
        TaintAnalyzer,
        AuditTrailAnalyzer,
        MigrationsAnalyzer,
        RateLimitAnalyzer,
        TenantAnalyzer,
        ApiVersionsAnalyzer,
        DastAnalyzer,
    )


def all_analyzers() -> tuple[type[Analyzer], ...]:
    return (*file_analyzers(), *repo_analyzers())


def rule_index() -> RuleIndex:
    from stackaudit.engine.rules import ENGINE_RULES
    from stackaudit.runtime.findings import RULES as RUNTIME_RULES

    return RuleIndex.build(all_analyzers(), extra=(*ENGINE_RULES, *RUNTIME_RULES))
