"""Generate the k6 script (JavaScript) of a LoadPlan: open model, arrival-rate executors.

One ``constant-arrival-rate`` scenario per step, started at its offset (``startTime``),
so a whole ladder runs in one k6 process (``stackaudit load script`` for multi-host runs);
the local runner starts one process per step so it can stop at the first breach.
Every string that comes from config is JSON-encoded (ASCII) before it enters the script.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

from stackaudit.runtime.load.model import LoadPlan, StepSpec

_SCHEDULE_SLOTS = 100
_MARKER = re.compile(r"__[A-Z]+__")

_BODY = """\
import http from 'k6/http';
import exec from 'k6/execution';
import { Trend, Rate } from 'k6/metrics';

const BASE = __BASE__;
const ENDPOINTS = __ENDPOINTS__;
const FLOWS = __FLOWS__;
const JOURNEY = __JOURNEY__;
const SCHEDULE = __SCHEDULE__;
const TIMEOUT = __TIMEOUT__;
const journeyDuration = new Trend('journey_duration', true);
const journeyFailed = new Rate('journey_failed');

export const options = __OPTIONS__;

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }));

export default function () {
  const f = SCHEDULE[exec.scenario.iterationInTest % SCHEDULE.length];
  const flowTag = String(f);
  let total = 0;
  let failed = false;
  for (const e of FLOWS[f]) {
    const ep = ENDPOINTS[e];
    const res = http.request(ep.method, BASE + ep.path, null,
      { tags: { ep: String(e), flow: flowTag }, timeout: TIMEOUT });
    total += res.timings.duration;
    if (res.status === 0 || res.status >= 400) { failed = true; }
  }
  if (JOURNEY[f]) {
    journeyDuration.add(total, { flow: flowTag });
    journeyFailed.add(failed, { flow: flowTag });
  }
}
"""


def schedule(weights: Sequence[float], slots: int = _SCHEDULE_SLOTS) -> list[int]:
    """Smooth weighted round robin: flow indices spread evenly in proportion to weights."""
    total = sum(weights)
    counts = [max(1, round(w / total * slots)) for w in weights]
    current = [0] * len(counts)
    order: list[int] = []
    for _ in range(sum(counts)):
        for i, c in enumerate(counts):
            current[i] += c
        best = max(range(len(counts)), key=lambda i: current[i])
        current[best] -= sum(counts)
        order.append(best)
    return order


def rate_fields(rps: float) -> dict[str, object]:
    """k6 wants an integer rate per time unit: 25.5/s becomes 25500 per 1000 s."""
    if float(rps).is_integer():
        return {"rate": int(rps), "timeUnit": "1s"}
    return {"rate": round(rps * 1000), "timeUnit": "1000s"}


def _seconds(value: float) -> str:
    return f"{round(value * 1000)}ms"


def scenarios(plan: LoadPlan, steps: Sequence[StepSpec]) -> dict[str, dict[str, object]]:
    per_iteration = max(1.0, plan.requests_per_iteration())
    result: dict[str, dict[str, object]] = {}
    offset = 0.0
    for step in steps:
        pre = min(plan.max_vus, max(2, math.ceil(step.rate * per_iteration * 0.3)))
        result[f"step_{step.index}"] = {
            "executor": "constant-arrival-rate",
            **rate_fields(step.rate),
            "duration": _seconds(step.seconds),
            "startTime": _seconds(offset),
            "preAllocatedVUs": pre,
            "maxVUs": max(pre, plan.max_vus),
            "gracefulStop": _seconds(plan.timeout_s + 1),
            "tags": {"step": str(step.index)},
        }
        offset += step.seconds
    return result


def k6_options(plan: LoadPlan, steps: Sequence[StepSpec]) -> dict[str, object]:
    return {
        "discardResponseBodies": True,
        "scenarios": scenarios(plan, steps),
        "systemTags": ["status", "method", "scenario", "expected_response", "error_code"],
        "summaryTrendStats": ["p(50)", "p(95)", "p(99)", "max"],
    }


def render(plan: LoadPlan, steps: Sequence[StepSpec]) -> str:
    """The k6 script for ``steps`` of ``plan``."""
    values = {
        "__BASE__": plan.target,
        "__ENDPOINTS__": [{"method": e.method, "path": e.path} for e in plan.endpoints],
        "__FLOWS__": [list(f.endpoints) for f in plan.flows],
        "__JOURNEY__": [f.is_journey for f in plan.flows],
        "__SCHEDULE__": schedule([f.weight for f in plan.flows]),
        "__TIMEOUT__": _seconds(plan.timeout_s),
        "__OPTIONS__": k6_options(plan, steps),
    }
    encoded = {marker: json.dumps(value, ensure_ascii=True) for marker, value in values.items()}
    # one pass, so a marker-like text inside a config string is never substituted again
    return _MARKER.sub(lambda m: encoded[m.group(0)], _BODY)
