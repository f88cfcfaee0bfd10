"""Which deployments failed, and when they were recovered.

With an incident file, a deployment failed when at least one incident links to it (by deploy
id, tag, or a commit it shipped); recovery runs from its first incident opening to its last
resolution. Without one, git supplies the signals: a revert marks the deployment that shipped
the reverted commit as failed, a hotfix marks the deployment before the one that shipped it;
the deployment that ships the revert or hotfix is the recovery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from stackaudit.governance.dora import gitsource
from stackaudit.governance.dora.model import Deployment, Failure, Incident


@dataclass(frozen=True, slots=True)
class Shipped:
    """What each deployment shipped: commit sha -> deployment id, and commits per deployment."""

    by_commit: Mapping[str, str]
    commits: Mapping[str, Sequence[gitsource.Commit]]


def _link(
    incident: Incident, deployments: Sequence[Deployment], shipped: Shipped | None, repo: Path | None
) -> Deployment | None:
    ref = incident.deployment
    for dep in deployments:
        if ref in (dep.id, dep.tag) or (len(ref) >= 7 and dep.commit.startswith(ref.lower())):
            return dep
    if repo is None or shipped is None:
        return None
    sha = gitsource.resolve(repo, ref)
    dep_id = shipped.by_commit.get(sha) if sha else None
    return next((d for d in deployments if d.id == dep_id), None)


def from_incidents(
    incidents: Sequence[Incident],
    deployments: Sequence[Deployment],
    shipped: Shipped | None,
    repo: Path | None,
) -> tuple[list[Failure], list[str]]:
    """Failed deployments from incidents; unlinked incidents are reported, never counted."""
    linked: dict[str, list[Incident]] = {}
    unlinked: list[str] = []
    for incident in incidents:
        dep = _link(incident, deployments, shipped, repo)
        if dep is None:
            unlinked.append(f"{incident.id} (deployment {incident.deployment!r})")
        else:
            linked.setdefault(dep.id, []).append(incident)
    failures = []
    for dep in deployments:
        found = linked.get(dep.id)
        if not found:
            continue
        opened = min(i.opened for i in found)
        ends = [i.resolved for i in found]
        recovered = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
        reasons = tuple(f"incident {i.id}" for i in found)
        failures.append(Failure(dep.id, dep.time, opened, recovered, reasons))
    notes = []
    if unlinked:
        notes.append(
            f"{len(unlinked)} incident(s) link to no known deployment and are not counted: "
            + "; ".join(unlinked[:10])
        )
    return failures, notes


def from_git(deployments: Sequence[Deployment], shipped: Shipped) -> list[Failure]:
    """Failed deployments from reverts and hotfix commits; recovered by the deployment that fixes them."""
    found: dict[str, tuple[datetime | None, list[str]]] = {}
    previous: Deployment | None = None
    for dep in deployments:
        for commit in shipped.commits.get(dep.id, ()):
            failed_id: str | None = None
            if commit.reverts is not None:
                target = next((s for s in shipped.by_commit if s.startswith(commit.reverts)), None)
                failed_id = shipped.by_commit.get(target) if target else None
                why = f"revert {commit.sha[:12]} shipped in {dep.id}"
            elif commit.is_hotfix and previous is not None:
                failed_id = previous.id
                why = f"hotfix {commit.sha[:12]} shipped in {dep.id}"
            if failed_id is None or failed_id == dep.id:
                continue
            recovered, reasons = found.get(failed_id, (None, []))
            recovered = dep.time if recovered is None else min(recovered, dep.time)
            found[failed_id] = (recovered, [*reasons, why])
        previous = dep
    return [
        Failure(d.id, d.time, d.time, found[d.id][0], tuple(found[d.id][1]))
        for d in deployments
        if d.id in found
    ]
