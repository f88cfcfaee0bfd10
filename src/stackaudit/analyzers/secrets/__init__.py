"""Secret detection: working tree (``secrets``), staged files and git history.

Public API: ``SecretsAnalyzer``, ``StagedSecretsAnalyzer``, ``HistorySecretsAnalyzer``,
``Scanner`` / ``SecretMatch`` (scan any text), ``redact``.
"""

from stackaudit.analyzers.secrets.analyzer import SecretsAnalyzer
from stackaudit.analyzers.secrets.scanner import Scanner, ScanSettings, SecretMatch, redact

__all__ = ["ScanSettings", "Scanner", "SecretMatch", "SecretsAnalyzer", "redact"]
