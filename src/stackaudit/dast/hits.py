"""A check's raw observation, before it becomes a ``Finding`` (see ``findings``)."""

from __future__ import annotations

from dataclasses import dataclass

from stackaudit.dast.guard import Seen
from stackaudit.model import RuleMeta


@dataclass(frozen=True, slots=True)
class Hit:
    """One observed problem: its rule, what makes it distinct within the rule, and why.

    ``key`` is the finding's identity within its rule and target (a cookie name, an
    operation, a header value; empty for a target-wide problem such as a missing header),
    never a measured number, so a re-scan gives the same finding.
    """

    rule: RuleMeta
    key: str
    message: str
    seen: Seen | None = None
    endpoint: str | None = None  # "GET /items/{item_id}" when an operation is known
