"""Give findings the endpoint they sit behind and who can reach it.

A finding inside a handler takes that handler's endpoint. A finding in a helper takes the
endpoints of the handlers that call it when *only* handlers call it (through up to five calls);
a helper also called from a script, a task or code we cannot see keeps no endpoint, because then
the handlers do not decide who reaches it. A data flow whose source step lies in a handler takes
that handler's reach wherever its sink is. With several endpoints, the most exposed one is named
(and ``endpoints`` says how many): the auth property is the lowest level among them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from stackaudit.model import Finding
from stackaudit.scope.build import Scope
from stackaudit.scope.model import Endpoint
from stackaudit.scope.reach import CachedScope

AUTH_PROPERTY = "auth"
ENDPOINTS_PROPERTY = "endpoints"


class Attacher:
    def __init__(self, scope: Scope | CachedScope) -> None:
        self.scope = scope
        self.by_handler: dict[str, list[Endpoint]] = {}
        for ep in scope.endpoints:
            self.by_handler.setdefault(ep.handler.ref, []).append(ep)
        self._cache: dict[str, list[Endpoint]] = {}

    def endpoints_at(self, path: str, line: int) -> list[Endpoint]:
        func = self.scope.index.func_at(path, line)
        if func is None:
            return self._class_level(path, line)
        if func.ref not in self._cache:
            direct = self.by_handler.get(func.ref)
            if direct:
                self._cache[func.ref] = direct
            else:
                roots = self.scope.graph.only_from(func.ref, set(self.by_handler))
                self._cache[func.ref] = [e for r in sorted(roots or ()) for e in self.by_handler[r]]
        return self._cache[func.ref]

    def _class_level(self, path: str, line: int) -> list[Endpoint]:
        """A finding on a view class's attributes (a ``queryset`` with no pagination)."""
        return [
            e
            for e in self.scope.endpoints
            if e.handler.path == path
            and e.handler.line <= line <= e.handler.end_line
            and "." not in e.handler.qualname
        ]

    def attach(self, finding: Finding) -> Finding:
        if not finding.location.path.endswith(".py"):
            return finding
        # A data flow is triggered where its source is: through that handler only, whichever
        # other handlers also reach the helper the sink sits in.
        source = self._source_reach(finding)
        own = [] if source else self.endpoints_at(finding.location.path, finding.location.line)
        reach = source or self._group_reach(finding, own)
        if not own and not reach:
            return finding
        props = dict(finding.properties)
        if reach:
            exposed = min(reach, key=lambda e: (e.auth.level, e.path))
            props[AUTH_PROPERTY] = exposed.auth.level.label
            if len({e.label for e in reach}) > 1:
                props[ENDPOINTS_PROPERTY] = str(len({e.label for e in reach}))
        # The map's label carries every router prefix; an analyzer's saw only its own module.
        named = source or own
        label = min(named, key=lambda e: (e.auth.level, e.path)).label if named else finding.endpoint
        return dataclasses.replace(finding, endpoint=label, properties=tuple(props.items()))

    def _source_reach(self, finding: Finding) -> list[Endpoint]:
        """A data flow's source step inside a handler: whoever reaches that handler triggers the flow,
        wherever the sink sits (a helper called through objects the call graph cannot follow)."""
        if int(finding.prop("group_size") or "1") > 1:
            return []
        for step in finding.trace:
            if step.kind == "source" and step.location.path.endswith(".py"):
                return self.endpoints_at(step.location.path, step.location.line)
        return []

    def _group_reach(self, finding: Finding, own: list[Endpoint]) -> list[Endpoint]:
        """Every endpoint a finding's places sit behind; empty when one of its places (a group
        of one root cause lists them in ``related``) is behind none: then no level decides."""
        if int(finding.prop("group_size") or "1") <= 1:
            return own
        found = list(own)
        for place in (finding.location, *finding.related):
            at = self.endpoints_at(place.path, place.line) if place.path.endswith(".py") else []
            if not at:
                return []
            found += at
        return found


def attach_endpoints(findings: Sequence[Finding], scope: Scope | CachedScope) -> list[Finding]:
    attacher = Attacher(scope)
    return [attacher.attach(f) for f in findings]
