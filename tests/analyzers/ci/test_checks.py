"""Unit tests of the individual ci checks: parsers, messages, severities, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.analyzers.base import AnalyzerSkipped, NotAnalysable, RepoContext, SourceFile
from stackaudit.analyzers.ci.analyzer import CiHardeningAnalyzer, ci_config
from stackaudit.analyzers.ci.branch import check_branch, evaluate_protection, parse_remote
from stackaudit.analyzers.ci.docker import check_dockerfile, from_lines
from stackaudit.analyzers.ci.hashes import check_installs, check_lockfile, is_lockfile, requirements_coverage
from stackaudit.analyzers.ci.ownership import check_codeowners
from stackaudit.analyzers.ci.sbom import release_trigger
from stackaudit.config.schema import Config
from stackaudit.config.sections.ci import CiConfig
from stackaudit.model import Confidence, NotAnalysedReason, Severity

DIGEST = "sha256:" + "ab" * 32


def test_from_lines_substitutes_args_and_tracks_aliases() -> None:
    text = (
        "ARG REG=docker.io\nARG TAG\nFROM ${REG}/python:${TAG:-3.12} AS Base\n"
        f"FROM base\nFROM x@{DIGEST}\n"
    )
    lines = list(from_lines(text))
    assert [(f.line, f.image, f.alias) for f in lines] == [
        (3, "docker.io/python:3.12", "base"),
        (4, "base", None),
        (5, f"x@{DIGEST}", None),
    ]
    findings = check_dockerfile("Dockerfile", text)
    assert [f.location.line for f in findings] == [3]
    assert findings[0].snippet == "FROM ${REG}/python:${TAG:-3.12} AS Base"
    assert findings[0].prop("image") == "docker.io/python:3.12"


def test_unresolved_build_arg_is_low_confidence() -> None:
    (finding,) = check_dockerfile("Dockerfile", "FROM ${IMAGE}\n")
    assert finding.confidence is Confidence.LOW and "build argument" in finding.message


def test_dockerfile_comment_lines_are_ignored() -> None:
    assert check_dockerfile("Dockerfile", "# FROM python:3.12\nFROM scratch\n") == []


@pytest.mark.parametrize(
    ("path", "lock"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("requirements/prod.txt", True),
        ("constraints.txt", True),
        ("dev-requirements.txt", True),
        ("poetry.lock", True),
        ("uv.lock", True),
        ("Pipfile.lock", True),
        ("requirements.in", False),
        ("notes.txt", False),
        ("package-lock.json", False),
    ],
)
def test_which_files_are_lock_files(path: str, lock: bool) -> None:
    assert is_lockfile(path) is lock


def test_requirements_coverage_joins_continuations() -> None:
    text = f"-c constraints.txt\nflask==3.0.0 \\\n  --hash={DIGEST}\n\ngunicorn==22.0.0\n"
    coverage = requirements_coverage(text)
    assert (coverage.total, coverage.unhashed, coverage.first_line) == (2, ("gunicorn==22.0.0",), 5)
    (finding,) = check_lockfile("requirements.txt", text)
    assert finding.message.startswith("1 of 2 pinned packages have no hash")
    assert finding.location.line == 5 and finding.snippet == "requirements.txt"


def test_an_input_list_with_a_few_pins_is_not_a_lock() -> None:
    loose = "flask>=3\nrequests~=2.32\nredis\nwerkzeug==3.1.9\n"
    assert requirements_coverage(loose).total == 0 and check_lockfile("requirements.txt", loose) == []
    locked = "flask==3.0.0\nrequests==2.32.3\nredis>=5\n"  # mostly pinned: a lock with one stray range
    assert requirements_coverage(locked).total == 2 and len(check_lockfile("requirements.txt", locked)) == 1


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Pipfile.lock", "{not json"),
        ("poetry.lock", "[[package]\n"),
        ("uv.lock", "= broken"),
        ("Pipfile.lock", "[1, 2]"),
    ],
)
def test_malformed_lock_files_are_not_analysable(name: str, text: str) -> None:
    with pytest.raises(NotAnalysable) as info:
        check_lockfile(name, text)
    assert info.value.reason is NotAnalysedReason.MALFORMED


def test_malformed_lock_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "Pipfile.lock").write_text("{oops")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\n")
    files = (
        SourceFile("Pipfile.lock", tmp_path / "Pipfile.lock", 5, "lock"),
        SourceFile("Dockerfile", tmp_path / "Dockerfile", 18, "dockerfile"),
    )
    result = CiHardeningAnalyzer().analyze_repo(RepoContext(tmp_path, files, Config(), is_git=False))
    assert [(n.path, n.reason, n.analyzer) for n in result.not_analysed] == [
        ("Pipfile.lock", NotAnalysedReason.MALFORMED, "ci-hardening")
    ]
    assert "ci.docker-base-unpinned" in {f.rule_id for f in result.findings}
    assert "unsigned-commits: not a git repository" in result.reason
    assert "branch-protection: online checks are off" in result.reason


def test_install_of_a_fully_hashed_file_is_low() -> None:
    text = "RUN pip install -r requirements.txt\nRUN pip install -r other.txt\n"
    hashed, plain = check_installs("docker/Dockerfile", text, frozenset({"docker/requirements.txt"}))
    assert hashed.severity is Severity.LOW and "already checks" in hashed.message
    assert plain.severity is Severity.MEDIUM and plain.snippet == "RUN pip install -r other.txt"


def test_codeowners_gap_message_names_directory_and_examples(tmp_path: Path) -> None:
    (tmp_path / "CODEOWNERS").write_text("/src/ @acme/app\n")
    paths = ["src/a.py", "deploy/a.sh", "deploy/b.sh", "deploy/c.sh", "deploy/d.sh", "setup.cfg"]
    findings = check_codeowners(tmp_path, paths).findings
    assert [f.snippet for f in findings] == ["(repository root)", "deploy/"]
    assert findings[1].message == (
        "4 of 4 files under deploy/ have no code owner in CODEOWNERS "
        "(e.g. deploy/a.sh, deploy/b.sh, deploy/c.sh, …)"
    )


def test_codeowners_invalid_points_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "CODEOWNERS").write_text("* @a\n\n/infra/ team\n")
    (finding,) = check_codeowners(tmp_path, []).findings
    assert finding.location.path == "CODEOWNERS" and finding.location.line == 3


@pytest.mark.parametrize(
    ("workflow", "trigger"),
    [
        ({True: "release"}, "release"),
        ({"on": ["push", "release"]}, "release"),
        ({True: {"release": {"types": ["published"]}}}, "release"),
        ({True: {"push": {"tags": ["v*"]}}}, "push tags"),
        ({True: {"push": {"branches": ["main"]}}}, None),
        ({True: "push"}, None),
        ("not a mapping", None),
    ],
)
def test_release_trigger(workflow: object, trigger: str | None) -> None:
    assert release_trigger(workflow) == trigger


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme/app.git", ("acme", "app")),
        ("https://github.com/acme/app", ("acme", "app")),
        ("ssh://git@github.com/acme/my.repo.git", ("acme", "my.repo")),
        ("https://gitlab.com/a/b.git", None),
    ],
)
def test_parse_remote(url: str, expected: tuple[str, str] | None) -> None:
    assert parse_remote(url) == expected


def test_evaluate_recorded_protection_bodies() -> None:
    strong = {
        "required_pull_request_reviews": {"require_code_owner_reviews": True},
        "required_signatures": {"enabled": True},
        "allow_force_pushes": {"enabled": False},
    }
    weak = {"required_signatures": {"enabled": False}, "allow_force_pushes": {"enabled": True}}
    assert evaluate_protection(200, strong) == []
    assert evaluate_protection(200, weak) == [
        "pull-request reviews are not required",
        "signed commits are not required",
        "force pushes are allowed",
    ]
    assert evaluate_protection(404, {"message": "Branch not protected"}) == ["the branch is not protected"]
    with pytest.raises(AnalyzerSkipped):
        evaluate_protection(403, {"message": "Resource not accessible"})


def test_branch_check_is_skipped_without_opt_in_or_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STACKAUDIT_GITHUB_TOKEN", raising=False)
    assert "online checks are off" in check_branch(tmp_path, True, CiConfig()).skipped
    assert "no GitHub token" in check_branch(tmp_path, True, CiConfig(online=True)).skipped


def test_ci_config_defaults_when_schema_has_no_section() -> None:
    assert ci_config(Config()) == CiConfig()


def test_install_snippet_hides_index_credentials() -> None:
    text = (
        "pip install -r req.txt --index-url https://bot:s3cr3t-t0ken@pypi.example.com/simple "
        "--extra-index-url https://ghp_0123456789abcdef@pkgs.example.com/simple\n"
    )
    (finding,) = check_installs("install.sh", text, frozenset())
    assert "s3cr3t-t0ken" not in repr(finding) and "ghp_0123456789abcdef" not in repr(finding)
    assert "https://***@pypi.example.com/simple" in finding.snippet


def test_a_source_distribution_is_not_asked_for_codeowners(tmp_path: Path) -> None:
    """An unpacked sdist never ships .github: reporting a missing CODEOWNERS there is noise."""
    (tmp_path / "app.py").write_text("x = 1\n")
    files = (SourceFile("app.py", tmp_path / "app.py", 6, "python"),)
    plain = CiHardeningAnalyzer().analyze_repo(RepoContext(tmp_path, files, Config(), is_git=False))
    assert "ci.codeowners-missing" in {f.rule_id for f in plain.findings}
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: app\n")
    sdist = CiHardeningAnalyzer().analyze_repo(RepoContext(tmp_path, files, Config(), is_git=False))
    assert "ci.codeowners-missing" not in {f.rule_id for f in sdist.findings}
    assert "source distribution" in sdist.reason
