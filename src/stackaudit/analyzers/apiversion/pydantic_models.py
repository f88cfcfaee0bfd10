"""Pydantic models read statically (``ast``, never imported) into JSON-Schema-like dicts.

A model is a class whose ancestry, through the project's own classes, reaches ``BaseModel``.
Its fields are the annotated class attributes (``ClassVar``, private names and
``model_config`` left out), named by their alias when ``Field(alias=...)`` gives one; a field is
required when it has no default (pydantic 2). The type is kept as the set of union members
written (``Optional[int]`` and ``int | None`` are the same), ``Literal[...]`` and project
``Enum`` classes give the enum values.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from stackaudit.analyzers.apiversion.schema import Json
from stackaudit.analyzers.pyparse import parse_quietly
from stackaudit.analyzers.python.names import dotted

ALIASES = {
    "List": "list",
    "Dict": "dict",
    "Set": "set",
    "Tuple": "tuple",
    "FrozenSet": "frozenset",
    "Text": "str",
}
ENUM_BASE = re.compile(r"(^|\.)(Enum|StrEnum|IntEnum|IntFlag|Flag)$")
MODEL_ROOT = "BaseModel"


@dataclass(frozen=True, slots=True)
class Model:
    """One pydantic model: where it is, its schema, and the line of each field."""

    path: str
    name: str
    line: int
    schema: dict[str, Json]
    lines: Mapping[str, int] = field(default_factory=dict)


def _members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return [*_members(node.left), *_members(node.right)]
    if isinstance(node, ast.Subscript):
        head = (dotted(node.value) or "").rsplit(".", 1)[-1]
        inner = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if head == "Optional":
            return [*_members(inner[0]), ast.Constant(None)]
        if head == "Union":
            return [m for e in inner for m in _members(e)]
        if head == "Annotated":
            return _members(inner[0])
    return [node]


def _text(node: ast.expr) -> str:
    text = ast.unparse(node).replace("typing.", "")
    for old, new in ALIASES.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return "None" if text in ("None", "NoneType") else text.replace(" ", "")


def _literal_values(node: ast.expr) -> list[Json] | None:
    if isinstance(node, ast.Subscript) and (dotted(node.value) or "").endswith("Literal"):
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return [e.value for e in elts if isinstance(e, ast.Constant)]
    return None


def _field(
    ann: ast.expr, value: ast.expr | None, enums: Mapping[str, list[Json]]
) -> tuple[dict[str, Json], bool]:
    members = _members(ann)
    kinds: set[str] = set()
    values: list[Json] = []
    for member in members:
        literal = _literal_values(member)
        kinds |= {type(v).__name__ for v in literal} if literal else {_text(member)}
        values += literal or enums.get(_text(member), [])
    schema: dict[str, Json] = {"x-py-type": sorted(kinds)}
    if values:
        schema["enum"] = values
    return schema, _required(value)


def _required(value: ast.expr | None) -> bool:
    if value is None or (isinstance(value, ast.Constant) and value.value is Ellipsis):
        return True
    if isinstance(value, ast.Call) and (dotted(value.func) or "").rsplit(".", 1)[-1] == "Field":
        if value.args:
            return isinstance(value.args[0], ast.Constant) and value.args[0].value is Ellipsis
        return not any(kw.arg in ("default", "default_factory") for kw in value.keywords)
    return False


def _alias(value: ast.expr | None) -> str | None:
    if isinstance(value, ast.Call):
        for kw in value.keywords:
            if kw.arg in ("alias", "serialization_alias") and isinstance(kw.value, ast.Constant):
                return str(kw.value.value)
    return None


def _own_fields(
    node: ast.ClassDef, enums: Mapping[str, list[Json]]
) -> list[tuple[str, int, dict[str, Json], bool]]:
    out = []
    for stmt in node.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        name = stmt.target.id
        if name.startswith("_") or name == "model_config" or "ClassVar" in ast.unparse(stmt.annotation):
            continue
        schema, required = _field(stmt.annotation, stmt.value, enums)
        out.append((_alias(stmt.value) or name, stmt.lineno, schema, required))
    return out


def _enum_values(node: ast.ClassDef) -> list[Json]:
    values: list[Json] = []
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            value = stmt.value
            values.append(value.value if isinstance(value, ast.Constant) else stmt.targets[0].id)
    return values


CLASS_LINE = re.compile(r"^[ \t]*class[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.MULTILINE)


def _relevant(texts: Mapping[str, str]) -> list[str]:
    """Files declaring a model (through any chain of project bases) or an enum, found by a
    regular expression over every file so only those are parsed."""
    bases: dict[str, set[str]] = {}
    declared: dict[str, set[str]] = {}
    for path, text in texts.items():
        for match in CLASS_LINE.finditer(text):
            names = {b.strip().rsplit(".", 1)[-1] for b in match.group(2).split(",")}
            bases.setdefault(match.group(1), set()).update(names)
            declared.setdefault(match.group(1), set()).add(path)
    wanted = {MODEL_ROOT}
    grew = True
    while grew:
        before = len(wanted)
        wanted |= {name for name, parents in bases.items() if parents & wanted}
        grew = len(wanted) > before
    wanted |= {name for name, parents in bases.items() if any(ENUM_BASE.search(p) for p in parents)}
    return sorted({path for name in wanted for path in declared.get(name, ())})


def read(texts: Mapping[str, str]) -> dict[tuple[str, str], Model]:
    """Every pydantic model of the given Python sources, keyed by (path, class name)."""
    classes: dict[str, list[tuple[str, ast.ClassDef]]] = {}
    for path in _relevant(texts):
        tree = parse_quietly(texts[path], path)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, []).append((path, node))
    enums = {
        name: _enum_values(node)
        for name, found in classes.items()
        for _, node in found[:1]
        if any(ENUM_BASE.search(dotted(b) or "") for b in node.bases)
    }
    out: dict[tuple[str, str], Model] = {}
    for name, found in classes.items():
        for path, node in found:
            chain = _chain(node, classes)
            if chain is None:
                continue
            properties: dict[str, Json] = {}
            lines: dict[str, int] = {}
            required: list[str] = []
            for cls in chain:
                for wire, line, schema, needed in _own_fields(cls, enums):
                    properties[wire] = schema
                    lines[wire] = line if cls is node else node.lineno
                    required = [r for r in required if r != wire] + ([wire] if needed else [])
            schema = {"type": "object", "properties": properties, "required": required}
            out[(path, name)] = Model(path, name, node.lineno, schema, lines)
    return out


def _chain(
    node: ast.ClassDef, classes: Mapping[str, list[tuple[str, ast.ClassDef]]]
) -> list[ast.ClassDef] | None:
    """The class and its project ancestors, root first, when it is a pydantic model."""
    chain: list[ast.ClassDef] = []
    todo, seen = [node], set()
    is_model = False
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        chain.insert(0, current)
        for base in current.bases:
            last = (dotted(base) or "").rsplit(".", 1)[-1]
            if last == MODEL_ROOT:
                is_model = True
            elif last in classes and last != current.name:
                todo.append(classes[last][0][1])
    return chain if is_model else None
