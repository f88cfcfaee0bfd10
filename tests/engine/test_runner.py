from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoContext
from stackaudit.config.schema import Config
from stackaudit.discovery.files import discover
from stackaudit.engine.runner import Runner, RunnerOutput, RunnerPlan
from stackaudit.model import AnalyzerState, NotAnalysedReason
from stackaudit.storage.store import Store, default_url
from tests.engine.helpers import MarkerAnalyzer, ParsingAnalyzer, ProofAnalyzer, ProofRepoAnalyzer


def _run(root: Path, jobs: int = 1, store: Store | None = None, limit: float = 60.0) -> RunnerOutput:
    config = Config()
    disc = discover(root, config)
    ctx = RepoContext(root=disc.root, files=disc.files, config=config, is_git=disc.is_git)
    plan = RunnerPlan(ctx, (MarkerAnalyzer, ParsingAnalyzer), (), jobs, store, file_time_limit_s=limit)
    return Runner(plan).run()


def _tree(root: Path, n: int = 40) -> None:
    for i in range(n):
        (root / f"m{i}.py").write_text(f"x = {i}  # MARKER\n")


@pytest.mark.parametrize("jobs", [1, 2])
def test_crash_on_one_file_is_isolated(tmp_path: Path, jobs: int) -> None:
    _tree(tmp_path)
    (tmp_path / "bad.py").write_text("CRASH = 1  # MARKER\n")
    out = _run(tmp_path, jobs)
    assert len(out.findings) == 40
    crashed = [n for n in out.not_analysed if n.path == "bad.py"]
    assert crashed and crashed[0].reason == NotAnalysedReason.ERROR and "boom" in crashed[0].detail
    marker = next(r for r in out.analyzers if r.name == "marker")
    assert marker.state == AnalyzerState.PARTIAL


def test_bad_inputs_are_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("x = 1  # MARKER\n")
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\x00\n")
    (tmp_path / "latin.py").write_bytes(b"name = '\xe9t\xe9'\n")
    (tmp_path / "empty.py").write_text("")
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "future.py").write_text(
        "type X = int\nmatch x:\n  case 1: pass\nlambda: (yield)\ndef g[T](x: T) -> T: ...\nx = (\n"
    )
    out = _run(tmp_path)
    reasons = {n.path: n.reason for n in out.not_analysed}
    assert reasons == {
        "nul.py": NotAnalysedReason.BINARY,
        "latin.py": NotAnalysedReason.DECODE_ERROR,
        "empty.py": NotAnalysedReason.EMPTY,
        "broken.py": NotAnalysedReason.SYNTAX_ERROR,
        "future.py": NotAnalysedReason.SYNTAX_ERROR,
    }
    assert [f.location.path for f in out.findings] == ["ok.py"]


def test_file_deleted_mid_scan(tmp_path: Path) -> None:
    (tmp_path / "gone.py").write_text("x = 1\n")
    config = Config()
    disc = discover(tmp_path, config)
    (tmp_path / "gone.py").unlink()
    ctx = RepoContext(root=disc.root, files=disc.files, config=config, is_git=False)
    out = Runner(RunnerPlan(ctx, (MarkerAnalyzer,), (), 1, None)).run()
    assert [(n.path, n.reason) for n in out.not_analysed] == [("gone.py", NotAnalysedReason.VANISHED)]


def test_per_file_time_limit(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text("SLOW = 1\n")
    (tmp_path / "fast.py").write_text("x = 1  # MARKER\n")
    out = _run(tmp_path, limit=0.5)
    assert {(n.path, n.reason) for n in out.not_analysed} == {("slow.py", NotAnalysedReason.TIMEOUT)}
    assert len(out.findings) == 1


def test_cache_reuses_unchanged_files(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _tree(repo, 30)
    log = tmp_path / "calls.log"
    MarkerAnalyzer.calls_log = log
    try:
        with Store.open(default_url(tmp_path)) as store:
            first = _run(repo, 2, store)
            calls_first = len(log.read_text().splitlines())
            (repo / "m3.py").write_text("y = 3  # MARKER MARKER\n")
            second = _run(repo, 2, store)
            calls_second = len(log.read_text().splitlines()) - calls_first
    finally:
        MarkerAnalyzer.calls_log = None
    assert calls_first == 30
    assert calls_second == 1  # only the changed file was analysed again
    assert len(first.findings) == len(second.findings) == 30


def test_corrupt_cache_entries_are_misses_not_crashes(tmp_path: Path) -> None:
    import sqlalchemy as sa

    repo = tmp_path / "repo"
    repo.mkdir()
    _tree(repo, 5)
    url = default_url(tmp_path)
    with Store.open(url) as store:
        first = _run(repo, 1, store)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        changed = conn.execute(sa.text("UPDATE cache_entries SET value = :junk"), {"junk": b"\x00not json"})
        assert changed.rowcount == 5
    engine.dispose()
    with Store.open(url) as store:
        second = _run(repo, 1, store)
    assert sorted(f.fingerprint for f in first.findings) == sorted(f.fingerprint for f in second.findings)


def test_permission_denied_is_recorded(tmp_path: Path) -> None:
    """Root reads everything: analyse in a forked child that drops to an unprivileged user."""
    import json
    import os

    if os.geteuid() != 0:
        pytest.skip("needs root to switch users")
    import shutil
    import tempfile

    repo = Path(tempfile.mkdtemp(prefix="stackaudit-perm-"))  # pytest's tmp_path is private to root
    repo.chmod(0o755)
    _tree(repo, 3)
    (repo / "locked.py").write_text("x = 1  # MARKER\n")
    (repo / "locked.py").chmod(0)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop privileges, analyse inline, report through the pipe
        try:
            os.setgid(65534)
            os.setuid(65534)
            out = _run(repo, 1)
            data = {"na": [(n.path, n.reason.value) for n in out.not_analysed], "findings": len(out.findings)}
            os.write(write_end, json.dumps(data).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    data = json.loads(os.read(read_end, 65536) or b"{}")
    shutil.rmtree(repo)
    assert data["na"] == [["locked.py", "permission-denied"]]
    assert data["findings"] == 3


def test_repo_analyzers_are_isolated_and_bounded(tmp_path: Path) -> None:
    import os
    import time

    from tests.engine.helpers import (
        BrokenRepoAnalyzer,
        HangingRepoAnalyzer,
        HangingThreadAnalyzer,
        PidRepoAnalyzer,
        SkippingRepoAnalyzer,
    )

    _tree(tmp_path, 3)
    config = Config()
    disc = discover(tmp_path, config)
    ctx = RepoContext(root=disc.root, files=disc.files, config=config, is_git=False)
    repos = (
        PidRepoAnalyzer,
        HangingRepoAnalyzer,
        HangingThreadAnalyzer,
        BrokenRepoAnalyzer,
        SkippingRepoAnalyzer,
    )
    plan = RunnerPlan(ctx, (MarkerAnalyzer,), repos, 2, None, analyzer_timeout_s=1.5)
    started = time.monotonic()
    out = Runner(plan).run()
    assert time.monotonic() - started < 20
    states = {r.name: r.state for r in out.analyzers}
    assert states == {
        "marker": AnalyzerState.OK,
        "pid-repo": AnalyzerState.OK,
        "hanging-repo": AnalyzerState.TIMEOUT,
        "hanging-thread": AnalyzerState.TIMEOUT,
        "broken-repo": AnalyzerState.FAILED,
        "skipping-repo": AnalyzerState.SKIPPED,
    }
    pid = next(f.message for f in out.findings if f.rule_id == "test.repo")
    assert pid != str(os.getpid())  # the CPU-bound analyzer ran in a worker process
    assert len([f for f in out.findings if f.rule_id == "test.marker"]) == 3


def test_proofs_travel_from_file_and_repo_analyzers_and_through_the_cache(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("x = 1\nos.system('ls')  # SAFE\n")
    (repo / "b.py").write_text("y = 2\n")
    config = Config()

    def run(store: Store) -> RunnerOutput:
        disc = discover(repo, config)
        ctx = RepoContext(root=disc.root, files=disc.files, config=config, is_git=disc.is_git)
        return Runner(RunnerPlan(ctx, (ProofAnalyzer,), (ProofRepoAnalyzer,), 1, store)).run()

    with Store.open(default_url(tmp_path)) as store:
        first, second = run(store), run(store)
    expected = {("a.py", 2, (78,)), ("a.py", 1, (89,)), ("b.py", 1, (89,))}
    assert {(p.path, p.line, p.cwe) for p in first.proofs} == expected
    assert {(p.path, p.line, p.cwe) for p in second.proofs} == expected
    assert all(r.cached for r in second.analyzers)  # the second run came from the cache
