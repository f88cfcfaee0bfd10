from __future__ import annotations

from pydantic import Field

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
    # Where the vulnerability data lives (URL or SQLite path); default: one store per user.
    # The STACKAUDIT_VULNDB environment variable wins over this (see vulndb/connect.py).
    vulndb: str | None = None
    max_db_age_days: int = 30  # warn when the vulnerability data is older
    ignore_vulnerabilities: list[str] = []  # advisory ids accepted project-wide
    # Sources for `stackaudit db update` (and `online`); override for mirrors.
    osv_export_url: str = "https://osv-vulnerabilities.storage.googleapis.com"  # /{ecosystem}/all.zip
    osv_api_url: str = "https://api.osv.dev"  # /v1/querybatch, /v1/vulns/{id}
    kev_url: str = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
    epss_url: str = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
    online_cache_hours: float = Field(default=24.0, ge=0)  # reuse OSV API answers this long
    http_timeout_s: float = Field(default=60.0, gt=0)
