"""Ordered enums for severity, confidence, category and statuses.

Every mapping from another tool's levels to these is an explicit table beside the
wrapper, with a test that covers every level.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Severity(IntEnum):
    """How bad a finding is if it is real. Ordered: compare with < and >."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(m.name.lower() for m in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Confidence(IntEnum):
    """How sure the analyzer is that the finding is real."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def parse(cls, text: str) -> Confidence:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown confidence {text!r}") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Category(StrEnum):
    PERFORMANCE = "performance"
    SECURITY = "security"
    SCALABILITY = "scalability"
    SUPPLY_CHAIN = "supply-chain"
    PROCESS = "process"


class Status(StrEnum):
    """Lifecycle of a fingerprint in the history store."""

    NEW = "new"  # first seen in this run
    OPEN = "open"  # seen before and still present
    REOPENED = "reopened"  # was fixed, came back
    FIXED = "fixed"  # seen before, absent from this run
    ACCEPTED = "accepted"  # accepted risk, until an expiry date
    SUPPRESSED = "suppressed"  # inline or config suppression


class CodeContext(StrEnum):
    """Where the code of a finding runs; feeds Likelihood."""

    HANDLER = "handler"  # inside a web request handler / view / task
    LIBRARY = "library"  # application code reachable from handlers
    SCRIPT = "script"  # CLI scripts, management commands, migrations
    TEST = "test"  # tests and fixtures
    CONFIG = "config"  # configuration / CI / manifests
    UNKNOWN = "unknown"
