"""The configuration model: ``[tool.stackaudit]`` in pyproject.toml or stackaudit.toml.

Unknown keys are errors; every error names the file and the key (see loader.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from stackaudit.config.sections.apiversions import ApiVersionsConfig
from stackaudit.config.sections.base import Section
from stackaudit.config.sections.ci import CiConfig
from stackaudit.config.sections.dast import DastConfig
from stackaudit.config.sections.dora import DoraConfig
from stackaudit.config.sections.migrations import MigrationsConfig
from stackaudit.config.sections.privilege import PrivilegeConfig
from stackaudit.config.sections.runtime import (
    LoadConfig,
    NPlusOneConfig,
    RegressionConfig,
    SLOConfig,
)
from stackaudit.config.sections.secrets import SecretsConfig
from stackaudit.config.sections.supply_chain import SupplyChainConfig
from stackaudit.config.sections.taint import TaintConfig
from stackaudit.config.sections.tenant import TenantConfig
from stackaudit.config.sections.threat import JourneyConfig, ThreatConfig
from stackaudit.model.enums import Severity

DEFAULT_EXCLUDE = (
    ".git/**",
    ".stackaudit/**",
    ".venv/**",
    "venv/**",
    "node_modules/**",
    "**/__pycache__/**",
    ".tox/**",
    ".mypy_cache/**",
    ".ruff_cache/**",
)


class IgnoreEntry(Section):
    """Ignore findings by rule, by path glob, or both. A reason is required."""

    rule: str | None = None  # rule id or glob ("ruff.*")
    path: str | None = None  # path glob ("tests/**")
    reason: str

    @field_validator("reason")
    @classmethod
    def _reason_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an ignore needs a reason")
        return value


class AcceptedRisk(Section):
    """A risk accepted by someone until a date; after it, the finding comes back."""

    fingerprint: str | None = None
    rule: str | None = None
    path: str | None = None
    owner: str
    until: date
    reason: str


class RuleOverride(Section):
    """Per-rule overrides of the scoring factors and severity."""

    enabled: bool = True
    severity: str | None = None  # info|low|medium|high|critical: replaces the rule's default
    impact: float | None = Field(default=None, ge=1, le=10)
    likelihood: float | None = Field(default=None, ge=1, le=10)
    effort: float | None = Field(default=None, gt=0)

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: str | None) -> str | None:
        if value is not None:
            Severity.parse(value)  # raises ValueError naming the valid severities
        return value


# Keys read only after analysis (scoring, triage, gate, runtime commands): a change to them
# never changes what an analyzer finds, so they stay out of every analyzer's cache key.
RESULT_KEYS = frozenset(
    {
        "fail_on",
        "ignore",
        "accept",
        "rules",
        "slo",
        "load",
        "nplusone",
        "regression",
        "jobs",
        "disable",
        "retention",
        "journeys",
        "threat",
        "dora",
    }
)


class RetentionConfig(Section):
    """``[tool.stackaudit.retention]``: stored runs kept after each recorded audit (none: all)."""

    runs: int | None = Field(default=None, ge=1)  # keep the newest N runs of the project
    days: int | None = Field(default=None, ge=1)  # delete runs that started more than N days ago


class Config(Section):
    include: list[str] = []  # path globs; empty = everything discovered
    exclude: list[str] = list(DEFAULT_EXCLUDE)
    extend_exclude: list[str] = []
    max_file_size: int = Field(default=2_000_000, gt=0)
    jobs: int | None = Field(default=None, ge=1)
    analyzer_timeout_s: float = Field(default=300.0, gt=0)
    disable: list[str] = []  # analyzer names to skip ("ruff", "secrets", …)
    fail_on: str = "high"  # a severity, or "score>=N"
    # "default": rules that make no sense in tests, test data or migrations are off there
    # (engine/context.py); "all": every rule runs everywhere.
    test_rules: Literal["default", "all"] = "default"
    ignore: list[IgnoreEntry] = []
    accept: list[AcceptedRisk] = []
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    taint: TaintConfig = TaintConfig()
    secrets: SecretsConfig = SecretsConfig()
    supply_chain: SupplyChainConfig = SupplyChainConfig()
    privilege: PrivilegeConfig = PrivilegeConfig()
    migrations: MigrationsConfig = MigrationsConfig()
    tenant: TenantConfig = TenantConfig()
    api_versions: ApiVersionsConfig = ApiVersionsConfig()
    ci: CiConfig = CiConfig()
    dast: DastConfig = DastConfig()
    slo: dict[str, SLOConfig] = Field(default_factory=dict)
    journeys: dict[str, JourneyConfig] = Field(default_factory=dict)
    threat: ThreatConfig = ThreatConfig()
    load: LoadConfig = LoadConfig()
    nplusone: NPlusOneConfig = NPlusOneConfig()
    regression: RegressionConfig = RegressionConfig()
    retention: RetentionConfig = RetentionConfig()
    dora: DoraConfig | None = None  # absent: audits compute no DORA

    @field_validator("fail_on")
    @classmethod
    def _known_threshold(cls, value: str) -> str:
        from stackaudit.engine.gate import Threshold  # the one parser of thresholds

        Threshold.parse(value)  # raises ValueError naming the valid severities
        return value

    def config_hash(self) -> str:
        """A stable hash of the whole effective config, recorded with each run."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]

    def section_hash(self, keys: Iterable[str] | None) -> str:
        """A stable hash of the named top-level keys only: an analyzer's part of a cache key.

        ``None`` means every key that can change analysis (all but ``RESULT_KEYS``), the safe
        default for an analyzer that does not declare what it reads.
        """
        wanted = sorted(set(type(self).model_fields) - RESULT_KEYS if keys is None else set(keys))
        data = self.model_dump(mode="json", include=set(wanted))
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
