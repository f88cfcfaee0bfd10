from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Factor:
    """One scoring factor with the reasons that set it."""

    value: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Score:
    """Risk-adjusted ROI: Impact (1..10) x Likelihood (1..10) / Effort (person-days)."""

    impact: Factor
    likelihood: Factor
    effort: Factor

    @property
    def value(self) -> float:
        return round(self.impact.value * self.likelihood.value / self.effort.value, 2)
