from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from stackaudit.config.sections.base import Section


class SLOConfig(Section):
    """One ``[tool.stackaudit.slo.NAME]`` entry: an endpoint or a journey.

    Impossible targets (p95 <= 0, p99 below p95, an error budget outside [0, 1))
    are config errors naming the key, caught when the config is loaded.
    """

    endpoint: str | None = None  # "GET /orders"; a journey lists ``steps`` instead
    steps: list[str] = []  # journey: endpoints in order ("POST /login", "GET /orders")
    weight: float = Field(default=1.0, gt=0)  # traffic share, feeds Impact
    p95_ms: float | None = Field(default=None, gt=0)
    p99_ms: float | None = Field(default=None, gt=0)
    error_budget: float = Field(default=0.01, ge=0, lt=1)  # allowed error ratio
    throughput_rps: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.endpoint is None and not self.steps:
            raise ValueError('an SLO needs `endpoint` ("GET /path") or a journey\'s `steps`')
        if self.endpoint is not None and self.steps:
            raise ValueError("an SLO has either `endpoint` or `steps`, not both")
        if self.p95_ms is not None and self.p99_ms is not None and self.p99_ms < self.p95_ms:
            raise ValueError(f"p99_ms ({self.p99_ms:g}) is below p95_ms ({self.p95_ms:g}): impossible SLO")
        return self


class LoadConfig(Section):
    from_rps: float = Field(default=10, gt=0)
    to_rps: float = Field(default=200, gt=0)
    steps: int = Field(default=5, ge=1, le=100)
    step_seconds: float = Field(default=10, gt=0)
    soak_rps: float = Field(default=50, gt=0)
    soak_seconds: float = Field(default=60, gt=0)
    soak_window_seconds: float = Field(default=5, gt=0)  # window of the p95 / error / RSS trends
    cpu_second_price: float = Field(default=0.0, ge=0)  # currency per CPU-second, for cost per request
    currency: str = "USD"
    request_timeout_s: float = Field(default=10, gt=0)
    max_vus: int = Field(default=500, ge=1)  # upper bound of k6 VUs per step
    utilisation_knee: float = Field(default=0.70, gt=0, le=1)  # flag non-linear latency past this CPU
    stop_on_breach: bool = True  # stop a step run at the first step that breaks an SLO
    # without any SLO, a run still fails (exit 1) above this error ratio; 1 turns it off
    default_error_budget: float = Field(default=0.05, ge=0, le=1)
    knee_min_rise: float = Field(default=0.5, gt=0)  # a knee needs p95 up 50 % over the flat steps
    knee_min_rise_ms: float = Field(default=5.0, ge=0)  # ... and up at least this many ms
    # soak drift that fails the run (exit 1): the whole CI of the slope must exceed these
    soak_max_p95_drift_ms_per_min: float = Field(default=5.0, gt=0)
    soak_max_error_drift_per_min: float = Field(default=0.005, gt=0)  # error ratio per minute
    soak_max_rss_drift_mib_per_min: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.to_rps < self.from_rps:
            raise ValueError(f"to_rps ({self.to_rps:g}) is below from_rps ({self.from_rps:g})")
        return self


class NPlusOneConfig(Section):
    min_repeats: int = 5  # requests (middleware): Sentry's thresholds
    min_total_ms: float = 50.0
    test_min_repeats: int = Field(default=10, ge=2)  # pytest runs: the repeat count decides ...
    test_min_total_ms: float = Field(default=1.0, ge=0)  # ... the duration is secondary


class RegressionConfig(Section):
    p95_threshold: float = Field(default=0.05, gt=0)  # fail when p95 grows by more than 5 %
    alloc_threshold: float = Field(default=0.10, gt=0)  # fail when allocations grow by more than 10 %
    alpha: float = Field(default=0.05, gt=0, lt=1)  # significance of the noise check
    bootstrap_rounds: int = Field(default=2000, ge=100)
    min_repeats: int = Field(default=3, ge=2)  # fewer repeats than this is always inconclusive
