"""The ``ci-hardening`` analyzer: our own CI and build hardening checks, run together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from stackaudit.analyzers.base import NotAnalysable, RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.ci.branch import check_branch
from stackaudit.analyzers.ci.common import CheckResult
from stackaudit.analyzers.ci.docker import check_dockerfile
from stackaudit.analyzers.ci.hashes import check_installs, check_lockfile, is_lockfile, lock_coverage
from stackaudit.analyzers.ci.ownership import check_codeowners
from stackaudit.analyzers.ci.rules import ALL_RULES
from stackaudit.analyzers.ci.sbom import check_workflow, is_workflow
from stackaudit.analyzers.ci.signing import check_signing
from stackaudit.analyzers.external._common import read_text
from stackaudit.config.schema import Config
from stackaudit.config.sections.ci import CiConfig
from stackaudit.model import AnalyzerState, Finding, NotAnalysed, RuleMeta

ANALYZER = "ci-hardening"
_INSTALL_LANGUAGES = frozenset({"dockerfile", "shell", "make"})


def ci_config(config: Config) -> CiConfig:
    """``[tool.stackaudit.ci]`` when the schema has it, else the defaults."""
    section = getattr(config, "ci", None)
    return section if isinstance(section, CiConfig) else CiConfig()


def _per_file(files: Sequence[SourceFile], check: Callable[[str, str], list[Finding]]) -> CheckResult:
    findings: list[Finding] = []
    broken: list[NotAnalysed] = []
    for file in files:
        try:
            findings.extend(check(file.path, read_text(file.abspath)))
        except NotAnalysable as exc:
            broken.append(NotAnalysed(file.path, exc.reason, exc.detail, ANALYZER))
    return CheckResult(tuple(findings), tuple(broken))


def _fully_hashed(files: Sequence[SourceFile]) -> frozenset[str]:
    hashed = set()
    for file in files:
        try:
            coverage = lock_coverage(file.path, read_text(file.abspath))
        except NotAnalysable:
            continue
        if coverage.total and not coverage.unhashed:
            hashed.add(file.path)
    return frozenset(hashed)


def _is_install_script(file: SourceFile) -> bool:
    name = file.path.rpartition("/")[2].lower()
    return (
        file.language in _INSTALL_LANGUAGES
        or is_workflow(file.path)
        or (name in ("dockerfile", "containerfile", "makefile"))
    )


def is_source_distribution(ctx: RepoContext) -> bool:
    """An unpacked sdist (PKG-INFO at the root, no git): it never ships repository governance
    (CODEOWNERS, workflows, signed history), so checks of those would only report their absence."""
    return not ctx.is_git and (ctx.root / "PKG-INFO").is_file()


def run_checks(ctx: RepoContext) -> list[CheckResult]:
    cfg = ci_config(ctx.config)
    sdist = is_source_distribution(ctx)
    locks = [f for f in ctx.files if is_lockfile(f.path)]
    hashed = _fully_hashed(locks)
    dockerfiles = [f for f in ctx.files if f.language == "dockerfile"]
    return [
        check_signing(
            ctx.root,
            ctx.is_git,
            cfg.signed_commit_threshold,
            cfg.history_depth,
            min(ctx.config.analyzer_timeout_s, 60.0),
        ),
        CheckResult(skipped="CODEOWNERS: a source distribution does not ship repository governance")
        if sdist
        else check_codeowners(ctx.root, [f.path for f in ctx.files]),
        _per_file(locks, check_lockfile),
        _per_file(
            [f for f in ctx.files if _is_install_script(f)],
            lambda path, text: check_installs(path, text, hashed),
        ),
        _per_file(dockerfiles, check_dockerfile),
        _per_file([f for f in ctx.files if is_workflow(f.path)], check_workflow),
        check_branch(ctx.root, ctx.is_git, cfg),
    ]


class CiHardeningAnalyzer(RepoAnalyzer):
    """Commit signing, CODEOWNERS, hashed lock files and installs, pinned base images,
    SBOM attestation of releases, and (online, optional) branch protection."""

    name: ClassVar[str] = ANALYZER
    version: ClassVar[str] = "2"
    rules: ClassVar[tuple[RuleMeta, ...]] = ALL_RULES

    def cache_inputs(self, ctx: RepoContext) -> Sequence[SourceFile] | None:
        return None  # git history and the online check are not files: never cache

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        results = run_checks(ctx)
        skipped = [r.skipped for r in results if r.skipped]
        return RepoResult(
            findings=tuple(f for r in results for f in r.findings),
            not_analysed=tuple(n for r in results for n in r.not_analysed),
            state=AnalyzerState.OK,
            reason=("skipped checks: " + "; ".join(skipped)) if skipped else "",
            cacheable=False,
        )
