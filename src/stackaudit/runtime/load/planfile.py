"""The plan file written beside a k6 script, so raw outputs from several hosts can be merged
and analysed later (``stackaudit load merge --plan PLAN FILES...``) without the config."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from stackaudit.config.sections.runtime import SLOConfig
from stackaudit.runtime.load.model import Endpoint, Flow, LoadPlan, Mode, PlanError, StepSpec

PLAN_VERSION = 1


@dataclass(frozen=True, slots=True)
class PlanFile:
    plan: LoadPlan
    mode: Mode
    steps: tuple[StepSpec, ...]
    slos: Mapping[str, SLOConfig]


def dump(doc: PlanFile) -> str:
    p = doc.plan
    data = {
        "schema": "stackaudit.load-plan",
        "version": PLAN_VERSION,
        "mode": doc.mode.value,
        "target": p.target,
        "timeout_s": p.timeout_s,
        "max_vus": p.max_vus,
        "endpoints": [{"name": e.name, "method": e.method, "path": e.path} for e in p.endpoints],
        "flows": [
            {"name": f.name, "endpoints": list(f.endpoints), "weight": f.weight, "journey": f.is_journey}
            for f in p.flows
        ],
        "steps": [{"index": s.index, "rate": s.rate, "seconds": s.seconds} for s in doc.steps],
        "slos": {k: v.model_dump(exclude_defaults=True) for k, v in doc.slos.items()},
    }
    return json.dumps(data, indent=2) + "\n"


def _build(data: dict[str, Any]) -> PlanFile:
    plan = LoadPlan(
        target=str(data["target"]),
        endpoints=tuple(
            Endpoint(str(e["name"]), str(e["method"]), str(e["path"])) for e in data["endpoints"]
        ),
        flows=tuple(
            Flow(
                str(f["name"]),
                tuple(int(i) for i in f["endpoints"]),
                float(f["weight"]),
                bool(f.get("journey", False)),
            )
            for f in data["flows"]
        ),
        timeout_s=float(data.get("timeout_s", 10.0)),
        max_vus=int(data.get("max_vus", 500)),
    )
    steps = tuple(StepSpec(int(s["index"]), float(s["rate"]), float(s["seconds"])) for s in data["steps"])
    slos = {str(k): SLOConfig.model_validate(v) for k, v in dict(data.get("slos", {})).items()}
    return PlanFile(plan, Mode(str(data["mode"])), steps, slos)


def load(path: Path) -> PlanFile:
    """Read a plan file; anything wrong is a PlanError naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != "stackaudit.load-plan":
            raise PlanError(f"{path}: not a stackaudit load plan (schema {data.get('schema')!r})")
        return _build(data)
    except PlanError:
        raise
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
        raise PlanError(f"{path}: unreadable load plan ({exc})") from exc
