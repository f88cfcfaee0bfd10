"""Value types of a load run: the plan (what to send) and the report (what was measured)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

REPORT_SCHEMA_VERSION = 1


class LoadError(Exception):
    """Root of the load package's errors; the message is meant for the user."""


class K6Missing(LoadError):
    """The k6 binary is not installed next to the interpreter nor on PATH."""


class PlanError(LoadError):
    """The SLO / load configuration cannot produce a valid plan (names the key)."""


class Mode(StrEnum):
    STEP = "step"
    SOAK = "soak"
    CONSTANT = "constant"  # one fixed rate, used by --rate and the regression gate's repeats


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One request kind: ``name`` is "METHOD /path" (also the evidence join key)."""

    name: str
    method: str
    path: str


@dataclass(frozen=True, slots=True)
class Flow:
    """What one k6 iteration does: a single endpoint or a journey (several, in order)."""

    name: str  # the SLO name
    endpoints: tuple[int, ...]  # indices into LoadPlan.endpoints
    weight: float
    is_journey: bool = False


@dataclass(frozen=True, slots=True)
class StepSpec:
    index: int
    rate: float  # iterations per second (open model)
    seconds: float


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """Everything the k6 script generator needs; built from the config by ``slo.build_plan``."""

    target: str  # base URL, e.g. http://127.0.0.1:8000
    endpoints: tuple[Endpoint, ...]
    flows: tuple[Flow, ...]
    timeout_s: float = 10.0
    max_vus: int = 500

    def share(self, flow: int) -> float:
        total = sum(f.weight for f in self.flows)
        return self.flows[flow].weight / total

    def requests_per_iteration(self) -> float:
        return sum(self.share(i) * len(f.endpoints) for i, f in enumerate(self.flows))

    def endpoint_share(self, endpoint: int) -> float:
        """Requests to ``endpoint`` per iteration, averaged over the weighted flows."""
        return sum(self.share(i) * f.endpoints.count(endpoint) for i, f in enumerate(self.flows))


@dataclass(frozen=True, slots=True)
class Latency:
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float


@dataclass(frozen=True, slots=True)
class EndpointStep:
    endpoint: str
    offered_rps: float
    achieved_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    error_rate: float
    requests: int
    errors: int


@dataclass(frozen=True, slots=True)
class StepResult:
    index: int
    target_rate: float  # iterations per second asked of k6
    seconds: float
    offered_rps: float  # requests per second asked of the target
    achieved_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    error_rate: float
    dropped: int
    requests: int
    errors: int
    endpoints: tuple[EndpointStep, ...]
    cpu_seconds: float | None = None
    cpu_utilisation: float | None = None  # of the configured target cores, 0..1+
    nonlinear: bool = False  # latency grows non-linearly past the utilisation knee
    partial: bool = False
    problems: tuple[str, ...] = ()
    p95_low_ms: float = 0.0  # 95 % order-statistic CI of this step's p95 (its own noise)
    p95_high_ms: float = 0.0
    peak_vus: int = 0  # most k6 VUs in use during the step (0: not reported)


@dataclass(frozen=True, slots=True)
class Knee:
    """The knee of p95 against offered load, or why there is none (``knee.find``)."""

    knee_rps: float | None  # where Kneedle places the bend; None: no knee
    bend_rps: float | None  # first step whose p95 left the flat region
    flat_up_to_rps: float | None  # highest step still in the flat region
    reason: str
    backing: tuple[str, ...] = ()  # utilisation, drops, errors that back the bend
    headroom: str | None = None  # when there is no knee


@dataclass(frozen=True, slots=True)
class Verdict:
    slo: str
    endpoint: str
    passed: bool
    at_rps: float
    measured: dict[str, float]
    targets: dict[str, float]
    summary: str


@dataclass(frozen=True, slots=True)
class Trend:
    """A least-squares-free trend: Theil-Sen slope with its 95 % CI and Kendall's p-value."""

    metric: str
    unit: str  # per second
    slope: float
    low: float
    high: float
    p_value: float
    start: float
    end: float
    drifting: bool
    points: int


@dataclass(frozen=True, slots=True)
class Cost:
    cpu_seconds: float
    requests: int
    cpu_seconds_per_request: float
    price_per_cpu_second: float
    cost_per_request: float | None  # None when no price is set (no "0 USD")
    cost_per_million: float | None
    currency: str


@dataclass(frozen=True, slots=True)
class LoadReport:
    mode: Mode
    target: str
    steps: tuple[StepResult, ...]
    verdicts: tuple[Verdict, ...]
    knee_rps: float | None
    knee: Knee | None = None
    trends: tuple[Trend, ...] = ()
    cost: Cost | None = None
    repeats_p95_ms: dict[str, tuple[float, ...]] = field(default_factory=dict)
    repeats_started_at: tuple[float, ...] = ()  # epoch of each repeat's first request (gate pairing)
    segments: int = 1
    partial: bool = False
    problems: tuple[str, ...] = ()
    stopped_early: str | None = None
    incomplete: str | None = None  # why the run is not a measurement (k6 crash, target down, cut short)
