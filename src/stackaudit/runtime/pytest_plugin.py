"""pytest plugin (entry point ``pytest11: stackaudit``): runtime N+1 capture.

``pytest --stackaudit-nplusone`` captures the SQL each test issues (SQLAlchemy,
Django, sqlite3, psycopg), detects N+1 runs, prints them, and records them as
evidence in the stackaudit store so that the next ``stackaudit audit`` ranks the
static finding at the same line higher. Without the flag the plugin does nothing.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest

from stackaudit.runtime.nplusone.capture import Capture, recording
from stackaudit.runtime.nplusone.detect import NPlusOne, detect_in_tests
from stackaudit.runtime.nplusone.evidence import to_evidence


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stackaudit")
    group.addoption(
        "--stackaudit-nplusone",
        action="store_true",
        default=False,
        help="Capture SQL per test and report runtime N+1 query patterns to the stackaudit store.",
    )
    group.addoption("--stackaudit-root", default=None, help="Root of the audited project (default: rootdir).")
    group.addoption(
        "--stackaudit-db", default=None, help="Store URL (default: <root>/.stackaudit/stackaudit.db)."
    )
    group.addoption(
        "--stackaudit-nplusone-min-repeats",
        type=int,
        default=None,
        help="Default 10 (config nplusone.test_min_repeats).",
    )
    group.addoption(
        "--stackaudit-nplusone-min-ms",
        type=float,
        default=None,
        help="Default 1 ms (config nplusone.test_min_total_ms): in tests the repeat count decides.",
    )


class NPlusOnePlugin:
    def __init__(self, config: pytest.Config) -> None:
        from stackaudit.config.loader import load_config

        self.root = Path(config.getoption("--stackaudit-root") or config.rootpath).resolve()
        settings = load_config(self.root).nplusone
        repeats = config.getoption("--stackaudit-nplusone-min-repeats")
        self.min_repeats: int = repeats or settings.test_min_repeats
        min_ms = config.getoption("--stackaudit-nplusone-min-ms")
        self.min_ms: float = settings.test_min_total_ms if min_ms is None else min_ms
        self.db_url: str | None = config.getoption("--stackaudit-db")
        self.capture = Capture()
        self.found: list[NPlusOne] = []
        self.statements = 0  # captured in the call phase of every test
        self.tests = 0

    def pytest_sessionstart(self) -> None:
        self.capture.__enter__()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        # only the call phase is recorded: fixtures run in the setup phase; unittest's setUp /
        # setUpTestData run inside it and are dropped by detect_in_tests
        with recording(item.nodeid) as recorder:
            yield
        self.statements += len(recorder.events)
        self.tests += 1
        self.found.extend(
            detect_in_tests(recorder.events, item.nodeid, self.min_repeats, self.min_ms, self.root)
        )

    def pytest_sessionfinish(self) -> None:
        self.capture.__exit__(None, None, None)
        if not self.found:
            return
        from stackaudit.storage.store import Store, default_url, project_key

        project = project_key(self.root)
        evidence = [to_evidence(f, self.root, project, "pytest --stackaudit-nplusone") for f in self.found]
        with Store.open(self.db_url or default_url(self.root)) as store:
            store.add_evidence(evidence)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        terminalreporter.section("stackaudit: runtime N+1")
        terminalreporter.write_line(f"{self.statements} SQL statement(s) captured in {self.tests} test(s)")
        if not self.found:
            terminalreporter.write_line(
                f"no N+1 pattern (>= {self.min_repeats} repeats, >= {self.min_ms:g} ms) in any test"
            )
            return
        for f in self.found:
            where = f"{f.site.path}:{f.site.line} ({f.site.function})" if f.site else "unknown call site"
            terminalreporter.write_line(
                f"{f.unit}: {f.count} x {f.shape[:100]} ({f.total_ms:.1f} ms) at {where}"
            )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--stackaudit-nplusone", default=False):
        config.pluginmanager.register(NPlusOnePlugin(config), "stackaudit-nplusone")
