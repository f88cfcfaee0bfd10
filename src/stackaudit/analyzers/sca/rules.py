"""The supply-chain rules, declared once, with their playbooks."""

from __future__ import annotations

from stackaudit.model import Category, Confidence, Severity, VulnerabilityInfo
from stackaudit.model.rule import RuleMeta

VULNERABLE = RuleMeta(
    id="sca.vulnerable-dependency",
    title="Dependency with a known vulnerability",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.HIGH,
    cwe=(1395,),
    impact=7.0,
    likelihood=5.0,
    effort=0.5,
    confidence=Confidence.HIGH,
    fix="Upgrade to the version named in the finding (the smallest one that fixes every known advisory).",
    doc="""
    Finds pinned, locked or installed dependencies whose version is inside the affected range of a
    published advisory (OSV: PyPA, GitHub, Go, npm), matched offline against the local database.

    Why it matters: a known vulnerability comes with a public write-up and often a public exploit.
    CISA's KEV catalog lists those exploited in the wild; EPSS estimates the probability of
    exploitation in the next 30 days. Both raise the finding's likelihood here, and a KEV entry makes
    it critical whatever its CVSS score.

    Example: ``pillow==9.0.0`` in requirements.txt is affected by CVE-2023-4863 (libwebp heap
    overflow, in KEV), fixed in 10.0.1.

    Fix: upgrade to the "smallest upgrade" the finding names (it fixes all of the package's known
    advisories at once), re-lock, run the tests. When the package is not imported by the code
    (reachability: no), the risk is lower but the package still ships. To accept a risk, list the
    advisory id in ``supply_chain.ignore_vulnerabilities`` with a reason in the config history.
    """,
)

UNPINNED = RuleMeta(
    id="sca.unpinned-dependency",
    title="Dependency not pinned or locked",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.LOW,
    cwe=(1357,),
    impact=3.0,
    likelihood=4.0,
    effort=0.25,
    fix="Pin the exact version (==) or commit a lock file (uv.lock, poetry.lock, package-lock.json).",
    doc="""
    Finds dependencies declared with a range (``flask>=2``, ``^1.2``), no version at all, or a VCS
    branch, when no lock file beside the manifest pins them.

    Why it matters: the build installs whatever is newest that day. Builds stop being reproducible,
    a compromised or broken release lands without review, and vulnerability audits cannot tell
    which version runs.

    Example: ``requests>=2`` in requirements.txt with no lock file.

    Fix: generate a lock (``uv lock``, ``poetry lock``, ``pip-compile --generate-hashes``) and
    install from it, or pin ``requests==2.32.3``; pin VCS requirements to a full commit hash.
    """,
)

LICENCE_DENIED = RuleMeta(
    id="sca.licence-denied",
    title="Dependency licence denied by policy",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.HIGH,
    impact=6.0,
    likelihood=6.0,
    effort=2.0,
    confidence=Confidence.HIGH,
    fix="Replace the dependency, or obtain a different licence and record the decision in the policy.",
    doc="""
    Finds dependencies whose licence (normalised to an SPDX expression) is in
    ``supply_chain.licences.denied``. For ``A OR B`` the dependency passes when any choice is allowed.

    Why it matters: shipping code under a licence the company has ruled out creates legal exposure
    and can force a release to be pulled.

    Example: policy ``denied = ["AGPL-3.0-only"]`` and a dependency licensed AGPL-3.0-only.

    Fix: replace the package or get written approval and move the licence to ``review``.
    """,
)

LICENCE_COPYLEFT = RuleMeta(
    id="sca.licence-copyleft",
    title="Copyleft licence in a proprietary service",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.MEDIUM,
    impact=5.0,
    likelihood=4.0,
    effort=1.0,
    doc="""
    Finds dependencies under strong copyleft licences (GPL, AGPL, SSPL, EUPL, OSL, CC-BY-SA) when
    ``supply_chain.licences.proprietary`` is true, and licences listed in ``licences.review``.

    Why it matters: distributing (or, for AGPL/SSPL, serving over a network) software that links
    copyleft code can oblige the company to publish its own source.

    Example: a service depending on a GPL-3.0-only package.

    Fix: have the use reviewed; replace the package, or record the approval by moving the licence
    to ``licences.allowed``.
    """,
)

LICENCE_UNKNOWN = RuleMeta(
    id="sca.licence-unknown",
    title="Dependency licence unknown or not allowed",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.LOW,
    impact=3.0,
    likelihood=3.0,
    effort=0.5,
    confidence=Confidence.LOW,
    doc="""
    Finds dependencies whose metadata carries no licence, one that does not normalise to SPDX, or
    (when ``licences.allowed`` is set) one outside the allowed list. Only sources that record
    licences are checked (installed environments, npm lock files); the run says so.

    Why it matters: code without a licence may not be used at all; an unrecognised one has not been
    reviewed.

    Example: a package whose METADATA says ``License: UNKNOWN`` and has no licence classifier.

    Fix: look the licence up at the source repository and record it in the policy, or replace it.
    """,
)

RULES = (VULNERABLE, UNPINNED, LICENCE_DENIED, LICENCE_COPYLEFT, LICENCE_UNKNOWN)

# CVSS v3/v4 qualitative rating scale (FIRST): base score -> severity. Lower bounds, highest first.
CVSS_SEVERITY: tuple[tuple[float, Severity], ...] = (
    (9.0, Severity.CRITICAL),
    (7.0, Severity.HIGH),
    (4.0, Severity.MEDIUM),
    (0.1, Severity.LOW),
    (0.0, Severity.INFO),
)
NO_SCORE_SEVERITY = Severity.MEDIUM  # an advisory without a vector: not "low" by default


def vulnerability_severity(info: VulnerabilityInfo) -> Severity:
    """Severity from the CVSS base score (table above); CRITICAL for anything in CISA KEV."""
    if info.kev:
        return Severity.CRITICAL
    if info.cvss_score is None:
        return NO_SCORE_SEVERITY
    return next(sev for bound, sev in CVSS_SEVERITY if info.cvss_score >= bound)
