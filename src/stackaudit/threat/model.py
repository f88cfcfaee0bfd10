"""Value types of the threat model. Pure data, no I/O; ordered enums so outputs sort the same way
every time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Stride(IntEnum):
    SPOOFING = 0
    TAMPERING = 1
    REPUDIATION = 2
    INFORMATION_DISCLOSURE = 3
    DENIAL_OF_SERVICE = 4
    ELEVATION_OF_PRIVILEGE = 5

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").lower()

    @property
    def letter(self) -> str:
        return self.name[0]


class ThreatStatus(IntEnum):
    """Ordered by what a reviewer reads first: evidence of the threat, then what nobody checked."""

    EVIDENCED = 0  # existing findings show it
    OPEN = 1  # no finding, no mitigation seen: review by hand
    MITIGATED = 2  # the code shows a control (auth, rate limit, audit event, fixed host, TLS)

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Element:
    """One node of a journey's data-flow diagram."""

    kind: str  # endpoint, datastore, outbound, queue
    key: str  # the endpoint's label or the resource's key
    name: str  # what a reader sees
    boundary: str  # the trust boundary crossed to reach it ("internet → service")


@dataclass(frozen=True, slots=True)
class Link:
    """A finding that evidences a threat."""

    fingerprint: str
    rule_id: str
    path: str
    line: int
    message: str
    score: float


@dataclass(frozen=True, slots=True)
class Threat:
    element: str  # Element.key
    stride: Stride
    title: str
    status: ThreatStatus
    question: str  # what to ask when reviewing by hand
    mitigation: str = ""  # the control seen in the code
    checks: tuple[str, ...] = ()  # rule ids or prefixes that look for it
    findings: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class JourneyModel:
    name: str
    critical: bool
    declared: bool  # False: the whole service (no journey declared)
    elements: tuple[Element, ...]
    threats: tuple[Threat, ...]
    unmatched: tuple[str, ...] = ()  # declared endpoints the map does not have
    code_hash: str = ""
    files: tuple[tuple[str, str], ...] = ()  # (path, hash of the reached code in it)


@dataclass(frozen=True, slots=True)
class ThreatModel:
    journeys: tuple[JourneyModel, ...]
    findings_from: str  # "stored run 1a2b3c4d5e6f of 2026-12-01" or why there are none
    reviewed_on: str  # ISO date of this review
    notes: tuple[str, ...] = ()
