"""Journeys: named lists of endpoints from config, matched against the service map's endpoints
and the ``endpoint`` label findings carry.

A journey names endpoints as people write them (``"POST /orders/{id}/pay"``) while the map keeps
each framework's own syntax (``/orders/<int:order_id>/pay``); both are reduced to one shape
before they are compared: parameters become ``{}``, the trailing slash goes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stackaudit.config.schema import Config
from stackaudit.model import Finding
from stackaudit.scope.model import Endpoint

JOURNEY_PROPERTY = "journey"  # "checkout" or "checkout,signup"
CRITICAL_PROPERTY = "journey_critical"  # the first critical journey a finding sits on
_PARAM = re.compile(r"^(<[^>]*>|\{[^}]*\}|:[A-Za-z_]\w*|\(\?P<[^>]+>.*\)|\[[^\]]*\])$")
_METHOD = re.compile(r"^([A-Za-z|*]+)\s+(\S.*)$")


@dataclass(frozen=True, slots=True)
class Journey:
    name: str
    endpoints: tuple[str, ...]  # as declared
    critical: bool = False
    source: str = "journeys"  # "journeys" or "slo" (an SLO with steps)


@dataclass(frozen=True, slots=True)
class Spec:
    """One declared endpoint: its methods (empty: any) and its normalised path."""

    methods: frozenset[str]
    path: str
    prefix: bool = False

    @classmethod
    def parse(cls, text: str) -> Spec:
        text = text.strip()
        found = _METHOD.match(text)
        methods: frozenset[str] = frozenset()
        if found and not found.group(1).startswith("/"):
            methods = frozenset(m.upper() for m in found.group(1).split("|") if m and m != "*")
            text = found.group(2).strip()
        prefix = text.endswith("*")
        return cls(methods, normalise(text.rstrip("*")), prefix)

    def matches(self, methods: Iterable[str], path: str) -> bool:
        have = {m.upper() for m in methods}
        if self.methods and "*" not in have and not self.methods & have:
            return False
        norm = normalise(path)
        if self.prefix:
            return norm == self.path or norm.startswith(self.path.rstrip("/") + "/")
        return norm == self.path


def normalise(path: str) -> str:
    """``/orders/<int:id>/`` and ``orders/{order_id}`` both become ``/orders/{}``."""
    path = path.strip().removeprefix("^").removesuffix("$")
    parts = [p for p in path.split("/") if p]
    shaped = ["{}" if _PARAM.match(p) else p for p in parts]
    return "/" + "/".join(shaped)


def split_label(label: str) -> tuple[tuple[str, ...], str]:
    """``"GET|POST /orders"`` → (("GET", "POST"), "/orders"); a bare path means any method."""
    found = _METHOD.match(label.strip())
    if found and not found.group(1).startswith("/"):
        return tuple(found.group(1).split("|")), found.group(2)
    return ("*",), label.strip()


def declared(config: Config) -> list[Journey]:
    """``[journeys.*]`` first, then SLOs with ``steps`` not already named; sorted by name."""
    out = {
        name: Journey(name, tuple(j.endpoints), j.critical, "journeys") for name, j in config.journeys.items()
    }
    for name, slo in config.slo.items():
        if slo.steps and name not in out:
            out[name] = Journey(name, tuple(slo.steps), False, "slo")
    return [out[k] for k in sorted(out)]


def on_journey(journey: Journey, methods: Iterable[str], path: str) -> bool:
    wanted = tuple(methods)
    return any(Spec.parse(s).matches(wanted, path) for s in journey.endpoints)


def endpoints_of(journey: Journey, endpoints: Sequence[Endpoint]) -> list[Endpoint]:
    return [e for e in endpoints if on_journey(journey, e.methods, e.path)]


def unmatched(journey: Journey, endpoints: Sequence[Endpoint]) -> list[str]:
    """Declared endpoints the map does not have (a typo, or a route read dynamically)."""
    return [
        s for s in journey.endpoints if not any(Spec.parse(s).matches(e.methods, e.path) for e in endpoints)
    ]


def journeys_at(journeys: Sequence[Journey], label: str | None) -> list[Journey]:
    if not label:
        return []
    methods, path = split_label(label)
    return [j for j in journeys if on_journey(j, methods, path)]


def mark(findings: Sequence[Finding], journeys: Sequence[Journey]) -> list[Finding]:
    """Give each finding behind a journey's endpoint the ``journey`` property (and the first
    critical journey's name in ``journey_critical``, which Impact reads)."""
    if not journeys:
        return list(findings)
    out = []
    for f in findings:
        on = journeys_at(journeys, f.endpoint)
        if not on:
            out.append(f)
            continue
        props = dict(f.properties)
        props[JOURNEY_PROPERTY] = ",".join(j.name for j in on)
        critical = [j.name for j in on if j.critical]
        if critical:
            props[CRITICAL_PROPERTY] = critical[0]
        out.append(dataclasses.replace(f, properties=tuple(props.items())))
    return out
