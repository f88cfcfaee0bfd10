"""The traversal itself: scope boundaries, deep nesting, one finding per node."""

from __future__ import annotations

import ast
import gc
import textwrap
import weakref
from pathlib import Path

from stackaudit.analyzers.base import FileInput, SourceFile
from stackaudit.analyzers.python.analyzer import FAMILIES, PythonRulesAnalyzer
from stackaudit.analyzers.python.walker import Walk
from stackaudit.config.schema import Config
from stackaudit.model import Finding


def _run(source: str, path: str = "app/mod.py") -> tuple[Finding, ...]:
    text = textwrap.dedent(source)
    return (
        PythonRulesAnalyzer()
        .analyze(FileInput(SourceFile(path, Path(path), len(text), "python"), text), Config())
        .findings
    )


def test_deep_concatenation_is_analysed() -> None:
    chain = " + ".join(f"'part{i} '" for i in range(1500))
    findings = _run(
        f"import sqlite3\ndef f(cur, x):\n    cur.execute('SELECT id FROM t WHERE a = ' + x + {chain})\n"
    )
    assert [f.rule_id for f in findings] == ["sec.sql-string-built"]


def test_function_defined_in_a_loop_does_not_run_per_item() -> None:
    findings = _run(
        """
        import requests
        def make(urls):
            out = []
            for url in urls:
                def fetch(u=url):
                    return requests.get(u, timeout=3)
                out.append(fetch)
            return out
        """
    )
    assert findings == ()


def test_sync_function_nested_in_async_is_not_async() -> None:
    findings = _run(
        """
        import time
        async def outer():
            def work():
                time.sleep(1)
            lam = lambda: time.sleep(1)
            time.sleep(2)
        """
    )
    assert [(f.rule_id, f.location.line, f.location.symbol) for f in findings] == [
        ("perf.blocking-call-in-async", 7, "outer")
    ]


def test_one_finding_per_rule_and_node_even_in_nested_loops() -> None:
    findings = _run(
        """
        import requests
        def f(groups):
            for group in groups:
                for url in group:
                    requests.get(url, timeout=1)
        """
    )
    assert [(f.rule_id, f.location.line) for f in findings] == [("perf.http-in-loop", 6)]
    assert findings[0].related[0].line == 5  # the innermost data loop


def test_import_aliases_are_resolved() -> None:
    findings = _run(
        """
        import requests as rq
        from time import sleep as nap
        from queue import Queue as Q
        async def f():
            nap(1)
            return rq.get("https://x")
        jobs = Q()
        """
    )
    assert sorted((f.rule_id, f.location.line) for f in findings) == [
        ("perf.blocking-call-in-async", 6),
        ("perf.blocking-call-in-async", 7),
        ("scale.no-timeout", 7),
        ("scale.unbounded-queue", 8),
    ]


def test_shadowed_names_are_not_the_library() -> None:
    findings = _run(
        """
        from aiofiles import open
        from mylib import requests
        async def f(path):
            async with open(path) as fh:
                return requests.get(path)
        """
    )
    assert findings == ()


def test_a_finished_walk_is_freed_by_reference_counting() -> None:
    """Pool workers analyse files with the cyclic GC off (engine/runner.py): a walk that kept a
    cycle with its families would keep every file's tree alive until the worker ends."""
    text = "import requests\nasync def f(url):\n    for u in url:\n        requests.get(u)\n"
    tree = ast.parse(text)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        walk = Walk("app/mod.py", text, FAMILIES)
        assert walk.run(tree)  # it found something: the families ran
        gone = weakref.ref(walk)
        del walk
        assert gone() is None
    finally:
        if was_enabled:
            gc.enable()
