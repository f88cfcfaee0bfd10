"""Follow a handler's calls into the project's own helper modules (AST only).

A login that records its event through ``from app.audit import record_login`` leaves an audit
trail as surely as one that calls ``logger.info`` itself. The audit-trail rule therefore looks
one import hop away: a name imported from a module of this repository counts as an event when
that function (or a function of its module it calls) emits one. The resolver is small and our
own because it only maps dotted module names to repository files; the taint engine's resolver
carries call-graph state this rule does not need.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from stackaudit.analyzers.pyparse import statement_nodes


def module_names(path: str) -> list[str]:
    """Dotted names a repository file may be imported as, longest first (``src/app/x.py`` → ``app.x``)."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]


class ModuleIndex:
    """Dotted module name → repository path, for the Python files of the repository."""

    def __init__(self, paths: Iterable[str]) -> None:
        self._by_name: dict[str, str] = {}
        for path in sorted(paths, key=lambda p: p.count("/")):  # shallower paths win a name
            for name in module_names(path):
                self._by_name.setdefault(name, path)
        self._files = frozenset(self._by_name.values())  # a set: looked up per relative import

    def resolve(self, module: str, level: int, importer: str) -> str | None:
        """The file of ``from <level dots><module> import …`` written in ``importer``."""
        if level:
            package = importer.split("/")[:-1]
            if level > 1:
                package = package[: len(package) - (level - 1)]
            base = "/".join(package)
            target = f"{base}/{module.replace('.', '/')}" if module else base
            for candidate in (f"{target}.py", f"{target}/__init__.py"):
                if candidate in self._files:
                    return candidate
            return None
        return self._by_name.get(module)


def imported_functions(tree: ast.Module, importer: str, index: ModuleIndex) -> dict[str, tuple[str, str]]:
    """Local name → (repository file, function name) for ``from X import f [as g]``."""
    out: dict[str, tuple[str, str]] = {}
    for node in statement_nodes(tree):  # imports are statements: ast.walk's order, no expressions
        if isinstance(node, ast.ImportFrom):
            path = index.resolve(node.module or "", node.level, importer)
            if path is None:
                continue
            for alias in node.names:
                out[alias.asname or alias.name] = (path, alias.name)
    return out


def imported_modules(tree: ast.Module, importer: str, index: ModuleIndex) -> dict[str, str]:
    """Local alias → repository file for ``import a.b as m`` and ``from a import b`` (b a module)."""
    out: dict[str, str] = {}
    for node in statement_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                path = index.resolve(alias.name, 0, importer)
                if path is not None:
                    out[alias.asname or alias.name] = path
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            for alias in node.names:
                full = f"{base}.{alias.name}" if base else alias.name
                path = index.resolve(full, node.level, importer)
                if path is not None:
                    out[alias.asname or alias.name] = path
    return out


def callee_target(
    name: str, functions: dict[str, tuple[str, str]], modules: dict[str, str]
) -> tuple[str, str] | None:
    """(file, function) a dotted call name refers to through the imports, if it is the project's."""
    if name in functions:
        return functions[name]
    head, _, func = name.rpartition(".")
    if head in modules and func:
        return modules[head], func
    return None


EmitsInModule = Callable[[str, str], bool]  # (file, function) -> emits an event
