"""Taint-tracking SAST for Python web code, and API misuse rules on the same engine.

Public API:

* ``TaintAnalyzer``: the ``taint`` RepoAnalyzer (registered in ``analyzers/registry.py``).
* ``ruff_merge.RUFF_EQUIVALENTS`` and ``ruff_merge.merge_with_ruff``: one finding per problem
  when ruff's S rules and this engine report the same thing.
"""

from stackaudit.analyzers.taint.analyzer import TaintAnalyzer
from stackaudit.analyzers.taint.ruff_merge import RUFF_EQUIVALENTS, merge_with_ruff

__all__ = ["RUFF_EQUIVALENTS", "TaintAnalyzer", "merge_with_ruff"]
