"""The repository's modules: imports, constants, functions and routes, parsed once.

Nothing here imports the audited code; everything comes from ``ast``.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from stackaudit.analyzers.pyparse import ParsedModules
from stackaudit.analyzers.taint.tables import ROUTE_DECORATORS, clean_annotation

# Text hints: a function whose source mentions none of these holds no source of its own.
SOURCE_HINT = re.compile(
    r"request|argv|input\(|environ|getenv|\.read\(|Request|def \w+\(self, request|Query\(|Form\(|Body\("
)


# A function whose text mentions none of these calls no sink that is dangerous whatever its
# input's origin: it cannot hold a parameter of unknown origin worth reporting.
# SQL (``.execute(``) is left out on purpose: data-access layers pass queries through many
# helpers, and analysing each of them as a root costs more than it shows (peers report those).
SINK_HINT = re.compile(
    r"os\.system|os\.popen|shell\s*=\s*True|\beval\(|\bexec\(|pickle\.|marshal\.|dill\.|jsonpickle|"
    r"yaml\.(?:unsafe_)?load\(|XMLParser\("
)
_SINK_WORDS = (
    "system",
    "popen",
    "shell",
    "eval(",
    "exec(",
    "pickle.",
    "marshal.",
    "dill.",
    "yaml.",
    "XMLParser(",
)


def mentions_sink(text: str) -> bool:
    """A cheap first test for SINK_HINT: plain substring searches, which most modules fail."""
    return any(word in text for word in _SINK_WORDS) and SINK_HINT.search(text) is not None


def source_hint(extra_sources: list[str]) -> re.Pattern[str]:
    """SOURCE_HINT plus the leaf names of configured extra sources."""
    leaves = sorted({name.rsplit(".", 1)[-1] for name in extra_sources if name})
    if not leaves:
        return SOURCE_HINT
    return re.compile(SOURCE_HINT.pattern + "|" + "|".join(re.escape(leaf) for leaf in leaves))


@dataclass(slots=True)
class FuncInfo:
    qualname: str  # module.Class.func
    _node: ast.FunctionDef | ast.AsyncFunctionDef | None  # None while the module's tree is released
    module: ModuleInfo
    cls: str | None = None
    route: str | None = None  # "GET /path" when a route decorator names it
    is_route: bool = False
    route_path: str = ""
    html_response: bool = False  # FastAPI response_class=HTMLResponse
    name: str = ""
    first_line: int = 0  # the first decorator's line
    last_line: int = 0

    def __post_init__(self) -> None:
        node = self._node
        if node is not None:
            self.name = node.name
            self.first_line = node.lineno - len(node.decorator_list)
            self.last_line = node.end_lineno or node.lineno

    @property
    def node(self) -> ast.FunctionDef | ast.AsyncFunctionDef:
        if self._node is None:
            self.module.reparse()
        assert self._node is not None
        return self._node

    @property
    def symbol(self) -> str:
        return f"{self.cls}.{self.name}" if self.cls else self.name

    def hinted(self, hint: re.Pattern[str] = SOURCE_HINT) -> bool:
        """Whether the function's source text mentions a source (one regex pass per module)."""
        if self.is_route:
            return True
        lines = self.module.hint_lines(hint)
        i = bisect.bisect_left(lines, self.first_line)
        return i < len(lines) and lines[i] <= self.last_line


@dataclass(slots=True)
class ModuleInfo:
    name: str
    path: str
    _tree: ast.Module | None  # released (None) for modules that need no analysis unless called
    text: str
    lines: list[str]
    aliases: dict[str, str] = field(default_factory=dict)
    consts: dict[str, object] = field(default_factory=dict)
    functions: dict[str, FuncInfo] = field(default_factory=dict)
    classes: dict[str, dict[str, FuncInfo]] = field(default_factory=dict)
    imported_roots: set[str] = field(default_factory=set)
    nested: list[FuncInfo] = field(default_factory=list)  # functions defined inside functions
    route_prefixes: dict[str, str] = field(default_factory=dict)  # bp = Blueprint(url_prefix=...)
    _hints: dict[str, list[int]] = field(default_factory=dict)
    shared: ParsedModules | None = None  # the run's parses: ``reparse`` takes the tree from there
    _mentions: dict[str, bool] = field(default_factory=dict)
    # per class, the fields declared with a type a validating model enforces (``page: int``)
    typed_fields: dict[str, set[str]] = field(default_factory=dict)

    @property
    def tree(self) -> ast.Module:
        if self._tree is None:
            self.reparse()
        assert self._tree is not None
        return self._tree

    def functions_all(self) -> list[FuncInfo]:
        return [
            *self.functions.values(),
            *(f for methods in self.classes.values() for f in methods.values()),
            *self.nested,
        ]

    def release_tree(self) -> None:
        """Drop the syntax tree (most of the memory); ``reparse`` brings it back when needed.

        Holding every module's tree at once costs about 0.3 GB per 1,000 modules; most
        modules mention no source and are only needed if a tainted call reaches them.
        """
        self._tree = None
        for func in self.functions_all():
            func._node = None

    def reparse(self) -> None:
        tree = self.shared.peek(self.text, self.path) if self.shared is not None else None
        if tree is None:  # parsed again for this analysis only: released with the next sweep
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(self.text, filename=self.path)
        fresh = build_module(self.path, self.text, tree)
        nodes = {f.qualname: f._node for f in fresh.functions_all()}
        for func in self.functions_all():
            func._node = nodes.get(func.qualname)
        self._tree = tree
        fresh.release()

    def release(self) -> None:
        """Break the module <-> function cycles so the trees are freed without the cyclic GC."""
        self.functions.clear()
        self.classes.clear()
        self.nested.clear()

    def mentions(self, hint: re.Pattern[str]) -> bool:
        """``hint.search(self.text)`` found something: searched once per pattern (choosing the
        trees to keep, analysing the module and the API rules each asked again)."""
        found = self._mentions.get(hint.pattern)
        if found is None:
            lines = self._hints.get(hint.pattern)
            found = bool(lines) if lines is not None else hint.search(self.text) is not None
            self._mentions[hint.pattern] = found
        return found

    def hint_lines(self, hint: re.Pattern[str]) -> list[int]:
        """Sorted line numbers where ``hint`` matches, computed once per pattern."""
        found = self._hints.get(hint.pattern)
        if found is None:
            starts = _line_starts(self.text)
            found = sorted({bisect.bisect_right(starts, m.start()) for m in hint.finditer(self.text)})
            self._hints[hint.pattern] = found
        return found

    @property
    def framework(self) -> str:
        for name in ("fastapi", "starlette", "flask", "django", "quart"):
            if name in self.imported_roots:
                return name
        return ""

    def snippet(self, node: ast.AST, limit: int = 200) -> str:
        start = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", start) or start
        if start <= 0:
            return ""
        if start == end:
            line = self.lines[start - 1] if start <= len(self.lines) else ""
            col, end_col = getattr(node, "col_offset", 0), getattr(node, "end_col_offset", None)
            text = line.encode()[col:end_col].decode("utf-8", "replace")
        else:
            text = "\n".join(self.lines[start - 1 : end]).strip()
        return text[:limit]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    pos = find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    return starts


def module_name(path: str) -> str:
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def build_module(path: str, text: str, tree: ast.Module) -> ModuleInfo:
    mod = ModuleInfo(module_name(path), path, tree, text, text.splitlines())
    _scan_body(mod, tree.body, cls=None)
    return mod


def _scan_body(mod: ModuleInfo, body: list[ast.stmt], cls: str | None) -> None:
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            add_import(mod.aliases, mod.imported_roots, stmt, mod.name, mod.path.endswith("__init__.py"))
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            _add_function(mod, stmt, cls)
        elif isinstance(stmt, ast.ClassDef) and cls is None:
            mod.classes.setdefault(stmt.name, {})
            _scan_body(mod, stmt.body, stmt.name)
        elif isinstance(stmt, ast.Assign) and cls is None:
            _add_const(mod, stmt)
            _add_router(mod, stmt)
        elif isinstance(stmt, ast.AnnAssign) and cls is not None and isinstance(stmt.target, ast.Name):
            if clean_annotation(stmt.annotation):
                mod.typed_fields.setdefault(cls, set()).add(stmt.target.id)
        elif isinstance(stmt, ast.If | ast.Try):
            for block in _blocks(stmt):
                _scan_body(mod, block, cls)


def _blocks(stmt: ast.If | ast.Try) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    return [stmt.body, *[h.body for h in stmt.handlers], stmt.orelse, stmt.finalbody]


def add_import(
    aliases: dict[str, str],
    roots: set[str],
    stmt: ast.Import | ast.ImportFrom,
    modname: str,
    is_package: bool,
) -> None:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            roots.add(alias.name.split(".")[0])
            if alias.asname:
                aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                aliases[top] = top
        return
    base = stmt.module or ""
    if stmt.level:
        pkg = modname.split(".") if is_package else modname.split(".")[:-1]
        pkg = pkg[: len(pkg) - (stmt.level - 1)] if stmt.level > 1 else pkg
        base = ".".join([*pkg, base] if base else pkg)
    roots.add(base.split(".")[0])
    for alias in stmt.names:
        if alias.name != "*":
            aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
        elif base:
            aliases[f"{STAR}{base}"] = base  # not an identifier: never shadows a real name


STAR = "*"  # alias-key prefix of a star import's module
MAX_REEXPORT_HOPS = 8


def resolve_export(
    lookup: Callable[[str], ModuleInfo | None], qn: str, known: Callable[[str], bool] = bool
) -> str:
    """The definition a dotted name refers to, following re-exports of the repository's modules.

    ``from app.models import User`` where ``app/models/__init__.py`` says ``from .user import
    User`` (or ``from .user import *``) names ``app.models.user.User``; a repository module that
    re-exports a library name (``from subprocess import call as sh``) leads to the library's
    name, so the sink and source tables see it. Names a module defines itself, and names
    ``known`` to the tables (a framework audited as a repository re-exports its own API),
    stop the walk.
    """
    for _ in range(MAX_REEXPORT_HOPS):
        if known(qn):
            return qn  # a name the tables know (``django.http.HttpResponseRedirect``) stays as written
        parts = qn.split(".")
        found = next(
            (
                (i, mod)
                for i in range(len(parts) - 1, 0, -1)
                if (mod := lookup(".".join(parts[:i]))) is not None
            ),
            None,
        )
        if found is None:
            return qn
        i, mod = found
        name, rest = parts[i], parts[i + 1 :]
        if name in mod.functions or name in mod.classes or name in mod.consts:
            return qn
        target = mod.aliases.get(name) or _star_source(lookup, mod, name)
        if target is None:
            return qn
        resolved = ".".join([target, *rest])
        if resolved == qn:
            return qn
        qn = resolved
    return qn


def _star_source(lookup: Callable[[str], ModuleInfo | None], mod: ModuleInfo, name: str) -> str | None:
    for key, base in mod.aliases.items():
        if not key.startswith(STAR):
            continue
        source = lookup(base)
        if source is not None and (
            name in source.functions
            or name in source.classes
            or name in source.consts
            or name in source.aliases
        ):
            return f"{base}.{name}"
    return None


def _add_router(mod: ModuleInfo, stmt: ast.Assign) -> None:
    """``bp = Blueprint(..., url_prefix="/search")`` / ``router = APIRouter(prefix="/v1")``."""
    if (
        len(stmt.targets) != 1
        or not isinstance(stmt.targets[0], ast.Name)
        or not isinstance(stmt.value, ast.Call)
    ):
        return
    for kw in stmt.value.keywords:
        literal = kw.value.value if isinstance(kw.value, ast.Constant) else None
        if kw.arg in ("url_prefix", "prefix") and isinstance(literal, str):
            mod.route_prefixes[stmt.targets[0].id] = literal.rstrip("/")


def _add_const(mod: ModuleInfo, stmt: ast.Assign) -> None:
    if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
        return
    name = stmt.targets[0].id
    value = fold_literal(stmt.value)
    if value is not _UNKNOWN and name not in mod.consts:
        mod.consts[name] = value
    elif name in mod.consts:
        del mod.consts[name]  # assigned twice: not a constant


_UNKNOWN = object()


def fold_literal(node: ast.expr) -> object:
    """A literal (possibly a tuple/frozenset of literals), else the unknown marker."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple | ast.List | ast.Set) and len(node.elts) <= 256:
        values = [fold_literal(e) for e in node.elts]
        if any(v is _UNKNOWN for v in values):
            return _UNKNOWN
        try:
            return tuple(values) if not isinstance(node, ast.Set) else frozenset(values)
        except TypeError:
            return _UNKNOWN
    return _UNKNOWN


def is_unknown(value: object) -> bool:
    return value is _UNKNOWN


def _add_function(mod: ModuleInfo, node: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None) -> None:
    qual = f"{mod.name}.{cls}.{node.name}" if cls else f"{mod.name}.{node.name}"
    info = FuncInfo(qual, node, mod, cls)
    for dec in node.decorator_list:
        _route_from_decorator(info, dec, mod.route_prefixes)
    if cls is None:
        mod.functions[node.name] = info
    else:
        mod.classes[cls][node.name] = info
    _add_nested(mod, node, qual)


def _add_nested(mod: ModuleInfo, outer: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str) -> None:
    """Functions defined inside functions (routes in an app factory): analysed as roots of their own."""
    stack: list[ast.stmt] = list(outer.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            info = FuncInfo(f"{prefix}.<locals>.{stmt.name}", stmt, mod)
            for dec in stmt.decorator_list:
                _route_from_decorator(info, dec, mod.route_prefixes)
            mod.nested.append(info)
            _add_nested(mod, stmt, info.qualname)
        elif isinstance(stmt, ast.If | ast.Try | ast.With | ast.For | ast.While):
            for block in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, block, []))
            stack.extend(s for h in getattr(stmt, "handlers", []) for s in h.body)


def _route_from_decorator(info: FuncInfo, dec: ast.expr, prefixes: dict[str, str]) -> None:
    if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
        return
    verb = dec.func.attr
    if verb not in ROUTE_DECORATORS:
        return
    info.is_route = True
    path = dec.args[0].value if dec.args and isinstance(dec.args[0], ast.Constant) else ""
    info.route_path = path if isinstance(path, str) else ""
    owner = dec.func.value
    if info.route_path and isinstance(owner, ast.Name) and owner.id in prefixes:
        info.route_path = prefixes[owner.id] + info.route_path
    methods = "GET" if verb in ("route", "api_route", "view") else verb.upper()
    for kw in dec.keywords:
        if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple) and kw.value.elts:
            first = kw.value.elts[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                methods = first.value.upper()
        if kw.arg == "response_class":
            info.html_response = "HTML" in ast.unparse(kw.value)
    info.route = f"{methods} {info.route_path}" if info.route_path else None


ROUTE_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


BRACE_PARAM = re.compile(r"\{(\w+)(?::([^{}]*))?\}")  # FastAPI/Starlette/aiohttp ``{name}``, ``{name:path}``


def flask_param_converters(path: str) -> dict[str, str]:
    """Route parameter -> converter: Flask ``<conv:name>`` (default ``string``), and the brace
    syntax of Starlette and aiohttp (``{name}`` is one segment; ``{name:path}``, a regex: other)."""
    found = {m.group(2): (m.group(1) or "string") for m in ROUTE_PARAM.finditer(path)}
    for m in BRACE_PARAM.finditer(path):
        found.setdefault(m.group(1), m.group(2) if m.group(2) is not None else "string")
    return found


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None
