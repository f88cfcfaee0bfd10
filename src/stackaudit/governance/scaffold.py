"""What ``stackaudit init`` writes: config with an SLO skeleton, pre-commit entry, PR template, CI workflow.

The templates are package data (``governance/templates``); the PR template is generated from
the checklist so it always matches what ``pr-check`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from stackaudit.governance.checklist import pr_template

DEFAULT_ACTION = "stackaudit/stackaudit"  # <owner>/<repo> of the action and the pre-commit hook
DEFAULT_REV = "v1"


@dataclass(frozen=True, slots=True)
class ScaffoldFile:
    path: str  # relative to the project root, POSIX separators
    what: str
    content: str


def _template(name: str) -> str:
    return resources.files("stackaudit.governance").joinpath("templates", name).read_text(encoding="utf-8")


def scaffold(action: str = DEFAULT_ACTION, rev: str = DEFAULT_REV) -> tuple[ScaffoldFile, ...]:
    """The files ``init`` offers to write, in order."""
    # the templates are valid YAML with these stand-ins, so linters (zizmor) can read them
    subst = {"sa-owner/sa-repo": action, "sa-rev": rev}

    def fill(text: str) -> str:
        for token, value in subst.items():
            text = text.replace(token, value)
        return text

    return (
        ScaffoldFile("stackaudit.toml", "config with an SLO skeleton", _template("stackaudit.toml")),
        ScaffoldFile(
            ".pre-commit-config.yaml", "pre-commit secrets hook", fill(_template("pre-commit-config.yaml"))
        ),
        ScaffoldFile(".github/pull_request_template.md", "pull-request checklist", pr_template()),
        ScaffoldFile(
            ".github/workflows/stackaudit.yml",
            "CI gate, SARIF and job summary",
            fill(_template("workflow.yml")),
        ),
    )
