"""The repository's Python modules, parsed once: imports, functions, classes and module-level names.

Names are resolved the way Python would without running anything: a module's own definitions,
then its imports (relative ones too), through re-exports a few levels deep. Module names come
from file paths; an import matches a module whose dotted name ends with it (``open_webui.utils``
matches ``backend/open_webui/utils/__init__.py``), the nearest one when several do.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from stackaudit.analyzers.pyparse import ParsedModules

MAX_BYTES = 1_000_000  # generated modules this large hold no routes worth the parse
FuncNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class Func:
    module: str
    qualname: str  # "list_orders", "OrderView.get", "create_app.<locals>.index"
    node: FuncNode
    cls: str | None
    path: str

    @property
    def ref(self) -> str:
        return f"{self.module}:{self.qualname}"


@dataclass(slots=True)
class Module:
    name: str
    path: str
    tree: ast.Module
    text: str
    is_package: bool
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted target
    funcs: dict[str, Func] = field(default_factory=dict)  # qualname -> function
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    assigns: dict[str, ast.expr] = field(default_factory=dict)  # module-level name -> value
    calls: list[ast.Call] = field(default_factory=list)  # every call in the module, one walk
    bindings: list[ast.Assign | ast.AnnAssign] = field(default_factory=list)  # every assignment


def module_name(path: str) -> tuple[str, bool]:
    parts = list(PurePosixPath(path).with_suffix("").parts)
    package = parts[-1] == "__init__"
    if package:
        parts = parts[:-1]
    return ".".join(parts) or "__root__", package


def parse(text: str, path: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _absolute(mod: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = mod.name.split(".")
    if not mod.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(mod: Module, body: Iterable[ast.stmt]) -> None:
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                mod.aliases[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(mod, node)
            for alias in node.names:
                if alias.name != "*":
                    mod.aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.If | ast.Try):
            _imports(mod, [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])])
            for handler in getattr(node, "handlers", []):
                _imports(mod, handler.body)


def _functions(mod: Module, body: Iterable[ast.stmt], prefix: str, cls: str | None) -> None:
    for node in body:
        if isinstance(node, FuncNode):
            qual = f"{prefix}{node.name}"
            mod.funcs[qual] = Func(mod.name, qual, node, cls, mod.path)
            _functions(mod, node.body, f"{qual}.<locals>.", None)
        elif isinstance(node, ast.ClassDef):
            if not prefix:
                mod.classes[node.name] = node
            _functions(mod, node.body, f"{prefix}{node.name}.", node.name)
        elif isinstance(node, ast.If | ast.Try | ast.With):
            _functions(mod, [*node.body, *getattr(node, "orelse", [])], prefix, cls)


def load_module(path: str, text: str, parsed: ParsedModules | None = None) -> Module | None:
    tree = parsed.quietly(text, path) if parsed is not None else parse(text, path)
    if tree is None:
        return None
    name, package = module_name(path)
    mod = Module(name, path, tree, text, package)
    _imports(mod, tree.body)
    _functions(mod, tree.body, "", None)
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Call):
            mod.calls.append(sub)
        elif isinstance(sub, ast.Assign | ast.AnnAssign):
            mod.bindings.append(sub)
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            mod.assigns[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            mod.assigns[node.target.id] = node.value
    return mod


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def leaf(node: ast.expr) -> str:
    """The last name of a reference or a call: ``login_required`` for ``auth.login_required()``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


class Index:
    """Every parsed module, by dotted name and by path, with name resolution between them."""

    def __init__(self, modules: Iterable[Module]) -> None:
        self.modules: dict[str, Module] = {}
        self.by_path: dict[str, Module] = {}
        self._suffix: dict[str, list[Module]] = {}
        for mod in modules:
            self.modules[mod.name] = mod
            self.by_path[mod.path] = mod
            parts = mod.name.split(".")
            for i in range(len(parts)):
                self._suffix.setdefault(".".join(parts[i:]), []).append(mod)

    @classmethod
    def load(
        cls, root: Path, paths: Iterable[str], parsed: ParsedModules | None = None
    ) -> tuple[Index, list[str]]:
        """Parse the given repo-relative ``.py`` paths (through the audit's shared parses when
        given: analyzers/pyparse.py); unreadable ones come back as notes."""
        mods: list[Module] = []
        notes: list[str] = []
        for rel in paths:
            try:
                data = (root / rel).read_bytes()
            except OSError as exc:
                notes.append(f"{rel}: not read ({exc.strerror})")
                continue
            if len(data) > MAX_BYTES:
                continue
            mod = load_module(rel, data.decode("utf-8", errors="replace"), parsed)
            if mod is None:
                notes.append(f"{rel}: not parsed (syntax error)")
            else:
                mods.append(mod)
        return cls(mods), notes

    def module(self, name: str, near: str = "") -> Module | None:
        found = self._suffix.get(name, [])
        if len(found) <= 1:
            return found[0] if found else None
        exact = self.modules.get(name)
        if exact is not None:
            return exact
        return max(found, key=lambda m: (_common(m.name, near), -len(m.name)))

    def resolve(self, mod: Module, name: str, depth: int = 0) -> tuple[Module, str] | None:
        """Where a module-level name is defined: (module, name), or (module, "") for a module."""
        head, _, rest = name.partition(".")
        if head in mod.funcs or head in mod.classes or head in mod.assigns:
            return (mod, name)
        target = mod.aliases.get(head)
        if target is None or depth > 4:
            return None
        full = f"{target}.{rest}" if rest else target
        return self.resolve_dotted(full, mod.name, depth + 1)

    def resolve_dotted(self, full: str, near: str, depth: int = 0) -> tuple[Module, str] | None:
        parts = full.split(".")
        for cut in range(len(parts), 0, -1):
            owner = self.module(".".join(parts[:cut]), near)
            if owner is None:
                continue
            rest = ".".join(parts[cut:])
            if not rest:
                return (owner, "")
            return self.resolve(owner, rest, depth + 1) or None
        return None

    def qualified(self, mod: Module, node: ast.expr) -> str:
        """A reference with imports applied: ``Blueprint`` -> ``flask.Blueprint``."""
        text = dotted(node.func if isinstance(node, ast.Call) else node) or ""
        head, _, rest = text.partition(".")
        target = mod.aliases.get(head, head)
        return f"{target}.{rest}" if rest else target

    def func(self, mod: Module, node: ast.expr) -> Func | None:
        """The function a name or a ``Class.method`` reference points at, if the repository has it."""
        text = dotted(node) or ""
        found = self.resolve(mod, text) if text else None
        if found is None or not found[1]:
            return None
        owner, name = found
        return owner.funcs.get(name)

    def class_def(self, mod: Module, node: ast.expr) -> tuple[Module, ast.ClassDef] | None:
        text = dotted(node.func if isinstance(node, ast.Call) else node) or ""
        found = self.resolve(mod, text) if text else None
        if found is None or found[1] not in found[0].classes:
            return None
        return found[0], found[0].classes[found[1]]

    def lineage(
        self, mod: Module, cls: ast.ClassDef, depth: int = 0
    ) -> Iterator[tuple[Module, ast.ClassDef | None, str]]:
        """The class, then its bases transitively: (module, class or None if outside, base name)."""
        yield mod, cls, cls.name
        if depth > 6:
            return
        for base in cls.bases:
            found = self.class_def(mod, base)
            if found is not None and found[1] is not cls:
                yield from self.lineage(found[0], found[1], depth + 1)
            else:
                yield mod, None, self.qualified(mod, base)

    def func_at(self, path: str, line: int) -> Func | None:
        """The innermost function of ``path`` whose body holds ``line``."""
        mod = self.by_path.get(path)
        if mod is None:
            return None
        best: Func | None = None
        for func in mod.funcs.values():
            end = func.node.end_lineno or func.node.lineno
            start = min([func.node.lineno, *(d.lineno for d in func.node.decorator_list)])
            if start <= line <= end and (best is None or func.node.lineno >= best.node.lineno):
                best = func
        return best


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("."), b.split("."), strict=False):
        if x != y:
            break
        n += 1
    return n
