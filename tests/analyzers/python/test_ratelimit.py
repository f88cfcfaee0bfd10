"""``sec.no-rate-limit-auth`` on small repositories: each folder under
fixtures/sec.no-rate-limit-auth/{positive,negative}/ is one project, with ``# expect:`` markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.analyzers.base import RepoContext, SourceFile
from stackaudit.analyzers.python.ratelimit import RateLimitAnalyzer
from stackaudit.config.schema import Config
from stackaudit.model import CodeContext
from tests.analyzers.python.corpus import Score, expected

RULE = "sec.no-rate-limit-auth"
ROOT = Path(__file__).resolve().parent / "fixtures" / RULE


def projects(polarity: str) -> list[Path]:
    return sorted(p for p in (ROOT / polarity).iterdir() if p.is_dir())


def run(project: Path) -> set[tuple[str, str, int]]:
    files = tuple(
        SourceFile(p.relative_to(project).as_posix(), p, p.stat().st_size, "python")
        for p in sorted(project.rglob("*.py"))
    )
    result = RateLimitAnalyzer().analyze_repo(RepoContext(project, files, Config(), is_git=False))
    return {(f.rule_id, f.location.path, f.location.line) for f in result.findings}


def labels(project: Path) -> set[tuple[str, str, int]]:
    return {
        (rule, p.relative_to(project).as_posix(), line)
        for p in sorted(project.rglob("*.py"))
        for rule, line in expected(p)
    }


@pytest.mark.parametrize("project", projects("positive"), ids=lambda p: p.name)
def test_positive_project_exact(project: Path) -> None:
    want = labels(project)
    assert want, f"{project.name} declares no expectation"
    assert run(project) == want


@pytest.mark.parametrize("project", projects("negative"), ids=lambda p: p.name)
def test_negative_project_empty(project: Path) -> None:
    assert not labels(project)
    assert run(project) == set()


def test_precision_recall() -> None:
    tp = fp = fn = 0
    for project in projects("positive") + projects("negative"):
        got, want = run(project), labels(project)
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    score = Score(tp, fp, fn)
    print(f"\n{RULE}: TP {tp} FP {fp} FN {fn} precision {score.precision:.2f} recall {score.recall:.2f}")
    assert tp >= 5 and score.precision >= 0.9 and score.recall >= 0.9


def test_finding_shape() -> None:
    project = ROOT / "positive" / "flask_app"
    sources = (SourceFile("auth.py", project / "auth.py", 1, "python"),)
    result = RateLimitAnalyzer().analyze_repo(RepoContext(project, sources, Config(), is_git=False))
    login = next(f for f in result.findings if f.location.symbol == "login")
    forgot = next(f for f in result.findings if f.location.symbol == "forgot_password")
    assert forgot.endpoint == "POST /auth/password/forgot"
    assert login.context is CodeContext.HANDLER and login.cwe == (307, 770)
    assert "/auth/login" in login.message


def test_a_global_limiter_anywhere_silences_the_rule(tmp_path: Path) -> None:
    project = ROOT / "positive" / "flask_app"
    extra = tmp_path / "limits.py"
    extra.write_text('limiter = Limiter(key_func=ip, default_limits=["100/hour"])\n')
    files = (
        SourceFile("auth.py", project / "auth.py", 1, "python"),
        SourceFile("limits.py", extra, 1, "python"),
    )
    result = RateLimitAnalyzer().analyze_repo(RepoContext(project, files, Config(), is_git=False))
    assert result.findings == ()


def test_a_module_that_does_not_parse_is_recorded_and_the_rest_analysed(tmp_path: Path) -> None:
    project = ROOT / "positive" / "flask_app"
    broken = tmp_path / "login_views.py"
    broken.write_text("def login(:\n    pass\n")
    files = (
        SourceFile("auth.py", project / "auth.py", 1, "python"),
        SourceFile("login_views.py", broken, 1, "python"),
    )
    result = RateLimitAnalyzer().analyze_repo(RepoContext(project, files, Config(), is_git=False))
    assert [(n.path, n.reason.value, n.analyzer) for n in result.not_analysed] == [
        ("login_views.py", "syntax-error", "rate-limit")
    ]
    assert {f.location.symbol for f in result.findings} == {"login", "forgot_password"}


@pytest.mark.parametrize(
    "text",
    [
        "def LOGIN(request): pass",
        "class RateLimiter: pass",
        "x = Brute_Force()",
        "nothing here",
        "\u017fign_in = 1  # a long s folds to s only in a case-insensitive pattern",
        "\u212a = 'Kelvin'; Token = 2",
        "café = 'Lockout'",
    ],
)
def test_whole_file_searches_answer_as_the_case_insensitive_patterns(text: str) -> None:
    from stackaudit.analyzers.python.ratelimit import CANDIDATE, LIMIT_WORD, _search_text

    lowered = text.lower() if text.isascii() else None
    for rx in (LIMIT_WORD, CANDIDATE):
        assert rx.pattern == rx.pattern.lower()  # lowercase literals: lowering the text is sound
        assert _search_text(rx, text, lowered) == bool(rx.search(text))
