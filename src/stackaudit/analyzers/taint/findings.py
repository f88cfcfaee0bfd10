"""Findings of the taint engine: one per sink site, the best-known origin kept, plus the proofs.

A flow that reaches a sink becomes a finding through its rule, with its origin (see
``origins.py``); a later flow with a better-known origin at the same site replaces it
(a request flow found through another caller replaces a parameter of unknown origin).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.modules import ModuleInfo
from stackaudit.analyzers.taint.origins import UNKNOWN_ORIGIN_CWES, Origin, of_taint
from stackaudit.analyzers.taint.proofs import Sites
from stackaudit.analyzers.taint.rules import TAINT_RULES
from stackaudit.analyzers.taint.summary import SinkHit, Summary
from stackaudit.analyzers.taint.values import OWN_PATH, SourceKind
from stackaudit.model import CodeContext, Confidence, Finding, Location, Severity, TraceStep

_SECOND_HAND = frozenset({SourceKind.STORED, SourceKind.UNKNOWN})
_CONTEXT = {SourceKind.REQUEST: CodeContext.HANDLER, SourceKind.CLI: CodeContext.SCRIPT}


class Findings:
    """The findings and the sink sites of one run."""

    def __init__(self) -> None:
        self.found: dict[tuple[int, str, int, int], Finding] = {}
        self._ranks: dict[tuple[int, str, int, int], int] = {}
        self.sites = Sites()

    def record(self, hit: SinkHit, has_caller: bool = False) -> None:
        """A finding for a flow that reached a sink; a better-known origin replaces a worse one."""
        origin = of_taint(hit.taint, hit.cwe, has_caller)
        if hit.taint.kind in _SECOND_HAND and hit.cwe not in UNKNOWN_ORIGIN_CWES:
            return  # a path, URL or HTML fragment from the database or a library: noise, not signal
        if hit.taint.kind is SourceKind.UNKNOWN and hit.cwe == tb.SQL:
            return  # an object a library built (an ORM select) is a parameterised query as often as not
        taint = hit.taint
        trace = (taint.origin, *taint.steps, TraceStep(hit.location, f"reaches {hit.label}", "sink"))
        source = taint.origin.note
        self._add(
            hit.cwe,
            hit.location,
            origin,
            f"{source} reaches {hit.label}",
            hit.snippet,
            trace,
            taint.kind,
            taint.endpoint,
            # a header through a framework that refuses CR/LF: its value's meaning, not the framing;
            # a redirect to the request's own path: away only for "//host" paths (values.OWN_PATH)
            Severity.LOW if hit.label.endswith(tb.VALUE_ONLY) or _own_path(hit) else None,
            Confidence.LOW if _own_path(hit) else None,
        )

    def _add(
        self,
        cwe: int,
        location: Location,
        origin: Origin,
        what: str,
        snippet: str,
        trace: tuple[TraceStep, ...],
        kind: SourceKind | None,
        endpoint: str | None,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
    ) -> None:
        key = (cwe, location.path, location.line, location.column)
        self.sites.veto(key)
        known = self._ranks.get(key)
        if known is not None and known <= origin.rank:
            return
        self._ranks[key] = origin.rank
        rule = TAINT_RULES[cwe]
        source_kind = kind.name.lower() if kind is not None else "unknown"
        self.found[key] = rule.finding(
            location,
            f"{rule.title}: {what}",
            snippet,
            severity=severity,
            confidence=confidence
            or origin.confidence
            or (kind.confidence if kind is not None else Confidence.LOW),
            trace=trace,
            context=_CONTEXT.get(kind, CodeContext.LIBRARY) if kind is not None else CodeContext.LIBRARY,
            endpoint=endpoint,
            properties=(
                ("source", trace[0].note if trace else what),
                ("source_kind", source_kind),
                ("origin", "confirmed" if origin.confirmed else "unconfirmed"),
                ("origin_reason", origin.reason),
            ),
        )

    def finish(
        self,
        summaries: dict[str, Summary],
        called: set[str],
        modules: list[ModuleInfo],
        safe_param: Callable[[str, int, int], bool],
    ) -> None:
        """After every root: parameters that reach a dangerous sink, for functions no traced flow
        fills; not when every call passes that parameter a value that cannot reach the sink."""
        candidates = [
            (qn, hit)
            for qn, summary in summaries.items()
            for hit in summary.hits
            if hit.cwe in UNKNOWN_ORIGIN_CWES
            and hit.taint.kind is SourceKind.PARAM
            and not (hit.taint.param is not None and safe_param(qn, hit.taint.param, hit.cwe))
        ]
        mentioned = _mentioned({qn.rsplit(".", 1)[-1] for qn, _ in candidates}, modules)
        ordered = []
        for qn, hit in candidates:
            has_caller = qn in called or qn.rsplit(".", 1)[-1] in mentioned
            ordered.append((has_caller, -hit.hops, qn, hit))
        # the outermost function a parameter comes from names the origin (no caller first, longest chain)
        for has_caller, _, _, hit in sorted(ordered, key=lambda c: c[:3]):
            self.record(hit, has_caller)


def _own_path(hit: SinkHit) -> bool:
    return hit.cwe == tb.REDIRECT and OWN_PATH in hit.taint.cleaned


def _mentioned(names: set[str], modules: list[ModuleInfo]) -> set[str]:
    """Which of these functions are called somewhere besides their definition (a caller not analysed)?"""
    if not names:
        return set()
    called: Counter[str] = Counter()
    defined: Counter[str] = Counter()
    alternatives = "|".join(sorted(map(re.escape, names)))
    calls = re.compile(rf"\b(def\s+)?({alternatives})\s*\(")
    for mod in modules:
        for match in calls.finditer(mod.text):
            (defined if match.group(1) else called)[match.group(2)] += 1
    return {name for name in names if called[name] > 0}
