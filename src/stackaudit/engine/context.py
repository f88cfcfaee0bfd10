"""Where code runs, from its path; and the rules that make no sense there. Pure functions.

Tests, fixtures, linter test data and applied migrations are not production (DESIGN.md,
"Signal", 3). A rule that only makes sense in a running service (an assert, a password
in a fixture, a random number, a subprocess in a test harness, a missing timeout, N+1
in a one-off data migration) is off there by default; every other finding there keeps
its place but ranks lower (``engine/score.py``). ``test_rules = "all"`` turns them back on.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from stackaudit.model import Category, CodeContext, Confidence, Finding, Severity


class Area(StrEnum):
    """The kind of non-production code a path holds (``code_area`` property)."""

    TEST = "test"
    FIXTURE = "fixture"  # test data: fixtures, testdata, linter test inputs
    MIGRATION = "migration"  # schema/data migrations, applied once per database
    VENDORED = "vendored"  # third-party code copied in: vendor folders, minified bundles
    EXAMPLE = "example"  # an example or demo project shipped beside the service


# Test code: folders, file names (pytest, unittest, Django's tests.py), conftest.
_TEST = re.compile(
    r"(^|/)(tests?|testing|__tests__|unittests?|integration_tests?|functional_tests?|e2e)/"
    r"|(^|/)(test_[^/]*|[^/]*_tests?\.py|tests\.py|conftest\.py)$"
)
# Test data: fixtures and sample inputs, including linters' and SAST rules' test folders.
_FIXTURE = re.compile(
    r"(^|/)(fixtures?|testdata|test[-_]data|test[-_]files|test[-_]resources|resources/tests?"
    r"|\.semgrep|semgrep[-_]rules?/tests?|snapshots)/"
)
# Django app migrations, Alembic (and Flask-Migrate) revision folders, versioned upgrade steps
# (mautrix/asyncpg's ``db/upgrade/v01_initial_revision.py``: maubot).
_MIGRATION = re.compile(r"(^|/)(migrations|alembic)/|(^|/)upgrades?/v\d+[^/]*\.py$")

# Third-party code copied into the repository (a JS library under static/.../vendor/, a
# minified bundle): its findings are the upstream project's, with its own keys and patterns.
_VENDORED = re.compile(
    r"(^|/)(vendor|vendored|third[-_]party|bower_components|node_modules)/|[.-]min\.(js|css|mjs)(\.map)?$"
)

# A ``cli/`` package holds the command-line tool shipped beside a service (maubot/cli/...):
# one-shot commands on the operator's machine, not request paths. ``jobs/`` and ``cron/`` hold
# scheduled work (django-extensions jobs, hyperkitty/jobs): it runs off the request path too.
_SCRIPT = re.compile(
    r"(^|/)(scripts?|bin|cli|management/commands|jobs|cron)/|(^|/)(manage|setup|fabfile|noxfile)\.py$"
)


# An example or demo project beside the service (hyperkitty's example_project/ with DEBUG = True,
# a library's examples/): it shows how to deploy, it is not what is deployed.
_EXAMPLE = re.compile(r"(^|/)(examples?|demos?|samples?|example[_-][\w-]+|[\w-]+[_-]example|demo[_-][\w-]+)/")


def area_of(path: str) -> Area | None:
    if _FIXTURE.search(path):
        return Area.FIXTURE
    if _TEST.search(path):
        return Area.TEST
    if _MIGRATION.search(path):
        return Area.MIGRATION
    if _VENDORED.search(path):
        return Area.VENDORED
    if _EXAMPLE.search(path):
        return Area.EXAMPLE
    return None


def context_from_path(path: str) -> CodeContext:
    area = area_of(path)
    if area in (Area.TEST, Area.FIXTURE):
        return CodeContext.TEST
    if area is Area.MIGRATION or _SCRIPT.search(path):
        return CodeContext.SCRIPT
    return CodeContext.UNKNOWN


# Rules off in test code and test data by default. ruff: assert (S101), password-looking
# names (S105-S107: fixtures hold fake credentials), temp paths (S108), bind 0.0.0.0
# (S104), randomness (S311), subprocess in harnesses (S603, S606, S607), weak hashes as
# test ids (S324), try/except/pass (S110, S112), SQL strings building fixtures (S608);
# ours: timeouts of test clients, test database URLs and superuser test connections,
# keyword-and-entropy secret guesses; private keys and service-account files (a test suite
# generates its own CA, JWT signing and connector keys: 0 of 6 labelled true, all under
# tests/testdata). Provider-format tokens stay: a real token pasted into a test is a leak.
# Request flows in test code: the "request" is the test client's and the server a test fixture
# (changedetection.io's live-server endpoints echoing what its tests send: 5 "XSS" at the top).
OFF_IN_TESTS = frozenset(
    {
        *(f"ruff.S{n}" for n in (101, 104, 105, 106, 107, 108, 110, 112, 113, 311, 324, 603, 606, 607, 608)),
        *(
            f"sec.{name}"
            for name in (
                "xss",
                "open-redirect",
                "ssrf",
                "path-traversal",
                "header-injection",
                "trust-boundary",
            )
        ),
        "sec.weak-hash",
        "scale.no-timeout",
        "secret.generic",
        "secret.password-in-url",
        "secret.private-key",
        "secret.gcp-service-account",
        "priv.superuser-connection",
    }
)
# Performance and scale are about serving traffic: tests and test data serve none.
OFF_IN_TESTS_CATEGORIES = frozenset({Category.PERFORMANCE, Category.SCALABILITY})
# A migration runs once per database: per-row queries and loops there cost nothing later.
OFF_IN_MIGRATIONS = frozenset(
    {"perf.n-plus-one", "perf.http-in-loop", "perf.unpaginated-list", "perf.select-star"}
)
OFF_IN_MIGRATIONS_CATEGORIES = frozenset({Category.PERFORMANCE})


def off_here(rule_id: str, category: Category | None, area: Area | None) -> bool:
    """Is this rule off by default in this kind of code?"""
    if area in (Area.TEST, Area.FIXTURE):
        return rule_id in OFF_IN_TESTS or category in OFF_IN_TESTS_CATEGORIES
    if area is Area.MIGRATION:
        return rule_id in OFF_IN_MIGRATIONS or category in OFF_IN_MIGRATIONS_CATEGORIES
    return False


@dataclass(frozen=True, slots=True)
class ContextSplit:
    kept: list[Finding]
    turned_off: Counter[str]  # rule id -> findings not reported because of where they are


def apply_context(findings: Sequence[Finding], all_rules: bool) -> ContextSplit:
    """Set the context and ``code_area`` of every finding; drop the rules off where they are."""
    kept: list[Finding] = []
    off: Counter[str] = Counter()
    for f in findings:
        area = area_of(f.location.path)
        if area is None:
            # An analyzer that saw no route says LIBRARY ("not a handler"); where the file lives
            # knows better when it is a script, a management command or a scheduled job.
            if f.context in (CodeContext.UNKNOWN, CodeContext.LIBRARY):
                placed = context_from_path(f.location.path)
                if placed is not CodeContext.UNKNOWN or f.context is CodeContext.UNKNOWN:
                    f = dataclasses.replace(f, context=placed)
            kept.append(f)
            continue
        if area in (Area.VENDORED, Area.EXAMPLE):
            kept.append(_kept_low(f, area))
            continue
        if not all_rules and off_here(f.rule_id, f.category, area):
            off[f.rule_id] += 1
            continue
        context = CodeContext.SCRIPT if area is Area.MIGRATION else CodeContext.TEST
        props = f.properties if f.prop("code_area") else (*f.properties, ("code_area", area.value))
        kept.append(dataclasses.replace(f, context=context, properties=props))
    return ContextSplit(kept, off)


def _kept_low(f: Finding, area: Area) -> Finding:
    """Kept (the copy ships with the app; an example is copied by users) but low: the upstream
    project owns vendored code, and an example is not what is deployed. Measured on
    django-helpdesk (Knight Lab's public Google browser key inside vendored TimelineJS) and
    hyperkitty (DEBUG = True in example_project/settings.py)."""
    context = f.context if f.context != CodeContext.UNKNOWN else context_from_path(f.location.path)
    return dataclasses.replace(
        f,
        context=context,
        severity=min(f.severity, Severity.LOW),
        confidence=min(f.confidence, Confidence.LOW),
        properties=(*f.properties, ("code_area", area.value)),
    )


def turned_off_notice(off: Counter[str]) -> str | None:
    if not off:
        return None
    top = ", ".join(f"{rule} x{n}" for rule, n in sorted(off.items(), key=lambda kv: (-kv[1], kv[0]))[:8])
    more = f" and {len(off) - 8} more rule(s)" if len(off) > 8 else ""
    return (
        f"{sum(off.values())} finding(s) in tests, test data or migrations were not reported: "
        f"those rules are off there by default ({top}{more}). "
        'To report them, set test_rules = "all" under [tool.stackaudit].'
    )
