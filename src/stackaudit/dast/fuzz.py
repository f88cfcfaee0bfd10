"""Schemathesis drives property-based requests from the OpenAPI document.

We use its Python API rather than its CLI so that every request goes through our
``GuardedSession`` (the origin fence, the request budget, the deadline) and every response
reaches the passive checks. Per operation, Hypothesis generates up to ``examples`` valid
requests (derandomised: the same document gives the same requests); the first server error
and the first schema violation of an operation become hits, and the operation stops
sending once both are known. Shrinking is off: it would spend the budget on re-sends.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from stackaudit.dast import rules
from stackaudit.dast.guard import BudgetSpent, DastError, Fence, OutOfScope, Seen, path_of, printable
from stackaudit.dast.hits import Hit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COVERAGE_CASES = 20  # boundary cases per operation, sent before the generated ones


class GuardedSession(requests.Session):
    """A requests session whose every send is fenced, unredirected and recorded."""

    def __init__(self, fence: Fence, seen: list[Seen], verify: bool = True) -> None:
        super().__init__()
        self.trust_env = False
        self.verify = verify
        self.fence = fence
        self.seen = seen
        self.operation = ""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = request.url or ""
        kwargs["timeout"] = self.fence.admit(url)
        kwargs["allow_redirects"] = False  # a redirect is the answer, never followed
        kwargs["verify"] = self.verify  # the user's choice, whatever Schemathesis' config says
        with warnings.catch_warnings():
            # --insecure was the user's choice: one warning per request says nothing new
            warnings.filterwarnings("ignore", message="Unverified HTTPS request")
            response = super().send(request, **kwargs)
        self.seen.append(
            Seen(
                method=request.method or "GET",
                path=path_of(url),
                status=response.status_code,
                headers=tuple((k.lower(), v) for k, v in response.raw.headers.items()),
                body=response.text[:65_536],
                source="schemathesis",
                operation=self.operation,
            )
        )
        return response


@dataclass
class FuzzReport:
    hits: list[Hit] = field(default_factory=list)
    operations: int = 0  # operations tried
    unsafe_skipped: int = 0  # operations that change state, not sent without the user's leave
    errors: list[str] = field(default_factory=list)  # network errors and unreadable operations


def _label(case: Any) -> str:
    return printable(f"{case.operation.method.upper()} {case.operation.path}", 300)


def _classify(failure: Exception, case: Any, status: int) -> Hit | None:
    from schemathesis.core.failures import ServerError

    label = _label(case)
    request = printable(f"{case.operation.method.upper()} {case.formatted_path}", 300)
    if isinstance(failure, ServerError):
        note = f"{label}: {request} answered {status} (server error on generated input)"
        return Hit(rules.SERVER_ERROR, label, note, endpoint=label)
    title = getattr(failure, "title", type(failure).__name__)
    if "schema" in str(title).lower():
        note = f"{label}: {request} answered {status} with a body that breaks the documented schema"
        return Hit(rules.SCHEMA_VIOLATION, label, note, endpoint=label)
    return None


def _operations(schema: Any, report: FuzzReport) -> Iterator[Any]:
    for result in schema.get_all_operations():
        try:
            yield result.ok()
        except Exception as exc:
            report.errors.append(f"operation not usable: {str(exc).splitlines()[0][:200]}")


@dataclass(frozen=True)
class FuzzPlan:
    examples: int = 10  # generated cases per operation, after the boundary cases
    verify: bool = True  # TLS certificate verification
    unsafe_methods: bool = False  # also POST, PUT, PATCH, DELETE: they may change the target's data


def fuzz(doc: dict[str, Any], fence: Fence, seen: list[Seen], plan: FuzzPlan) -> FuzzReport:
    """Generate requests for every operation until the budget or the deadline runs out.

    Only operations with safe methods are sent unless the user allows the others: a scan of a
    service someone named must not create or delete its data by default.
    """
    import schemathesis

    report = FuzzReport()
    schema = schemathesis.openapi.from_dict(doc)
    session = GuardedSession(fence, seen, plan.verify)
    try:
        for operation in _operations(schema, report):
            if fence.spent:
                break
            if operation.method.upper() not in SAFE_METHODS and not plan.unsafe_methods:
                report.unsafe_skipped += 1
                continue
            report.operations += 1
            session.operation = f"{operation.method.upper()} {operation.path}"
            report.hits += _one(operation, session, fence, plan.examples, report)
    finally:
        session.close()
    return report


def _coverage_cases(operation: Any) -> list[Any]:
    """Schemathesis' coverage phase: boundary values (minimum, maximum, empty, enum members).

    Hypothesis alone rarely sends the exact boundary (``0`` for ``minimum: 0``) in a few
    examples; Schemathesis' own runner adds these cases first, and so do we. Its generator is
    not public API, so a change in it costs the boundary cases, never the run.
    """
    try:
        from schemathesis import GenerationMode
        from schemathesis.generation.drivers import CoverageGenerator
        from schemathesis.generation.feedback import FeedbackSources
        from schemathesis.generation.overrides import Override

        config = operation.schema.config.generation_for(operation=operation, phase="coverage")
        generator = CoverageGenerator(
            operation=operation,
            generation_modes=[GenerationMode.POSITIVE],
            generation_config=config,
            auth_storage=None,
            override=Override(),
            feedback=FeedbackSources(),
        )
        return list(generator)[:COVERAGE_CASES]
    except Exception:
        return []


@dataclass
class _Attempt:
    """Send one generated case and keep the first hit of each rule for the operation."""

    session: GuardedSession
    fence: Fence
    report: FuzzReport
    found: dict[str, Hit] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.fence.spent or len(self.found) >= 2

    def __call__(self, case: Any) -> None:
        from schemathesis.checks import not_a_server_error
        from schemathesis.core.failures import FailureGroup
        from schemathesis.specs.openapi.checks import response_schema_conformance

        if self.done:
            return
        base = self.fence.target.origin + self.fence.target.prefix
        try:
            response = case.call(base_url=base, session=self.session)
        except (OutOfScope, BudgetSpent):
            return
        except requests.RequestException as exc:
            self.report.errors.append(f"{_label(case)}: {type(exc).__name__}")
            return
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except FailureGroup as group:
            for failure in group.exceptions:
                hit = _classify(failure, case, response.status_code)
                if hit is not None:
                    self.found.setdefault(hit.rule.id, hit)


def _one(
    operation: Any, session: GuardedSession, fence: Fence, examples: int, report: FuzzReport
) -> list[Hit]:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings

    attempt = _Attempt(session, fence, report)
    for case in _coverage_cases(operation):
        attempt(case)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        attempt(case)

    if not attempt.done:
        with contextlib.suppress(DastError):
            run()
    return list(attempt.found.values())
