"""``[tool.stackaudit.journeys.NAME]`` and ``[tool.stackaudit.threat]``: the journeys a threat model
is drawn for, and where the team keeps its last threat review.

A journey is a list of endpoints in the form findings and the map use (``"POST /login"``);
``critical = true`` makes findings on it say so in their Impact. SLO entries with ``steps`` are
journeys too (``runtime.py``); a ``[journeys.NAME]`` of the same name decides over them.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from stackaudit.config.sections.base import Section


class JourneyConfig(Section):
    # "METHOD /path" or "/path" (any method); a path segment may be a parameter in any
    # framework's syntax ("<int:id>", "{id}", ":id") and a trailing "*" matches a prefix.
    endpoints: list[str] = Field(min_length=1)
    critical: bool = False
    description: str = ""

    @field_validator("endpoints")
    @classmethod
    def _not_blank(cls, value: list[str]) -> list[str]:
        if any(not v.strip() for v in value):
            raise ValueError("a journey endpoint is blank")
        return value


class ThreatConfig(Section):
    # The threat review the team commits (``stackaudit threat-model --output F``): its header
    # records the date and each journey's code hash, which the quarterly diff compares.
    record: str = "threat-model.md"
