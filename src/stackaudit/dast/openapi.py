"""The OpenAPI document: where it comes from, its operations and their security requirements.

The document is data the user supplied (a file) or the target served (``/openapi.json``,
fetched only when allowed); it is parsed with ``json``/``yaml`` and never trusted for more
than a list of operations. A document that does not parse is a "not analysed" entry; the
header, cookie and CORS probes still run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stackaudit.dast.guard import printable

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"\{([^}/]+)\}")


class BadDocument(ValueError):
    """The OpenAPI document cannot be read or is not an OpenAPI object."""


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # upper case
    path: str  # the template: /items/{item_id}
    schemes: tuple[str, ...]  # security schemes of the first requirement that names any
    secured: bool  # every alternative requirement names a scheme (no ``{}`` escape)
    samples: tuple[tuple[str, str], ...] = ()  # path parameter -> a value to send

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def sample_path(self) -> str:
        values = dict(self.samples)
        return _PARAM.sub(lambda m: values.get(m.group(1), "1"), self.path)


def parse_text(text: str, name: str) -> dict[str, Any]:
    """A JSON or YAML OpenAPI object; ``BadDocument`` naming ``name`` otherwise."""
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise BadDocument(f"{name}: does not parse: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise BadDocument(f"{name}: not an OpenAPI document (no `paths` object)")
    if not str(data.get("openapi", data.get("swagger", ""))).startswith(("3.", "2.")):
        raise BadDocument(f"{name}: no `openapi: 3.x` (or `swagger: 2.0`) version field")
    return data


def load_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadDocument(f"{path}: cannot be read: {exc}") from None
    return parse_text(text, str(path))


def _sample(param: dict[str, Any]) -> str:
    schema = param.get("schema") if isinstance(param.get("schema"), dict) else {}
    assert isinstance(schema, dict)
    for source in (param, schema):
        for key in ("example", "default"):
            if key in source and isinstance(source[key], str | int | float):
                return str(source[key])
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return str(enum[0])
    return "1"


def _samples(params: list[Any]) -> tuple[tuple[str, str], ...]:
    found = []
    for p in params:
        if isinstance(p, dict) and p.get("in") == "path" and isinstance(p.get("name"), str):
            found.append((p["name"], _sample(p)))
    return tuple(found)


def _security(requirements: object) -> tuple[bool, tuple[str, ...]]:
    if not isinstance(requirements, list) or not requirements:
        return False, ()
    alternatives = [r for r in requirements if isinstance(r, dict)]
    secured = bool(alternatives) and all(alternatives)  # a {} alternative means "or none"
    schemes = next((tuple(str(k) for k in r) for r in alternatives if r), ())
    return secured, schemes


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def operations(doc: dict[str, Any]) -> list[Operation]:
    """Every operation with its effective security (its own, else the document's)."""
    found: list[Operation] = []
    default = doc.get("security")
    for path, item in doc["paths"].items():
        if not isinstance(item, dict) or not isinstance(path, str):
            continue
        shared = _list(item.get("parameters"))
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            own = _list(op.get("parameters"))
            secured, schemes = _security(op.get("security", default))
            schemes = tuple(printable(s, 60) for s in schemes)
            found.append(
                Operation(method.upper(), printable(path, 300), schemes, secured, _samples([*shared, *own]))
            )
    return found
