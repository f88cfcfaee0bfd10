"""The fleet view of a store (``stackaudit history --fleet``): top risks across every project.

It reads each project's latest run only: that is the repository as it stands now. Older runs
are history, and counting them would rank a repository by how often it was audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from stackaudit.model import Assessment

UNOWNED = "(no owner)"


@dataclass(frozen=True, slots=True)
class ProjectRow:
    """One repository as its latest stored run left it."""

    project: str
    runs: int
    run_id: str
    commit: str | None
    findings: int
    top_score: float
    gate_passed: bool | None


@dataclass(frozen=True, slots=True)
class OwnerRow:
    """One owner's share of the fleet's open risk."""

    owner: str
    findings: int
    repositories: int
    top_score: float
    total_score: float


@dataclass(frozen=True, slots=True)
class Risk:
    project: str
    assessment: Assessment


@dataclass(frozen=True, slots=True)
class FleetView:
    projects: tuple[ProjectRow, ...]  # riskiest first
    owners: tuple[OwnerRow, ...]  # most total risk first
    top: tuple[Risk, ...]  # highest scores across every project


def read_fleet(url: str, top: int = 20) -> FleetView:
    """Load every project's latest run from the store at ``url`` and rank across them."""
    from stackaudit.storage.store import Store

    rows: list[ProjectRow] = []
    risks: list[Risk] = []
    with Store.open(url) as store:
        for project, count, _newest in store.projects():
            run_id = store.resolve_run(project, "latest")
            if run_id is None:
                continue
            result = store.load_result(run_id)
            scores = [a.score.value for a in result.findings]
            gate = None if result.gate is None else result.gate.passed
            rows.append(
                ProjectRow(
                    project, count, run_id, result.run.commit, len(scores), max(scores, default=0.0), gate
                )
            )
            risks.extend(Risk(project, a) for a in result.findings)
    risks.sort(key=lambda r: (-r.assessment.score.value, r.project, r.assessment.finding.fingerprint))
    projects = sorted(rows, key=lambda p: (-p.top_score, -p.findings, p.project))
    return FleetView(tuple(projects), _by_owner(risks), tuple(risks[:top]))


def _by_owner(risks: list[Risk]) -> tuple[OwnerRow, ...]:
    groups: dict[str, list[Risk]] = defaultdict(list)
    for risk in risks:
        groups[risk.assessment.owner or UNOWNED].append(risk)
    rows = [
        OwnerRow(
            owner,
            len(items),
            len({r.project for r in items}),
            max(r.assessment.score.value for r in items),
            round(sum(r.assessment.score.value for r in items), 2),
        )
        for owner, items in groups.items()
    ]
    return tuple(sorted(rows, key=lambda o: (-o.total_score, o.owner)))


def print_fleet(view: FleetView, limit: int) -> None:
    """Three tables: repositories, owners, the top risks. Every string from a repository is escaped."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    repos = Table(
        "repository", "runs", "latest run", "commit", "findings", "top score", "gate", title="Repositories"
    )
    for p in view.projects[:limit]:
        gate = "-" if p.gate_passed is None else ("passed" if p.gate_passed else "FAILED")
        repos.add_row(
            escape(p.project),
            str(p.runs),
            p.run_id[:12],
            escape((p.commit or "")[:10]),
            str(p.findings),
            f"{p.top_score:g}",
            gate,
        )
    console.print(repos)
    owners = Table("owner", "findings", "repositories", "top score", "total score", title="By owner")
    for o in view.owners[:limit]:
        owners.add_row(
            escape(o.owner), str(o.findings), str(o.repositories), f"{o.top_score:g}", f"{o.total_score:g}"
        )
    console.print(owners)
    top = Table("score", "repository", "rule", "where", "owner", title="Top risks across the fleet")
    for risk in view.top[:limit]:
        a = risk.assessment
        where = f"{a.finding.location.path}:{a.finding.location.line}"
        top.add_row(
            f"{a.score.value:g}",
            escape(risk.project),
            escape(a.finding.rule_id),
            escape(where),
            escape(a.owner or UNOWNED),
        )
    console.print(top)
