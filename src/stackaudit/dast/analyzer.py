"""The DAST inside ``stackaudit audit``: runs only when ``[dast] target`` is configured.

A repository analyzer because it is one step of the audit that is not per file; it never
caches (the target's answers are not a function of the repository's files) and sends
nothing at all without a target. An unreachable target is a failed analyzer with a
"not analysed" entry and a notice; the rest of the audit goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from stackaudit.analyzers.base import AnalyzerSkipped, RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.dast.rules import RULES
from stackaudit.dast.run import DastOptions, DastOutcome, run_dast
from stackaudit.model import AnalyzerState, RuleMeta
from stackaudit.runtime.findings import config_location


class DastAnalyzer(RepoAnalyzer):
    name = "dast"
    version = "1"
    rules: ClassVar[tuple[RuleMeta, ...]] = RULES
    config_keys: ClassVar[tuple[str, ...] | None] = ("dast",)

    def cache_inputs(self, ctx: RepoContext) -> Sequence[SourceFile] | None:
        return None  # a running service's answers: never cached

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        cfg = ctx.config.dast
        if cfg.target is None:
            raise AnalyzerSkipped("no [dast] target configured")
        options = DastOptions(
            target=cfg.target,
            openapi=(ctx.root / cfg.openapi) if cfg.openapi else None,
            fetch_openapi=cfg.fetch_openapi,
            max_requests=cfg.max_requests,
            timeout=cfg.timeout,
            request_timeout=cfg.request_timeout,
            verify_tls=cfg.verify_tls,
            unsafe_methods=cfg.unsafe_methods,
        )
        return to_result(run_dast(options, config_location(ctx.root)), cfg.target)


def to_result(outcome: DastOutcome, target: str) -> RepoResult:
    """The runner's view of a DAST run: findings, entries, and a state that says how far it got."""
    summary = f"{outcome.requests} requests in {outcome.seconds:.1f}s"
    if not outcome.reachable:
        detail = outcome.not_analysed[0].detail if outcome.not_analysed else "no answer"
        return RepoResult(
            not_analysed=outcome.not_analysed,
            state=AnalyzerState.FAILED,
            reason=detail,
            notices=(f"DAST: {detail}",),
            cacheable=False,
        )
    partial = any(e.reason.value == "partial" for e in outcome.not_analysed)
    notices = tuple(f"DAST refused to contact {url} (not the target {target})" for url in outcome.refused[:3])
    return RepoResult(
        findings=outcome.findings,
        not_analysed=outcome.not_analysed,
        state=AnalyzerState.PARTIAL if partial else AnalyzerState.OK,
        reason=summary,
        notices=notices,
        cacheable=False,
    )
