"""One parse per Python file per audit: every repository analyzer (and, in one process, the file
analyzers and the service map) reads the same tree (analyzers/pyparse.py, engine/groups.py).

``ast.parse`` is counted in every process of a real audit of the example service: a repository
analyzer that parses a file again on its own shows up as a second parse of that file.
"""

from __future__ import annotations

import ast
import gc
import os
import queue
import shutil
import traceback
from collections import Counter
from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoContext
from stackaudit.analyzers.registry import file_analyzers
from stackaudit.analyzers.tenant import TenantAnalyzer
from stackaudit.config.loader import load_config
from stackaudit.discovery.files import discover
from stackaudit.engine import groups, runner
from stackaudit.engine.pipeline import AuditOptions, run_audit
from stackaudit.engine.worker import WorkItem

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"


def _counted_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> tuple[list[str], set[str]]:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root, ignore=shutil.ignore_patterns(".stackaudit"))
    log = tmp_path / "parses.log"
    real = ast.parse

    def counting(
        source: str | bytes, filename: str = "<unknown>", *args: object, **kwargs: object
    ) -> ast.AST:
        stack = {frame.name for frame in traceback.extract_stack()}
        kind = "repo" if stack & {"analyze_repo", "_with_endpoints"} else "file"
        with log.open("a") as out:  # one line per parse, from every process of the audit
            out.write(f"{os.getpid()} {kind} {filename}\n")
        return real(source, filename, *args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(ast, "parse", counting)
    options = AuditOptions(
        root=root,
        config=load_config(root, None),
        db_url=f"sqlite:///{tmp_path}/s.db",
        jobs=jobs,
        use_cache=False,
    )
    result = run_audit(options)
    assert result.findings, "the audit found nothing: it did not run"
    python = {str(p.relative_to(root)) for p in root.rglob("*.py")}
    return log.read_text().splitlines(), python


def test_each_file_is_parsed_once_in_a_one_process_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines, python = _counted_audit(tmp_path, monkeypatch, jobs=1)
    per_file = Counter(line.split(" ", 2)[2] for line in lines)
    assert set(per_file) >= python - {p for p in python if p.endswith("__init__.py")}
    assert {path: n for path, n in per_file.items() if n > 1} == {}


def test_repository_analyzers_parse_each_file_once_per_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines, python = _counted_audit(tmp_path, monkeypatch, jobs=2)
    repo = Counter(
        (pid, path) for pid, kind, path in (line.split(" ", 2) for line in lines) if kind == "repo"
    )
    assert {path for _, path in repo} >= {p for p in python if not p.endswith("__init__.py")}
    assert {key: n for key, n in repo.items() if n > 1} == {}


def test_file_chunks_read_the_trees_their_worker_group_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool worker runs a group of repository analyzers, then file chunks: a chunk reads the
    group's trees instead of parsing again, and finds what a chunk that parses finds."""
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root, ignore=shutil.ignore_patterns(".stackaudit"))
    config = load_config(root, None)
    disc = discover(root, config)
    ctx = RepoContext(root=disc.root, files=disc.files, config=config, is_git=False)
    monkeypatch.setattr(groups, "_OUTBOX", queue.Queue())
    monkeypatch.setattr(groups, "_KEPT", None)
    try:
        groups.repos_in_process(0, [TenantAnalyzer], ctx)  # reads every Python file
    finally:
        gc.unfreeze()
    parses = ctx.parsed.parses
    items = [WorkItem(f, f.abspath.read_bytes()) for f in disc.files if f.language == "python"]
    args = (file_analyzers(), config, 60.0)
    lent = runner._analyze_in_worker(items, *args)
    assert ctx.parsed.parses == parses, "a chunk parsed a file its worker's group had parsed"
    assert ctx.parsed.hits >= len(items)
    monkeypatch.setattr(groups, "_KEPT", None)  # a worker that ran no group: parses itself
    alone = runner._analyze_in_worker(items, *args)
    said = [[(o.path, o.findings, o.not_analysed, o.proofs) for o, _ in out] for out in (lent, alone)]
    assert said[0] == said[1]
    assert any(o.findings for o, _ in lent)
