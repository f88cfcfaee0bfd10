"""The ``python-rules`` file analyzer: parse once, walk once, every rule family on the way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stackaudit.analyzers.base import FileAnalyzer, FileInput, FileResult, NotAnalysable
from stackaudit.analyzers.python.breaker import BreakerRules
from stackaudit.analyzers.python.caching import CachingRules
from stackaudit.analyzers.python.crypto import CryptoRules
from stackaudit.analyzers.python.family import RuleFamily
from stackaudit.analyzers.python.filemode import FileModeRules
from stackaudit.analyzers.python.nplusone import NPlusOneRules
from stackaudit.analyzers.python.outbound import OutboundRules
from stackaudit.analyzers.python.pagination import PaginationRules
from stackaudit.analyzers.python.perrequest import PerRequestRules
from stackaudit.analyzers.python.queues import QueueRules
from stackaudit.analyzers.python.resilience import ResilienceRules
from stackaudit.analyzers.python.retry import RetryRules
from stackaudit.analyzers.python.sql import SqlRules
from stackaudit.analyzers.python.walker import Walk
from stackaudit.config.schema import Config
from stackaudit.model import NotAnalysedReason, RuleMeta

FAMILIES: tuple[type[RuleFamily], ...] = (
    NPlusOneRules,
    OutboundRules,
    QueueRules,
    RetryRules,
    PaginationRules,
    SqlRules,
    ResilienceRules,
    PerRequestRules,
    CachingRules,
    BreakerRules,
    CryptoRules,
    FileModeRules,
)


class PythonRulesAnalyzer(FileAnalyzer):
    """Performance, scalability, SQL and cryptography rules for Python source (see each family's module)."""

    name: ClassVar[str] = "python-rules"
    version: ClassVar[str] = "11"
    languages: ClassVar[frozenset[str]] = frozenset({"python"})
    config_keys: ClassVar[tuple[str, ...] | None] = ()
    rules: ClassVar[tuple[RuleMeta, ...]] = tuple(rule for family in FAMILIES for rule in family.rules)
    ruff_equivalents: ClassVar[Mapping[str, str]] = {
        "S113": "scale.no-timeout",  # requests call without timeout (we see session defaults)
        "ASYNC210": "perf.blocking-call-in-async",  # blocking HTTP call in async function
        "ASYNC212": "perf.blocking-call-in-async",
        "ASYNC220": "perf.blocking-call-in-async",  # subprocess in async function
        "ASYNC221": "perf.blocking-call-in-async",
        "ASYNC222": "perf.blocking-call-in-async",
        "ASYNC230": "perf.blocking-call-in-async",  # open() in async function
        "ASYNC251": "perf.blocking-call-in-async",  # time.sleep in async function
    }

    def analyze(self, source: FileInput, config: Config) -> FileResult:
        tree = source.python_tree()  # NotAnalysable on a syntax error: the runner records it
        walk = Walk(source.path, source.text, FAMILIES)
        try:
            findings = walk.run(tree)
        except RecursionError:
            raise NotAnalysable(
                NotAnalysedReason.PARTIAL, "nesting too deep for the python-rules traversal"
            ) from None
        return FileResult(tuple(findings))
