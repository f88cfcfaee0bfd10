"""Build the threat model: one ``JourneyModel`` per declared journey (or one for the whole
service when none is declared), in a fixed order so two runs on the same code and findings
write the same bytes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stackaudit.config.schema import Config
from stackaudit.model import Assessment
from stackaudit.scope.build import Scope
from stackaudit.scope.model import Endpoint, ServiceMap
from stackaudit.threat.journeys import Journey, declared, endpoints_of, unmatched
from stackaudit.threat.model import Element, JourneyModel, Threat, ThreatModel
from stackaudit.threat.review import JourneyRecord, Review, reached_code
from stackaudit.threat.stride import Deriver

WHOLE_SERVICE = "whole service"


def journey_model(
    deriver: Deriver, smap: ServiceMap, name: str, endpoints: Sequence[Endpoint], declared: Journey | None
) -> JourneyModel:
    elements: list[Element] = []
    threats: list[Threat] = []
    for e in endpoints:
        elements.append(deriver.endpoint_element(e))
        threats.extend(deriver.endpoint_threats(e))
    handlers = {e.handler.ref for e in endpoints}
    edges = [g for g in smap.edges if g.handler in handlers]
    reached = {g.resource for g in edges}
    for res in smap.resources:
        if res.key in reached:
            element, found = deriver.resource_threats(res, edges)
            elements.append(element)
            threats.extend(found)
    whole, files = reached_code(deriver.scope, endpoints)
    return JourneyModel(
        name=name,
        critical=declared.critical if declared else False,
        declared=declared is not None,
        elements=tuple(elements),
        threats=tuple(sorted(threats, key=lambda t: (t.status, t.stride, t.element))),
        unmatched=tuple(unmatched(declared, smap.endpoints)) if declared else (),
        code_hash=whole,
        files=files,
    )


def build(
    scope: Scope,
    smap: ServiceMap,
    journeys: Sequence[Journey],
    findings: Sequence[Assessment],
    findings_from: str,
    today: str,
) -> ThreatModel:
    deriver = Deriver(scope, findings)
    models = [journey_model(deriver, smap, j.name, endpoints_of(j, smap.endpoints), j) for j in journeys]
    if not journeys:
        models.append(journey_model(deriver, smap, WHOLE_SERVICE, smap.endpoints, None))
    return ThreatModel(tuple(models), findings_from, today, smap.notes)


def for_audit(
    scope: Scope | None,
    smap: ServiceMap | None,
    config: Config,
    findings: Sequence[Assessment],
    when: datetime,
) -> ThreatModel | None:
    """The audit's threat model: only for declared journeys (a whole-service model of a large
    app is thousands of rows nobody reads in a report; ``stackaudit threat-model`` writes it)."""
    journeys = declared(config)
    if scope is None or smap is None or not journeys:
        return None
    return build(scope, smap, journeys, findings, "this audit", when.date().isoformat())


def review_of(model: ThreatModel) -> Review:
    return Review(
        model.reviewed_on,
        {j.name: JourneyRecord(j.code_hash, j.files) for j in model.journeys if j.declared},
    )
