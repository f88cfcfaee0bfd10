"""Taint-tracking SAST for Python web code, and API misuse rules on the same engine.

Public API:

* ``TaintAnalyzer``: the ``taint`` RepoAnalyzer (registered in ``analyzers/registry.py``).
* ``ruff_merge.RUFF_EQUIVALENTS``: the ruff codes this engine judges with data flow (the
  engine's merge, ``engine/merge.py``, acts on the declaration).
"""

from stackaudit.analyzers.taint.analyzer import TaintAnalyzer
from stackaudit.analyzers.taint.ruff_merge import RUFF_EQUIVALENTS

__all__ = ["RUFF_EQUIVALENTS", "TaintAnalyzer"]
