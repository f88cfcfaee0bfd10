"""Migration safety (expand and contract): ``MigrationsAnalyzer``."""

from stackaudit.analyzers.migrations.analyzer import MigrationsAnalyzer

__all__ = ["MigrationsAnalyzer"]
