from __future__ import annotations

from stackaudit.config.sections.base import Section


class SLOConfig(Section):
    """One ``[tool.stackaudit.slo.NAME]`` entry: an endpoint or a journey."""

    endpoint: str | None = None  # "GET /orders"; a journey lists ``steps`` instead
    steps: list[str] = []  # journey: endpoints in order ("POST /login", "GET /orders")
    weight: float = 1.0  # traffic share, feeds Impact
    p95_ms: float | None = None
    p99_ms: float | None = None
    error_budget: float = 0.01  # allowed error ratio
    throughput_rps: float | None = None


class LoadConfig(Section):
    from_rps: float = 10
    to_rps: float = 200
    steps: int = 5
    step_seconds: float = 10
    soak_rps: float = 50
    soak_seconds: float = 60
    cpu_second_price: float = 0.0  # currency per CPU-second, for cost per request


class NPlusOneConfig(Section):
    min_repeats: int = 5
    min_total_ms: float = 50.0


class RegressionConfig(Section):
    p95_threshold: float = 0.05  # fail when p95 grows by more than 5 %
    alloc_threshold: float = 0.10  # fail when allocations grow by more than 10 %
