"""Avro schemas (``.avsc`` files, JSON) turned into the JSON-Schema-like dicts ``schema.diff``
compares, carrying Avro's own resolution rules.

Why our own: the Avro libraries on PyPI (``avro``, ``fastavro``) parse and validate schemas but
do not compare two of them; the compatibility checkers live in schema registries (Java) or in
young single-author packages. What a rollout needs is small: during one, old consumers read
messages written with the new schema and new consumers read the messages already queued.

- A field with a ``default`` can be removed: a reader still declaring it fills in the default.
  It is marked ``x-removable``. A field without one is ``required``.
- A field renamed with ``aliases`` naming the old one is still a removal for old readers unless
  the old field had a default. The aliases are kept (``x-aliases``) so the message says renamed.
- An enum with a ``default`` symbol tolerates unknown symbols: its symbols are not compared.
- A union's members and a named type's full name are its type; ``["null", "string"]`` from
  ``"string"`` is a nullable widening, not reported.
"""

from __future__ import annotations

from stackaudit.analyzers.apiversion.schema import Json

MAX_DEPTH = 32


def is_avro(doc: Json) -> bool:
    """A record schema, or a list of them (a union file)."""
    if isinstance(doc, list):
        return bool(doc) and all(is_avro(d) for d in doc)
    return isinstance(doc, dict) and doc.get("type") == "record" and isinstance(doc.get("fields"), list)


def _full_name(node: dict[str, Json]) -> str:
    name = str(node.get("name", "?"))
    space = node.get("namespace")
    return name if "." in name or not space else f"{space}.{name}"


def document(doc: Json) -> dict[str, Json]:
    """The whole file: one record, or a list of records as named definitions."""
    if isinstance(doc, list):
        records = {_full_name(r): record(r) for r in doc if isinstance(r, dict)}
        return {"x-avro-name": ",".join(records), "definitions": records}
    return record(doc)


def record(node: dict[str, Json], depth: int = 0) -> dict[str, Json]:
    properties: dict[str, Json] = {}
    required: list[str] = []
    for field in node.get("fields") or []:
        if not isinstance(field, dict) or "name" not in field:
            continue
        name = str(field["name"])
        prop = _type(field.get("type"), depth + 1)
        if "default" in field:
            prop["x-removable"] = True
        else:
            required.append(name)
        if isinstance(field.get("aliases"), list):
            prop["x-aliases"] = [str(a) for a in field["aliases"]]
        properties[name] = prop
    return {
        "x-py-type": [_full_name(node)],
        "x-avro-name": _full_name(node),
        "properties": properties,
        "required": required,
    }


def _type(node: Json, depth: int) -> dict[str, Json]:
    if depth > MAX_DEPTH:
        return {}
    if isinstance(node, str):
        return {"x-py-type": [node]}
    if isinstance(node, list):
        members = [_type(m, depth + 1) for m in node]
        out: dict[str, Json] = {
            "x-py-type": sorted({str(k) for m in members for k in m.get("x-py-type", [])})
        }
        shaped = [m for m in members if set(m) - {"x-py-type"}]
        if len(shaped) == 1:  # ["null", {record}]: compare the record's fields too
            out.update({k: v for k, v in shaped[0].items() if k != "x-py-type"})
        return out
    if not isinstance(node, dict):
        return {}
    kind = node.get("type")
    if kind == "record":
        return record(node, depth)
    if kind == "enum":
        out = {"x-py-type": [_full_name(node)]}
        if "default" not in node and isinstance(node.get("symbols"), list):
            out["enum"] = list(node["symbols"])
        return out
    if kind in ("array", "map"):
        inner = node.get("items" if kind == "array" else "values")
        return {"x-py-type": [str(kind)], "items": _type(inner, depth + 1)}
    if kind == "fixed":
        return {"x-py-type": [f"{_full_name(node)}(fixed {node.get('size')})"]}
    logical = node.get("logicalType")
    return {"x-py-type": [f"{kind}/{logical}" if logical else str(kind)]}
