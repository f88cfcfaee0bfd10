from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VulnerabilityInfo:
    """Known-vulnerability data attached to a supply-chain finding.

    Filled completely by the analyzer that builds the finding (it joins OSV,
    CVSS, EPSS and KEV before building), so the finding never changes afterwards.
    """

    id: str  # primary advisory id, e.g. PYSEC-2023-227 or GHSA-...
    aliases: tuple[str, ...]  # every other id (CVE, GHSA, PYSEC), sorted
    package: str
    ecosystem: str  # "PyPI" | "npm" | "Go"
    version: str  # the installed / locked version
    fixed_versions: tuple[str, ...] = ()
    cvss_score: float | None = None
    cvss_vector: str | None = None
    epss: float | None = None  # probability 0..1
    epss_percentile: float | None = None
    kev: bool = False  # CISA known exploited
    kev_ransomware: bool = False
    reachable: bool | None = None  # None = unknown
    summary: str = ""

    @property
    def cves(self) -> tuple[str, ...]:
        return tuple(a for a in (self.id, *self.aliases) if a.startswith("CVE-"))
