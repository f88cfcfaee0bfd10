from __future__ import annotations

from pathlib import PurePath

from pydantic import Field, field_validator, model_validator

from stackaudit.config.sections.base import Section

KNOWN_BAND_YEARS = (2023, 2024)  # governance/dora/bands.py BAND_TABLES; checked there too


class DoraConfig(Section):
    """``[tool.stackaudit.dora]``: every audit also computes DORA metrics and stores them with its run.

    Exactly one source of deployments: ``tags`` (a glob of annotated git tags) or ``deploys``
    (a CSV/JSON deploy log, relative to the audited directory). ``months`` is the window
    ending at the audit. Absent section: audits compute no DORA.
    """

    tags: str | None = None
    deploys: str | None = None
    incidents: str | None = None  # CSV/JSON: id, opened, resolved, deployment
    environment: str | None = None  # only deploy-log rows of this environment
    band_year: int = 2024
    months: int = Field(default=12, ge=1, le=120)

    @field_validator("tags", "deploys", "incidents", "environment")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty (leave the key out instead)")
        return value

    @field_validator("deploys", "incidents")
    @classmethod
    def _relative(cls, value: str | None) -> str | None:
        if value is not None and (PurePath(value).is_absolute() or ".." in PurePath(value).parts):
            raise ValueError(f"{value!r}: give a path inside the audited directory")
        return value

    @field_validator("band_year")
    @classmethod
    def _known_year(cls, value: int) -> int:
        if value not in KNOWN_BAND_YEARS:
            years = ", ".join(map(str, KNOWN_BAND_YEARS))
            raise ValueError(f"no DORA bands for {value} (known report years: {years})")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> DoraConfig:
        if (self.tags is None) == (self.deploys is None):
            raise ValueError("give exactly one of tags (a glob of annotated tags) and deploys (a deploy log)")
        return self
