"""Turning inventory facts and vulnerability matches into findings (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

from stackaudit.analyzers.sca import rules
from stackaudit.analyzers.sca.licences import LicenceVerdict, check
from stackaudit.config.sections.supply_chain import LicencePolicy
from stackaudit.inventory.deps.model import Dependency, ParsedFile
from stackaudit.model import CodeContext, Confidence, Finding, Location
from stackaudit.vulndb.audit import VulnMatch

_COMMIT_REF = re.compile(r"@[0-9a-f]{40}\b")
_LOCAL_KINDS = frozenset({"editable", "path"})
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def redact_url(text: str) -> str:
    """Drop credentials from URLs (``https://user:token@host`` -> ``https://***@host``)."""
    return _USERINFO.sub("***@", text)


def _location(dep: Dependency) -> Location:
    return Location(path=dep.source, line=dep.line)


def _ids(match: VulnMatch) -> str:
    return ", ".join((match.info.id, *match.info.aliases))


def upgrade_kind(current: str | None, target: str | None) -> str | None:
    """ "major", "minor" or "patch": how far the fixing upgrade moves (it decides the effort)."""
    if not current or not target:
        return None
    try:
        old, new = Version(current), Version(target)
    except InvalidVersion:
        return None
    if new.major != old.major:
        return "major"
    return "minor" if new.minor != old.minor else "patch"


def vulnerability_finding(match: VulnMatch, path: tuple[str, ...], reach_reason: str) -> Finding:
    dep, info = match.dependency, match.info
    fixed = ", ".join(info.fixed_versions) or "none published"
    via = f" (transitive, via {' > '.join(path)})" if not dep.direct and len(path) > 1 else ""
    flags = []
    if info.kev:
        flags.append("KNOWN EXPLOITED (CISA KEV" + (", ransomware use" if info.kev_ransomware else "") + ")")
    if info.cvss_score is not None:
        flags.append(f"CVSS {info.cvss_score:.1f}")
    if info.epss is not None:
        flags.append(f"EPSS {info.epss:.3f} (pct {info.epss_percentile or 0:.2f})")
    message = (
        f"{dep.name} {dep.version}{via} is affected by {_ids(match)}: {info.summary or 'no summary'}. "
        f"{'; '.join(flags)}{'. ' if flags else ''}Fixed in: {fixed}. "
        f"Smallest upgrade fixing all known advisories: {match.upgrade or 'none known'}. "
        f"Reachability: {reach_reason}."
    )
    props = [
        ("ecosystem", info.ecosystem),
        ("direct", str(dep.direct).lower()),
        ("reachability", reach_reason),
    ]
    if match.upgrade:
        props.append(("upgrade", match.upgrade))
        kind = upgrade_kind(dep.version, match.upgrade)
        if kind:
            props.append(("upgrade_kind", kind))
    if len(path) > 1:
        props.append(("dependency_path", " > ".join(path)))
    return rules.VULNERABLE.finding(
        _location(dep),
        message,
        snippet=f"{dep.key}=={dep.version} {info.id}",
        severity=rules.vulnerability_severity(info),
        fix=f"Upgrade {dep.name} to {match.upgrade}." if match.upgrade else rules.VULNERABLE.fix,
        context=CodeContext.CONFIG,
        tool="stackaudit",
        vulnerability=info,
        properties=tuple(props),
    )


def _vcs_pinned(dep: Dependency) -> bool:
    return bool(_COMMIT_REF.search(dep.spec))


def _covering_pins(path: str, locked: dict[str, set[tuple[str, str]]]) -> set[tuple[str, str]]:
    """What the lock files beside a manifest and in every folder above it pin: a workspace's
    root lock (uv, npm, pnpm, yarn and bun workspaces) pins its members' dependencies."""
    folder = path.rsplit("/", 1)[0] if "/" in path else "."
    pins = set(locked.get(folder, set()))
    while folder != ".":
        folder = folder.rsplit("/", 1)[0] if "/" in folder else "."
        pins |= locked.get(folder, set())
    return pins


_MANIFESTS = frozenset({"pyproject.toml", "package.json", "Pipfile"})


def _unpinned(parsed: ParsedFile, pins: set[tuple[str, str]]) -> list[Dependency]:
    out = []
    for dep in parsed.dependencies:
        if dep.dev or dep.kind in _LOCAL_KINDS or (str(dep.ecosystem), dep.key) in pins:
            continue  # dev/test extras never reach production; locked ones are pinned
        if dep.version and dep.kind == "registry":
            continue
        if dep.kind == "vcs" and _vcs_pinned(dep):
            continue
        out.append(dep)
    return out


def _describe(dep: Dependency) -> str:
    spec = redact_url(dep.spec)
    if dep.kind in ("vcs", "url"):
        return f"{dep.name} ({spec[:80]})"
    return f"{dep.name} {spec}".strip() if spec else f"{dep.name} (no version)"


def unpinned_findings(files: Iterable[ParsedFile], locked: dict[str, set[tuple[str, str]]]) -> list[Finding]:
    """One finding per manifest (one root cause: no lock pins it), listing its unpinned
    runtime dependencies. A pyproject or package.json may be a library published with ranges on
    purpose, so there the finding is low confidence; a requirements file is an install list."""
    out: list[Finding] = []
    for parsed in files:
        if parsed.is_lock:
            continue
        loose = _unpinned(parsed, _covering_pins(parsed.path, locked))
        if not loose:
            continue
        manifest = parsed.path.rpartition("/")[2] in _MANIFESTS
        shown = ", ".join(_describe(d) for d in loose[:12]) + (
            f" and {len(loose) - 12} more" if len(loose) > 12 else ""
        )
        hint = (
            " (right for a library published to an index; a deployed service needs a lock)"
            if manifest
            else ""
        )
        out.append(
            rules.UNPINNED.finding(
                _location(loose[0]),
                f"{len(loose)} runtime dependencies of {parsed.path} are not pinned and no lock file beside "
                f"or above it pins them{hint}: {shown}.",
                snippet=f"{parsed.path}: unpinned runtime dependencies",
                related=tuple(_location(d) for d in loose[1:]),
                context=CodeContext.CONFIG,
                confidence=Confidence.LOW if manifest else Confidence.HIGH,
                properties=(("count", str(len(loose))), ("packages", ",".join(d.key for d in loose))),
            )
        )
    return out


def licence_findings(deps: Iterable[Dependency], policy: LicencePolicy) -> list[Finding]:
    out: list[Finding] = []
    for dep in deps:
        result = check(dep.licence, policy)
        verdict = result.verdict
        if verdict == LicenceVerdict.OK or (dep.dev and verdict == LicenceVerdict.UNKNOWN):
            continue  # a build or test tool's missing licence field reaches no user (0 of 3 true)
        shown = result.expression or (repr(dep.licence[:80]) if dep.licence else "none declared")
        rule, text = {
            LicenceVerdict.DENIED: (rules.LICENCE_DENIED, "is denied by the licence policy"),
            LicenceVerdict.COPYLEFT: (rules.LICENCE_COPYLEFT, "is strong copyleft in a proprietary service"),
            LicenceVerdict.REVIEW: (rules.LICENCE_COPYLEFT, "is on the policy's review list"),
            LicenceVerdict.NOT_ALLOWED: (rules.LICENCE_UNKNOWN, "is not on the allowed list"),
            LicenceVerdict.UNKNOWN: (rules.LICENCE_UNKNOWN, "is unknown or not an SPDX licence"),
        }[verdict]
        out.append(
            rule.finding(
                _location(dep),
                f"{dep.name} {dep.version or ''}: licence {shown} {text}.",
                snippet=f"{dep.key} {result.expression or dep.licence or ''}".strip(),
                context=CodeContext.CONFIG,
                properties=(("licence", result.expression or ""), ("verdict", verdict.value)),
            )
        )
    return out
