"""Breaking changes between two OpenAPI documents (3.x, and Swagger 2's equivalent keys).

Operations are matched by path and method, parameters by name and location, responses by
status code and media type; schemas go through ``schema.diff``.
"""

from __future__ import annotations

from collections.abc import Iterator

from stackaudit.analyzers.apiversion.rules import ENDPOINT_REMOVED, REQUIRED_ADDED, RESPONSE_REMOVED
from stackaudit.analyzers.apiversion.schema import Change, Json, diff, diff_named

Params = dict[tuple[str, str], dict[str, Json]]  # (name, in) -> parameter
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def is_openapi(doc: Json) -> bool:
    return (
        isinstance(doc, dict)
        and ("openapi" in doc or "swagger" in doc)
        and isinstance(doc.get("paths"), dict)
    )


def _dict(value: Json) -> dict[str, Json]:
    return value if isinstance(value, dict) else {}


def _params(path_item: dict[str, Json], op: dict[str, Json]) -> Params:
    out: Params = {}
    for param in [*(path_item.get("parameters") or []), *(op.get("parameters") or [])]:
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
    old: dict[str, Json], new: dict[str, Json], where: tuple[str, ...], params: tuple[Params, Params]
) -> Iterator[Change]:
    yield from _parameters(params[0], params[1], (*where, "parameters"))
    old_body, new_body = _dict(old.get("requestBody")), _dict(new.get("requestBody"))
    if new_body.get("required") is True and old_body.get("required") is not True:
        yield Change(REQUIRED_ADDED, (*where, "requestBody"), "request body became required")
    yield from _content(old_body, new_body, (*where, "requestBody"))
    old_responses, new_responses = _dict(old.get("responses")), _dict(new.get("responses"))
    for code, response in old_responses.items():
        if str(code) not in {str(c) for c in new_responses}:
            yield Change(RESPONSE_REMOVED, (*where, "responses"), f"response {code} removed")
        else:
            yield from _content(
                response, new_responses.get(code, new_responses.get(str(code))), (*where, str(code))
            )


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
            params = (_params(old_item, old_op), _params(new_item, new_op))
            for change in _operation(old_op, new_op, ("paths", path, method), params):
                tail = ".".join(change.where[3:])
                yield Change(change.rule, change.where, f"{label} {tail}: {change.detail}".replace(" :", ":"))
    yield from diff_named(
        _dict(old.get("components")).get("schemas"),
        _dict(new.get("components")).get("schemas"),
        ("components", "schemas"),
    )
    yield from diff_named(old.get("definitions"), new.get("definitions"), ("definitions",))
