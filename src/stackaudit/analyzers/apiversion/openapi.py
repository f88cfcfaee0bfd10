"""Breaking changes between two OpenAPI documents (3.x, and Swagger 2's equivalent keys).

Operations are matched by path and method, parameters by name and location, responses by
status code and media type; schemas go through ``schema.diff``. Parameters, request bodies and
responses written as a ``$ref`` to ``components`` (or Swagger's top-level ``parameters`` and
``responses``) are resolved first, so a change made in a shared component is reported at every
operation that uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from stackaudit.analyzers.apiversion.rules import ENDPOINT_REMOVED, REQUIRED_ADDED, RESPONSE_REMOVED
from stackaudit.analyzers.apiversion.schema import Change, Json, diff, diff_named

Params = dict[tuple[str, str], dict[str, Json]]  # (name, in) -> parameter
MAX_REFS = 8
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def is_openapi(doc: Json) -> bool:
    return (
        isinstance(doc, dict)
        and ("openapi" in doc or "swagger" in doc)
        and isinstance(doc.get("paths"), dict)
    )


def _dict(value: Json) -> dict[str, Json]:
    return value if isinstance(value, dict) else {}


def resolve(doc: Json, node: Json) -> Json:
    """A local ``$ref`` object (``#/components/parameters/Tenant``, Swagger's ``#/parameters/…``)
    replaced by its target, chains followed; None when it does not resolve. Used for
    parameters, request bodies and responses only: schemas are diffed under their own name, and
    a different schema ``$ref`` is a type change (``schema.py``)."""
    for _ in range(MAX_REFS):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node  # not a reference, or one to another file: compared as written
        target = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return None
            target = target[part]
        node = target
    return None  # a loop of references


def _params(doc: Json, path_item: dict[str, Json], op: dict[str, Json]) -> Params:
    out: Params = {}
    for param in [*(path_item.get("parameters") or []), *(op.get("parameters") or [])]:
        param = resolve(doc, param)
        if isinstance(param, dict) and "name" in param:
            out[(str(param["name"]), str(param.get("in", "")))] = param
    return out


def _parameters(before: Params, after: Params, where: tuple[str, ...]) -> Iterator[Change]:
    for key, param in after.items():
        label = f"{key[1]} parameter {key[0]!r}"
        if param.get("required") is True and not (key in before and before[key].get("required") is True):
            how = "became required" if key in before else "is new and required"
            yield Change(REQUIRED_ADDED, (*where, key[0]), f"{label} {how}")
        if key in before:
            old_schema = before[key].get("schema", before[key])
            yield from diff(old_schema, param.get("schema", param), (*where, key[0]))


def _content(old: Json, new: Json, where: tuple[str, ...]) -> Iterator[Change]:
    """Schemas per media type (OpenAPI 3) or the ``schema`` itself (Swagger 2)."""
    old, new = _dict(old), _dict(new)
    if "schema" in old and "schema" in new:
        yield from diff(old["schema"], new["schema"], where)
    before, after = _dict(old.get("content")), _dict(new.get("content"))
    for media, body in before.items():
        if media in after:
            yield from diff(_dict(body).get("schema"), _dict(after[media]).get("schema"), (*where, media))


def _operation(
    docs: tuple[Json, Json], ops: tuple[dict[str, Json], dict[str, Json]], where: tuple[str, ...]
) -> Iterator[Change]:
    (old_doc, new_doc), (old, new) = docs, ops
    old_body = _dict(resolve(old_doc, old.get("requestBody")))
    new_body = _dict(resolve(new_doc, new.get("requestBody")))
    if new_body.get("required") is True and old_body.get("required") is not True:
        yield Change(REQUIRED_ADDED, (*where, "requestBody"), "request body became required")
    yield from _content(old_body, new_body, (*where, "requestBody"))
    old_responses, new_responses = _dict(old.get("responses")), _dict(new.get("responses"))
    new_codes = {str(c): r for c, r in new_responses.items()}
    for code, response in old_responses.items():
        if str(code) not in new_codes:
            yield Change(RESPONSE_REMOVED, (*where, "responses"), f"response {code} removed")
            continue
        after = resolve(new_doc, new_codes[str(code)])
        if after is None and resolve(old_doc, response) is not None:
            ref = _dict(new_codes[str(code)]).get("$ref")
            detail = f"response {code} removed (its $ref {ref} no longer resolves)"
            yield Change(RESPONSE_REMOVED, (*where, "responses", str(code)), detail)
            continue
        yield from _content(resolve(old_doc, response), after, (*where, str(code)))


def changes(old: Json, new: Json) -> Iterator[Change]:
    """Every breaking change from the ``old`` document to the ``new`` one."""
    old_paths, new_paths = _dict(old.get("paths")), _dict(new.get("paths"))
    for path, item in old_paths.items():
        old_item, new_item = _dict(item), _dict(new_paths.get(path))
        for method in METHODS:
            if method not in old_item:
                continue
            label = f"{method.upper()} {path}"
            if method not in new_item:
                where = ("paths", path) if path in new_paths else ("paths",)
                yield Change(ENDPOINT_REMOVED, where, f"operation {label} removed")
                continue
            old_op, new_op = _dict(old_item[method]), _dict(new_item[method])
            params = (_params(old, old_item, old_op), _params(new, new_item, new_op))
            at: tuple[str, ...] = ("paths", path, method)
            found = chain(
                _parameters(params[0], params[1], (*at, "parameters")),
                _operation((old, new), (old_op, new_op), at),
            )
            for change in found:
                tail = ".".join(change.where[3:])
                yield Change(change.rule, change.where, f"{label} {tail}: {change.detail}".replace(" :", ":"))
    yield from diff_named(
        _dict(old.get("components")).get("schemas"),
        _dict(new.get("components")).get("schemas"),
        ("components", "schemas"),
    )
    yield from diff_named(old.get("definitions"), new.get("definitions"), ("definitions",))
