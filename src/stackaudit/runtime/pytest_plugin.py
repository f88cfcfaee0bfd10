"""pytest plugin (entry point ``pytest11: stackaudit``): runtime N+1 capture.

Enabled with ``--stackaudit-nplusone``; without the flag it does nothing.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stackaudit")
    group.addoption(
        "--stackaudit-nplusone",
        action="store_true",
        default=False,
        help="Capture SQL per test and report runtime N+1 query patterns to the stackaudit store.",
    )
