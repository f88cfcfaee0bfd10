"""API and event models read statically (``ast``, never imported) into JSON-Schema-like dicts:
pydantic models, dataclasses, attrs classes and ``TypedDict`` classes.

A pydantic model is a class whose ancestry, through the project's own classes, reaches
``BaseModel``; a ``TypedDict`` likewise. A dataclass (``@dataclass``, pydantic's too) or an attrs
class (``@attr.s``, ``@define``, ``@frozen``) is one decorated so. Fields are the annotated class
attributes (``ClassVar``, ``InitVar``, private names and ``model_config`` left out; attrs'
``x = attr.ib()`` too), named by their pydantic alias when ``Field(alias=...)`` gives one. A field
is required when it has no default (pydantic 2, dataclasses, attrs: ``field(default=…)``,
``default_factory``, ``attr.ib(factory=…)`` make it optional); a ``TypedDict`` field is required
unless the class says ``total=False`` or the field ``NotRequired[...]`` (``Required[...]`` wins).
The type is kept as the set of union members written (``Optional[int]`` and ``int | None`` are
the same), ``Literal[...]`` and project ``Enum`` classes give the enum values.
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
TYPED_DICT = "TypedDict"
ROOTS = frozenset({MODEL_ROOT, TYPED_DICT})
DATACLASS = re.compile(r"(^|\.)dataclass$")
ATTRS = re.compile(r"^(attr|attrs)\.(s|attrs|define|frozen|mutable)$|^(attrs|define|frozen|mutable)$")
DECORATED = re.compile(r"(?m)^[ \t]*@[\w.]*\b(dataclass|attrs|s|define|frozen|mutable)\b")
FIELD_CALLS = frozenset({"Field", "field", "ib", "attrib"})
OPTIONAL_KEYS = frozenset({"default", "default_factory", "factory"})
WRAPPERS = frozenset({"Annotated", "Required", "NotRequired", "ReadOnly"})


@dataclass(frozen=True, slots=True)
class Model:
    """One pydantic model: where it is, its schema, and the line of each field."""

    path: str
    name: str
    line: int
    schema: dict[str, Json]
    lines: Mapping[str, int] = field(default_factory=dict)
    kind: str = "pydantic"  # "dataclass", "attrs", "typeddict"


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
        if head in WRAPPERS:
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
    if isinstance(value, ast.Call) and (dotted(value.func) or "").rsplit(".", 1)[-1] in FIELD_CALLS:
        if value.args:  # pydantic's Field(default) / Field(...)
            return isinstance(value.args[0], ast.Constant) and value.args[0].value is Ellipsis
        return not any(kw.arg in OPTIONAL_KEYS for kw in value.keywords)
    return False


def _alias(value: ast.expr | None) -> str | None:
    if isinstance(value, ast.Call):
        for kw in value.keywords:
            if kw.arg in ("alias", "serialization_alias") and isinstance(kw.value, ast.Constant):
                return str(kw.value.value)
    return None


def _own_fields(
    node: ast.ClassDef, enums: Mapping[str, list[Json]], kind: str
) -> list[tuple[str, int, dict[str, Json], bool]]:
    out = []
    total = not any(k.arg == "total" and _is_false(k.value) for k in node.keywords)
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and kind == "attrs":  # attr.s style: x = attr.ib()
            stmt = _attrib(stmt)
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        name = stmt.target.id
        annotation = ast.unparse(stmt.annotation)
        if name.startswith("_") or name == "model_config" or re.search(r"ClassVar|InitVar", annotation):
            continue
        schema, required = _field(stmt.annotation, stmt.value, enums)
        if kind == "typeddict":
            head = annotation.split("[", 1)[0].rsplit(".", 1)[-1]
            required = head == "Required" or (total and head != "NotRequired")
        out.append(
            (_alias(stmt.value) or name if kind == "pydantic" else name, stmt.lineno, schema, required)
        )
    return out


def _is_false(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _attrib(stmt: ast.Assign) -> ast.stmt:
    """``x = attr.ib(type=int)`` as the ``x: int = attr.ib()`` it means (type unknown: ``Any``)."""
    value, target = stmt.value, stmt.targets[0]
    if not (isinstance(value, ast.Call) and isinstance(target, ast.Name)):
        return stmt
    if (dotted(value.func) or "").rsplit(".", 1)[-1] not in ("ib", "attrib", "field"):
        return stmt
    kind = next((kw.value for kw in value.keywords if kw.arg == "type"), ast.Name("Any"))
    return ast.AnnAssign(target, kind, value, simple=1, lineno=stmt.lineno, col_offset=stmt.col_offset)


def _enum_values(node: ast.ClassDef) -> list[Json]:
    values: list[Json] = []
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            value = stmt.value
            values.append(value.value if isinstance(value, ast.Constant) else stmt.targets[0].id)
    return values


CLASS_LINE = re.compile(r"^[ \t]*class[ \t]+(\w+)[ \t]*(?:\(([^)]*)\))?", re.MULTILINE)


def _relevant(texts: Mapping[str, str]) -> list[str]:
    """Files declaring a model (through any chain of project bases), a dataclass, an attrs
    class or an enum, found by regular expressions over every file so only those are parsed."""
    bases: dict[str, set[str]] = {}
    declared: dict[str, set[str]] = {}
    decorated: set[str] = set()
    for path, text in texts.items():
        if DECORATED.search(text):
            decorated.add(path)
        for match in CLASS_LINE.finditer(text):
            names = {b.strip().rsplit(".", 1)[-1] for b in (match.group(2) or "").split(",")}
            bases.setdefault(match.group(1), set()).update(names)
            declared.setdefault(match.group(1), set()).add(path)
    wanted = set(ROOTS)
    grew = True
    while grew:
        before = len(wanted)
        wanted |= {name for name, parents in bases.items() if parents & wanted}
        grew = len(wanted) > before
    wanted |= {name for name, parents in bases.items() if any(ENUM_BASE.search(p) for p in parents)}
    return sorted(decorated | {path for name in wanted for path in declared.get(name, ())})


def _decorated_kind(node: ast.ClassDef) -> str | None:
    for dec in node.decorator_list:
        name = dotted(dec.func if isinstance(dec, ast.Call) else dec) or ""
        if DATACLASS.search(name):
            return "dataclass"
        if ATTRS.search(name):
            return "attrs"
    return None


def read(texts: Mapping[str, str]) -> dict[tuple[str, str], Model]:
    """Every model of the given Python sources, keyed by (path, class name)."""
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
            chain, roots = _chain(node, classes)
            kind = _kind(node, chain, roots)
            if kind is None:
                continue
            properties: dict[str, Json] = {}
            lines: dict[str, int] = {}
            required: list[str] = []
            for cls in chain:
                for wire, line, schema, needed in _own_fields(cls, enums, kind):
                    properties[wire] = schema
                    lines[wire] = line if cls is node else node.lineno
                    required = [r for r in required if r != wire] + ([wire] if needed else [])
            schema = {"type": "object", "properties": properties, "required": required}
            out[(path, name)] = Model(path, name, node.lineno, schema, lines, kind)
    return out


def _kind(node: ast.ClassDef, chain: list[ast.ClassDef], roots: set[str]) -> str | None:
    """pydantic or TypedDict by ancestry; dataclass or attrs by the decorator of the class (or
    of a project ancestor: a subclass of a dataclass keeps its fields)."""
    if MODEL_ROOT in roots:
        return "pydantic"
    if TYPED_DICT in roots:
        return "typeddict"
    return _decorated_kind(node) or next((k for c in chain if (k := _decorated_kind(c))), None)


def _chain(
    node: ast.ClassDef, classes: Mapping[str, list[tuple[str, ast.ClassDef]]]
) -> tuple[list[ast.ClassDef], set[str]]:
    """The class and its project ancestors, root first, and the library roots it reaches."""
    chain: list[ast.ClassDef] = []
    todo, seen = [node], set()
    roots: set[str] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        chain.insert(0, current)
        for base in current.bases:
            last = (dotted(base) or "").rsplit(".", 1)[-1]
            if last in ROOTS:
                roots.add(last)
            elif last in classes and last != current.name:
                todo.append(classes[last][0][1])
    return chain, roots
