"""Software composition analysis: known vulnerabilities, pinning and licences of dependencies."""

from __future__ import annotations

from stackaudit.model import Finding

EXPLOITABLE_CVSS = 9.0


def exploitable(finding: Finding) -> bool:
    """True for a vulnerability finding with CVSS >= 9 or listed in CISA KEV (``--fail-on-exploitable``)."""
    info = finding.vulnerability
    if info is None:
        return False
    return info.kev or (info.cvss_score is not None and info.cvss_score >= EXPLOITABLE_CVSS)


def __getattr__(name: str) -> object:
    if name == "ScaAnalyzer":  # lazy: keeps `import stackaudit.analyzers.sca` light for the gate
        from stackaudit.analyzers.sca.analyzer import ScaAnalyzer

        return ScaAnalyzer
    raise AttributeError(name)


__all__ = ["EXPLOITABLE_CVSS", "ScaAnalyzer", "exploitable"]
