"""``ci.branch-unprotected``: protected-branch evidence from the GitHub API (online, optional).

Off unless ``ci.online = true`` AND a token is in the environment variable named by
``ci.token_env``; otherwise the check is skipped and the run records why. Tests never
call the network: they cover ``parse_remote`` and ``evaluate_protection`` on recorded bodies.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx

from stackaudit.analyzers.base import AnalyzerSkipped
from stackaudit.analyzers.ci.common import CheckResult
from stackaudit.analyzers.ci.rules import BRANCH_UNPROTECTED
from stackaudit.analyzers.external import _run
from stackaudit.config.sections.ci import CiConfig
from stackaudit.model import Location

_REMOTE = re.compile(r"github\.com[:/]+(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?$")
API = "https://api.github.com"


def parse_remote(url: str) -> tuple[str, str] | None:
    """(owner, repo) of a github.com remote URL (https, ssh or scp-like), else None."""
    match = _REMOTE.search(url.strip())
    return (match.group("owner"), match.group("repo")) if match else None


def evaluate_protection(status: int, body: Any) -> list[str]:
    """Problems with a branch from the protection endpoint's status and JSON body."""
    if status == 404:
        return ["the branch is not protected"]
    if status != 200 or not isinstance(body, dict):
        raise AnalyzerSkipped(f"GitHub answered HTTP {status}")
    problems = []
    reviews = body.get("required_pull_request_reviews")
    if not reviews:
        problems.append("pull-request reviews are not required")
    elif not reviews.get("require_code_owner_reviews"):
        problems.append("code-owner review is not required")
    if not (body.get("required_signatures") or {}).get("enabled"):
        problems.append("signed commits are not required")
    if (body.get("allow_force_pushes") or {}).get("enabled"):
        problems.append("force pushes are allowed")
    return problems


def _git(root: Path, *args: str) -> str:
    done = _run.run(_run.Invocation((_run.locate("git"), *args), root, 20))
    return done.stdout.strip() if done.exit_code == 0 else ""


def check_branch(root: Path, is_git: bool, cfg: CiConfig) -> CheckResult:
    token = os.environ.get(cfg.token_env, "")
    if not cfg.online:
        return CheckResult(skipped="branch-protection: online checks are off (ci.online = false)")
    if not token:
        return CheckResult(skipped=f"branch-protection: no GitHub token in ${cfg.token_env}")
    if not is_git:
        return CheckResult(skipped="branch-protection: not a git repository")
    remote = parse_remote(_git(root, "config", "--get", "remote.origin.url"))
    branch = cfg.branch or _git(root, "symbolic-ref", "--short", "HEAD")
    if remote is None or not branch:
        return CheckResult(skipped="branch-protection: no github.com origin remote or branch")
    owner, repo = remote
    url = f"{API}/repos/{owner}/{repo}/branches/{branch}/protection"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"}
    try:
        response = httpx.get(url, headers=headers, timeout=10.0)
        problems = evaluate_protection(response.status_code, response.json() if response.content else None)
    except (httpx.HTTPError, ValueError, AnalyzerSkipped) as exc:
        return CheckResult(skipped=f"branch-protection: {type(exc).__name__}: {exc}"[:200])
    if not problems:
        return CheckResult()
    finding = BRANCH_UNPROTECTED.finding(
        Location(".git"),
        f"branch {branch!r} of {owner}/{repo}: " + "; ".join(problems),
        f"branch-protection:{branch}",
        properties=(("branch", branch),),
    )
    return CheckResult(findings=(finding,))
