"""Give findings the endpoint they sit behind and who can reach it.

A finding inside a handler takes that handler's endpoint. A finding in a helper takes the
endpoints of the handlers that call it when *only* handlers call it (through up to five calls);
a helper also called from a script, a task or code we cannot see keeps no endpoint, because then
the handlers do not decide who reaches it. With several endpoints, the most exposed one is named
(and ``endpoints`` says how many): the auth property is the lowest level among them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from stackaudit.model import Finding
from stackaudit.scope.build import Scope
from stackaudit.scope.model import Endpoint

AUTH_PROPERTY = "auth"
ENDPOINTS_PROPERTY = "endpoints"


class Attacher:
    def __init__(self, scope: Scope) -> None:
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
        if finding.location.path.endswith(".py") is False:
            return finding
        found = self.endpoints_at(finding.location.path, finding.location.line)
        if not found:
            return finding
        exposed = min(found, key=lambda e: (e.auth.level, e.path))
        props = dict(finding.properties)
        props[AUTH_PROPERTY] = exposed.auth.level.label
        if len(found) > 1:
            props[ENDPOINTS_PROPERTY] = str(len({e.label for e in found}))
        return dataclasses.replace(
            finding, endpoint=finding.endpoint or exposed.label, properties=tuple(props.items())
        )


def attach_endpoints(findings: Sequence[Finding], scope: Scope) -> list[Finding]:
    attacher = Attacher(scope)
    return [attacher.attach(f) for f in findings]
