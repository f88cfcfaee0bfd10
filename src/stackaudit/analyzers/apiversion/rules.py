"""API and event versioning rules: changes that break clients still on the previous version.

Each ``doc`` is the playbook. The common fix is expand and contract: serve both versions side by
side (a new field next to the old one, ``/v2`` next to ``/v1``, a new event type or schema
version next to the old one), move the consumers, and only then remove the old shape.
"""

from __future__ import annotations

from stackaudit.model import Category, Confidence, RuleMeta, Severity

_SIDE_BY_SIDE = """
    Fix (expand and contract): keep the old shape working while the new one ships. Add, do not
    change: a new field or endpoint next to the old one (or a ``/v2`` route, a new event version
    with both published), mark the old one deprecated (OpenAPI ``deprecated: true``, a
    ``Deprecation``/``Sunset`` header), move every consumer, watch the old one's traffic fall to
    zero, and remove it in a later release.
"""


def _rule(rule_id: str, title: str, severity: Severity, doc: str, fix: str, impact: float = 7.0) -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        title=title,
        category=Category.SCALABILITY,
        severity=severity,
        doc=doc + _SIDE_BY_SIDE,
        impact=impact,
        likelihood=6.0,
        effort=1.0,
        confidence=Confidence.HIGH,
        fix=fix,
        tags=("api-versioning", "expand-contract"),
    )


ENDPOINT_REMOVED = _rule(
    "api.endpoint-removed",
    "Endpoint or operation removed from the API",
    Severity.HIGH,
    """
    An OpenAPI path, or one method of it, present at the baseline ref is gone (also a whole
    OpenAPI document with no similar one at another path, and a protobuf ``rpc``).

    Why it matters: during a rolling deploy, and for as long as old mobile apps, SDKs and partner
    integrations live, clients still call it and now get 404 or 405.
    """,
    "Keep the endpoint (deprecated) until its traffic is gone; remove it in a later release.",
    impact=8.0,
)
FIELD_REMOVED = _rule(
    "api.field-removed",
    "Field removed or renamed in an API or event schema",
    Severity.HIGH,
    """
    A property of an OpenAPI schema, a JSON Schema file, an Avro record (one with no
    ``default``), a protobuf message (a field number gone and not ``reserved``) or a Python model
    (pydantic, or a dataclass, attrs class or TypedDict used as an event or payload) present at
    the baseline ref is gone (or renamed: a field of the same type, or an Avro field whose
    ``aliases`` name the old one, appeared in its place), or the whole schema or file is gone.

    Why it matters: consumers of a response or of an event still read the old field and get
    nothing (or fail validation); producers on the old version still send it, and a strict schema
    (``additionalProperties: false``, ``extra="forbid"``) now refuses their messages.
    """,
    "Keep the old field next to the new one (write both) until every consumer reads the new one.",
)
TYPE_CHANGED = _rule(
    "api.type-changed",
    "Field or parameter type changed",
    Severity.HIGH,
    """
    The type of a property, parameter or model field differs from the baseline ref (``integer``
    → ``string``, ``int`` → ``str``, a different ``$ref``). Making a field nullable only
    (adding ``null`` / ``None``) is not reported.

    Why it matters: old clients parse the value with the old type, and old producers send values
    the new schema rejects; queued events written before the deploy are read by new code.
    """,
    "Add a new field with the new type next to the old one; migrate consumers; drop the old later.",
)
REQUIRED_ADDED = _rule(
    "api.required-added",
    "New required field or parameter",
    Severity.HIGH,
    """
    A request parameter, a request body, a schema property or a model field is required now and
    was not at the baseline ref (new, or made required).

    Why it matters: every client and producer built against the old version omits it: their
    requests get 400/422 and their events fail validation, including messages already queued.
    """,
    "Add the field optional with a default; make it required only once every producer sends it.",
)
ENUM_NARROWED = _rule(
    "api.enum-narrowed",
    "Enum values removed",
    Severity.MEDIUM,
    """
    An enum (OpenAPI/JSON Schema ``enum``, a ``Literal[...]`` or an ``Enum`` class used by a
    pydantic field) lost values present at the baseline ref.

    Why it matters: old clients still send the removed values (rejected now), and stored or
    queued data still holds them (new consumers fail on them).
    """,
    "Keep accepting the old values (map them to new ones) until no producer sends them.",
    impact=6.0,
)
RESPONSE_REMOVED = _rule(
    "api.response-removed",
    "Response status code removed from an operation",
    Severity.MEDIUM,
    """
    An operation no longer documents a response code it documented at the baseline ref.

    Why it matters: clients generated from the old document handle that code (a 201 with a
    body, a 409 with an error shape); the server now answers something they do not expect.
    """,
    "Keep answering with the documented code, or add the new code beside it for one release.",
    impact=5.0,
)

RULES: tuple[RuleMeta, ...] = (
    ENDPOINT_REMOVED,
    FIELD_REMOVED,
    TYPE_CHANGED,
    REQUIRED_ADDED,
    ENUM_NARROWED,
    RESPONSE_REMOVED,
)
