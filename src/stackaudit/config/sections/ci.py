from __future__ import annotations

from pydantic import Field

from stackaudit.config.sections.base import Section


class CiConfig(Section):
    """``[tool.stackaudit.ci]``: CI and build hardening checks (analyzer ``ci-hardening``)."""

    signed_commit_threshold: float = Field(default=0.8, ge=0, le=1)  # minimum signed ratio
    history_depth: int = Field(default=200, ge=1)  # commits examined for signing
    online: bool = False  # allow the protected-branch check to call the GitHub API
    token_env: str = "STACKAUDIT_GITHUB_TOKEN"  # env var holding the token for that check
    branch: str | None = None  # branch whose protection is checked; default: the current one
