"""From ``[slo.*]`` config to a LoadPlan, and the step ladder from ``[load]``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from stackaudit.config.sections.runtime import LoadConfig, SLOConfig
from stackaudit.runtime.load.model import Endpoint, Flow, LoadPlan, PlanError, StepSpec

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_ENDPOINT = re.compile(r"^([A-Za-z]+)\s+(/\S*)$")


def parse_endpoint(text: str, key: str) -> Endpoint:
    """ "GET /orders" -> Endpoint; a bad string is a PlanError naming ``key``."""
    match = _ENDPOINT.match(text.strip())
    if not match or match.group(1).upper() not in _METHODS:
        raise PlanError(f'{key}: {text!r} is not an endpoint like "GET /orders"')
    method, path = match.group(1).upper(), match.group(2)
    return Endpoint(name=f"{method} {path}", method=method, path=path)


def split_target(url: str) -> tuple[str, str]:
    """(origin, request target) of ``url``, both exactly as typed.

    The origin is ``scheme://host[:port]`` (IPv6 hosts keep their brackets); the request
    target is the rest up to the fragment (a fragment is never sent over HTTP): path,
    query string and percent-escapes are passed through untouched, never re-encoded nor
    cut by length arithmetic.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlanError(f"--target: {url!r} is not an http(s) URL with a host")
    head = url.index("//") + 2
    end = head + len(parts.netloc)
    origin = url[:end]
    rest = url[end:].split("#", 1)[0]
    return origin, rest


def check_target(url: str) -> str:
    """The base URL without a trailing slash on its path; only http(s) with a host is accepted.

    The query string and escapes stay as typed (a trailing slash is dropped only from the path).
    """
    origin, rest = split_target(url)
    path, mark, query = rest.partition("?")
    return origin + path.rstrip("/") + mark + query


def validate_slos(slos: Mapping[str, SLOConfig]) -> None:
    """Impossible SLOs, checked again here for configs built in code (the loader checks too)."""
    for name, slo in slos.items():
        key = f"slo.{name}"
        if slo.p95_ms is not None and slo.p95_ms <= 0:
            raise PlanError(f"{key}.p95_ms: must be > 0 (got {slo.p95_ms:g})")
        if slo.p99_ms is not None and slo.p99_ms <= 0:
            raise PlanError(f"{key}.p99_ms: must be > 0 (got {slo.p99_ms:g})")
        if slo.p95_ms is not None and slo.p99_ms is not None and slo.p99_ms < slo.p95_ms:
            raise PlanError(f"{key}.p99_ms: {slo.p99_ms:g} is below p95_ms {slo.p95_ms:g}")
        if not 0 <= slo.error_budget < 1:
            raise PlanError(f"{key}.error_budget: must be in [0, 1) (got {slo.error_budget:g})")
        if slo.weight <= 0:
            raise PlanError(f"{key}.weight: must be > 0 (got {slo.weight:g})")


def build_plan(target: str, slos: Mapping[str, SLOConfig], load: LoadConfig) -> LoadPlan:
    """Endpoints and weighted flows from the SLOs; no SLO = one flow ``GET <target path>``."""
    base = check_target(target)
    validate_slos(slos)
    endpoints: list[Endpoint] = []
    index: dict[str, int] = {}

    def intern(text: str, key: str) -> int:
        endpoint = parse_endpoint(text, key)
        if endpoint.name not in index:
            index[endpoint.name] = len(endpoints)
            endpoints.append(endpoint)
        return index[endpoint.name]

    flows: list[Flow] = []
    for name, slo in sorted(slos.items()):
        if slo.endpoint is not None:
            flows.append(Flow(name, (intern(slo.endpoint, f"slo.{name}.endpoint"),), slo.weight))
        else:
            ids = tuple(intern(s, f"slo.{name}.steps[{i}]") for i, s in enumerate(slo.steps))
            flows.append(Flow(name, ids, slo.weight, is_journey=True))
    if not flows:
        origin, rest = split_target(target)
        request = rest if rest.startswith("/") else "/" + rest
        path = request.partition("?")[0]
        endpoints.append(Endpoint(name=f"GET {path}", method="GET", path=request))
        flows.append(Flow("default", (0,), 1.0))
        base = origin
    elif "?" in base:
        raise PlanError(
            "--target: with SLOs the target is a base URL; put the query string in the SLO's "
            'endpoint ("GET /orders?page=2")'
        )
    return LoadPlan(base, tuple(endpoints), tuple(flows), load.request_timeout_s, load.max_vus)


def step_ladder(from_rps: float, to_rps: float, steps: int, seconds: float) -> tuple[StepSpec, ...]:
    """``steps`` evenly spaced arrival rates from ``from_rps`` to ``to_rps`` inclusive."""
    if from_rps <= 0 or to_rps < from_rps:
        raise PlanError(f"--from/--to: need 0 < from ({from_rps:g}) <= to ({to_rps:g})")
    if steps < 1 or seconds <= 0:
        raise PlanError("--steps must be >= 1 and --step-seconds > 0")
    if steps == 1:
        return (StepSpec(0, from_rps, seconds),)
    gap = (to_rps - from_rps) / (steps - 1)
    return tuple(StepSpec(i, round(from_rps + i * gap, 3), seconds) for i in range(steps))
