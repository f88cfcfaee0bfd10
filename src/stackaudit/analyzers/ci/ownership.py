"""``ci.codeowners-missing`` / ``ci.codeowners-gaps`` / ``ci.codeowners-invalid``."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from stackaudit.analyzers.ci.common import CheckResult
from stackaudit.analyzers.ci.rules import CODEOWNERS_GAPS, CODEOWNERS_INVALID, CODEOWNERS_MISSING
from stackaudit.inventory.codeowners import LOCATIONS, CodeOwners
from stackaudit.model import CodeContext, Finding, Location

_ERROR_LINE = re.compile(r"^line (\d+): (.*)$")
_EXAMPLES = 3
ROOT_GROUP = "(repository root)"


def _group(path: str) -> str:
    head, sep, _ = path.partition("/")
    return f"{head}/" if sep else ROOT_GROUP


def uncovered_groups(owners: CodeOwners, paths: Sequence[str]) -> dict[str, tuple[list[str], int]]:
    """Top-level directory -> (uncovered files, all files) for groups with any uncovered file."""
    total: dict[str, int] = defaultdict(int)
    missing: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        group = _group(path)
        total[group] += 1
        if not owners.owners_for(path):
            missing[group].append(path)
    return {group: (files, total[group]) for group, files in sorted(missing.items())}


def _gap_finding(owners: CodeOwners, group: str, files: list[str], total: int) -> Finding:
    examples = ", ".join(files[:_EXAMPLES]) + (", …" if len(files) > _EXAMPLES else "")
    where = "at the repository root" if group == ROOT_GROUP else f"under {group}"
    return CODEOWNERS_GAPS.finding(
        Location(owners.source),
        f"{len(files)} of {total} files {where} have no code owner in {owners.source} (e.g. {examples})",
        group,
        context=CodeContext.CONFIG,
        properties=(("directory", group), ("uncovered", str(len(files))), ("files", str(total))),
    )


def _invalid_findings(owners: CodeOwners) -> list[Finding]:
    out: list[Finding] = []
    for error in owners.errors:
        match = _ERROR_LINE.match(error)
        line = int(match.group(1)) if match else 0
        detail = match.group(2) if match else error
        out.append(
            CODEOWNERS_INVALID.finding(
                Location(owners.source, line),
                f"GitHub ignores this line: {detail}",
                detail,
                context=CodeContext.CONFIG,
            )
        )
    return out


def check_codeowners(root: Path, paths: Sequence[str]) -> CheckResult:
    owners = CodeOwners.load(root)
    if owners is None:
        finding = CODEOWNERS_MISSING.finding(
            Location(LOCATIONS[0]),
            f"no CODEOWNERS file (looked for {', '.join(LOCATIONS)})",
            "CODEOWNERS",
            context=CodeContext.CONFIG,
        )
        return CheckResult(findings=(finding,))
    findings = _invalid_findings(owners)
    for group, (files, total) in uncovered_groups(owners, paths).items():
        findings.append(_gap_finding(owners, group, files, total))
    return CheckResult(findings=tuple(findings))
