"""The per-repository task on its own (no cluster): skip when stored, --force, clones, bad repos."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.fleet.sources import RepoSpec
from stackaudit.fleet.task import RepoFailure, RepoResult, State, TaskSettings, Unauditable, audit_repo
from stackaudit.storage.store import Store
from tests.fleet.repos import expected_rules, git, make_repo


@pytest.fixture
def db(tmp_path: Path) -> str:
    (tmp_path / "store").mkdir()
    return f"sqlite:///{tmp_path / 'store' / 'fleet.db'}"


def audited(spec: RepoSpec, settings: TaskSettings) -> RepoResult:
    result = audit_repo(spec, settings)
    assert isinstance(result, RepoResult), result
    return result


def planted(rules: list[str]) -> list[str]:
    return [r for r in rules if not r.startswith("ci.")]


def _rules(db: str, run_id: str) -> list[str]:
    with Store.open(db) as store:
        return sorted(a.finding.rule_id for a in store.load_result(run_id).findings)


def test_stored_commit_and_config_is_skipped_until_forced_or_changed(tmp_path: Path, db: str) -> None:
    repo = make_repo(tmp_path / "svc", 4)
    spec = RepoSpec(str(repo))
    first = audited(spec, TaskSettings(db))
    assert first.state is State.DONE and first.project == "svc"
    assert planted(_rules(db, first.run_id)) == expected_rules(4)

    again = audited(spec, TaskSettings(db))
    assert (again.state, again.run_id, again.findings) == (State.SKIPPED, first.run_id, first.findings)
    forced = audited(spec, TaskSettings(db, force=True))
    assert forced.state is State.DONE and forced.run_id != first.run_id

    (repo / "stackaudit.toml").write_text('fail_on = "none"\n', encoding="utf-8")  # another config
    changed = audited(spec, TaskSettings(db))
    assert changed.state is State.DONE and changed.gate_passed is True
    (repo / "extra.py").write_text("x = 1\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "another commit")
    assert audited(spec, TaskSettings(db)).state is State.DONE
    with Store.open(db) as store:
        assert len(store.runs("svc")) == 4


def test_a_ref_is_cloned_branch_or_commit(tmp_path: Path, db: str) -> None:
    repo = make_repo(tmp_path / "svc", 0)
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "client.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    git(repo, "commit", "-qam", "no more HTTP calls")
    git(repo, "checkout", "-q", "main")
    feature = audited(RepoSpec(str(repo), "feature"), TaskSettings(db))
    assert "scale.no-timeout" not in _rules(db, feature.run_id)
    sha = feature.commit
    git(repo, "commit", "-q", "--allow-empty", "-m", "main moves on")
    by_sha = audited(RepoSpec(f"file://{repo}", sha[:12], is_url=True), TaskSettings(db, force=True))
    assert by_sha.commit == sha and by_sha.project == "svc"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (RepoSpec("file:///nonexistent/fleet/repo.git", is_url=True), "git clone failed"),
        (RepoSpec("/nonexistent/fleet/repo", "main"), "git clone of ref 'main' failed"),
    ],
)
def test_a_clone_that_fails_is_raised_for_a_retry(spec: RepoSpec, reason: str, db: str) -> None:
    with pytest.raises(RepoFailure, match=reason):
        audit_repo(spec, TaskSettings(db))


def test_what_no_retry_can_help_is_returned_with_its_reason(tmp_path: Path, db: str) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.py").write_text("x = 1\n", encoding="utf-8")
    bad_config = make_repo(tmp_path / "badcfg", 1)
    (bad_config / "stackaudit.toml").write_text("fail_on = [\n", encoding="utf-8")
    cases = {
        "/nonexistent/fleet/repo": "no such directory",
        str(tmp_path / "plain"): "not a git repository",
        str(bad_config): "stackaudit.toml",
    }
    for source, reason in cases.items():
        outcome = audit_repo(RepoSpec(source), TaskSettings(db))
        assert isinstance(outcome, Unauditable) and reason in outcome.reason, outcome
