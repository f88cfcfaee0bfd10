"""The ``tenant`` analyzer: tenant isolation of queries, object fetches and cache keys.

A repository analyzer because the way a project scopes its data lives far from the query: a
manager in ``models.py``, a mixin in a base module, a ``CREATE POLICY`` in a SQL migration, a
``do_orm_execute`` listener in the session setup. Handlers are found with the same framework
knowledge as ``python-rules`` (one ``Walk`` per candidate module). The per-tenant rate limit is
kept simple (``ratelimit.py``): one finding when every limiter declared is keyed by something
other than the tenant; endpoints with no limit at all are the ``rate-limit`` analyzer's.
"""

from __future__ import annotations

import ast
import re
from pathlib import PurePosixPath
from typing import ClassVar

from stackaudit.analyzers.base import RepoAnalyzer, RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.pyparse import parse_quietly
from stackaudit.analyzers.python import frameworks
from stackaudit.analyzers.python.family import Frame, RuleFamily
from stackaudit.analyzers.python.walker import Walk
from stackaudit.analyzers.tenant import checks, paths, queries, ratelimit, scope
from stackaudit.analyzers.tenant.models import Project, TenantScope, key_words
from stackaudit.analyzers.tenant.rules import RATE_LIMIT, RULES
from stackaudit.model import CodeContext, Finding, Location, NotAnalysed, NotAnalysedReason, RuleMeta


def _collector(path: str, lines: tuple[str, ...], out: list[checks.Function]) -> type[RuleFamily]:
    """A family that records every outermost function with whether it handles requests."""

    class Collector(RuleFamily):
        rules: ClassVar[tuple[RuleMeta, ...]] = ()

        def on_function_enter(self, frame: Frame) -> None:
            walk = self.walk
            outer = walk.frames[-2] if len(walk.frames) > 1 else None
            node = frame.node
            if outer is None or outer.kind == "function":
                return
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return
            route = walk.route
            owner = walk.classes[-1] if outer.kind == "class" else None
            view = owner is not None and frameworks.is_view_class(owner)
            handler = (route is not None and route.framework != "celery") or view
            endpoint = route.endpoint if route else None
            admin = checks.admin_only(node, owner)
            out.append(
                checks.Function(path, node, frame.qualname or node.name, handler, endpoint, lines, admin)
            )

    return Collector


class TenantAnalyzer(RepoAnalyzer):
    """Queries, object fetches and cache keys that can cross from one tenant to another."""

    name: ClassVar[str] = "tenant"
    version: ClassVar[str] = "2"
    rules: ClassVar[tuple[RuleMeta, ...]] = RULES
    cpu_bound: ClassVar[bool] = True
    config_keys: ClassVar[tuple[str, ...] | None] = ("tenant", "exclude", "extend_exclude", "include")

    def analyze_repo(self, ctx: RepoContext) -> RepoResult:
        config = ctx.config.tenant
        words = key_words(config.key or "tenant_id", config.aliases)
        project = Project()
        texts: list[tuple[str, str]] = []
        skipped: list[NotAnalysed] = []
        for file in ctx.files:
            text = _read(file)
            if text is None:
                continue
            if file.language != "python":
                if file.path.endswith(".sql"):
                    project.add_sql(text)
                continue
            tree = parse_quietly(text, file.path, ctx.parsed)
            if tree is None:
                detail = "does not parse: its models and queries were not checked for tenant isolation"
                skipped.append(NotAnalysed(file.path, NotAnalysedReason.SYNTAX_ERROR, detail, self.name))
                continue
            project.add_python(file.path, text, tree, words)
            texts.append((file.path, text))
            del tree  # most repositories have no tenants: their trees need not outlive this pass
        decided = scope.build(project, config)
        if isinstance(decided, scope.Off):
            # Nothing declared and nothing inferred is the common case (no tenants): silent.
            declared = config.key is not None or bool(config.models)
            return RepoResult((), tuple(skipped), reason=f"not checked: {decided.reason}" if declared else "")
        modules = [
            (path, text, tree) for path, text in texts if (tree := parse_quietly(text, path, ctx.parsed))
        ]
        findings = _findings(modules, decided)
        findings += _rate_limit(modules, decided)
        return RepoResult(tuple(findings), tuple(skipped), reason=_summary(decided))


def _walk(path: str, text: str, tree: ast.Module) -> list[checks.Function]:
    """The module's functions, each with whether it handles requests (and its endpoint)."""
    functions: list[checks.Function] = []
    walk = Walk(path, text, (_collector(path, tuple(text.splitlines()), functions),))
    try:
        walk.run(tree)
    except RecursionError:
        return []
    return functions


def _findings(modules: list[tuple[str, str, ast.Module]], tenant: TenantScope) -> list[Finding]:
    """Handlers' own queries, then helpers' unscoped queries that a handler reaches."""
    pattern = re.compile(r"\b(" + "|".join(sorted(tenant.scoped)) + r")\b")
    sources = {p: (text, tree) for p, text, tree in modules if frameworks.path_context(p) is None}
    walked: dict[str, list[checks.Function]] = {}
    findings: list[Finding] = []
    helpers: list[tuple[checks.Function, queries.Site]] = []
    for path, (text, tree) in sources.items():
        if pattern.search(text):
            walked[path] = _walk(path, text, tree)
            for fn in walked[path]:
                findings += checks.check(fn, tenant)
                helpers += [(fn, site) for site in checks.helper_sites(fn, tenant)]
    if not helpers:
        return findings

    def functions(path: str) -> list[checks.Function]:
        if path not in walked:
            walked[path] = _walk(path, *sources[path])
        return walked[path]

    callees = {(fn.node.name, _class_of(fn), fn.path) for fn, _ in helpers}
    graph = paths.Paths(sources, callees, functions)
    for fn, site in helpers:
        reached = graph.reaches(fn, site, tenant)
        if reached:
            findings.append(paths.finding(fn, site, reached, tenant.key))
    return findings


def _class_of(fn: checks.Function) -> str | None:
    """The class a method belongs to (``InvoiceService`` of ``InvoiceService.overdue``)."""
    return fn.qualname.rsplit(".", 1)[0].rsplit(".", 1)[-1] if "." in fn.qualname else None


def _rate_limit(modules: list[tuple[str, str, ast.Module]], tenant: TenantScope) -> list[Finding]:
    """One finding when limiters exist and none is keyed by the tenant."""
    trees = {path: tree for path, _, tree in modules if frameworks.path_context(path) is None}
    found = sorted(
        ratelimit.limiters(trees, tenant), key=lambda lim: (lim.path, getattr(lim.node, "lineno", 0))
    )
    if not found or any(lim.per_tenant for lim in found):
        return []
    first, texts = found[0], {path: text for path, text, _ in modules}
    line = getattr(first.node, "lineno", 1)
    lines = texts[first.path].splitlines()
    others = tuple(Location(lim.path, getattr(lim.node, "lineno", 1)) for lim in found[1:6])
    return [
        RATE_LIMIT.finding(
            Location(first.path, line, getattr(first.node, "col_offset", 0) + 1),
            f"{len(found)} rate limiter(s) ({first.kind} first), none keyed by {tenant.key}: one tenant can "
            "spend the capacity every tenant shares",
            lines[line - 1].strip() if 0 < line <= len(lines) else first.kind,
            related=others,
            context=CodeContext.LIBRARY,
        )
    ]


def _read(file: SourceFile) -> str | None:
    if file.language != "python" and PurePosixPath(file.path).suffix != ".sql":
        return None
    try:
        return file.abspath.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _summary(tenant: TenantScope) -> str:
    """The analyzer's one line in the report: what it inferred and what it took as scoped."""
    parts: list[str] = []
    if tenant.inferred:
        names = ", ".join(sorted(tenant.scoped)[:8])
        parts.append(
            f"key {tenant.key!r} inferred from model fields, tenant-scoped models: {len(tenant.scoped)} "
            f"({names}); declare [tenant] key and models to confirm"
        )
    safe = [f"{model} ({why})" for model, why in sorted(tenant.safe_models.items())]
    if safe:
        parts.append("scoped by default, not reported: " + ", ".join(safe[:6]))
    return "; ".join(parts)
