from __future__ import annotations

from stackaudit.config.sections.base import Section


class LicencePolicy(Section):
    allowed: list[str] = []  # SPDX ids
    denied: list[str] = []
    review: list[str] = []
    proprietary: bool = True  # the audited service is proprietary: flag copyleft


class SupplyChainConfig(Section):
    """``[tool.stackaudit.supply_chain]``: dependencies, vulnerabilities, licences."""

    licences: LicencePolicy = LicencePolicy()
    online: bool = False  # query the OSV API (never in tests)
    max_db_age_days: int = 30  # warn when the vulnerability data is older
    ignore_vulnerabilities: list[str] = []  # advisory ids accepted project-wide
