"""The whole-repository view: modules, function summaries, findings.

A function's summary says which parameters flow to its return value, which reach
a sink inside it (directly or through its callees, each sink hit counting the calls
between the function and the sink), and which parameters' contents it writes into.
Summaries are computed on demand, bottom-up over the strongly connected components
of the call graph as calls discover it (Tarjan's algorithm run along the analysis:
a call to a function still being analysed is a back edge; the component's root
re-runs its members until their summaries stop changing). A summary does not depend
on who asked for it first, so results do not depend on the order functions are
defined in. ``taint.max_call_depth`` bounds how many calls down a sink is reported;
it filters flows, never a summary.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from stackaudit.analyzers.taint import entrypoints
from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.calls import CallArgs
from stackaudit.analyzers.taint.closures import Closure
from stackaudit.analyzers.taint.exprs import join_all
from stackaudit.analyzers.taint.findings import Findings
from stackaudit.analyzers.taint.interp import Interp
from stackaudit.analyzers.taint.modules import (
    SINK_HINT,
    FuncInfo,
    ModuleInfo,
    flask_param_converters,
    mentions_sink,
    resolve_export,
    source_hint,
)
from stackaudit.analyzers.taint.proofs import Sites
from stackaudit.analyzers.taint.scc import Tarjan
from stackaudit.analyzers.taint.sinks import pick
from stackaudit.analyzers.taint.summary import BOTTOM, SinkHit, Summary, apply_write, extend, writes
from stackaudit.analyzers.taint.values import (
    ALL_CWES,
    CLEAN,
    NO_CONST,
    SourceKind,
    Taint,
    Val,
    cap,
    const,
    flatten,
    tainted,
)
from stackaudit.config.sections.taint import TaintConfig
from stackaudit.model import Finding, TraceStep

MAX_STACK = (
    32  # functions being analysed at once (about 15 Python frames each); deeper chains are cut (file partial)
)
MAX_ROUNDS = 8  # passes over a call cycle; summaries only grow, so they settle well before

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_TABLE_NAMES = frozenset(
    {
        *tb.FUNCTION_SINKS,
        *tb.SANITIZERS,
        *tb.SOURCE_CALLS,
        *tb.SOURCE_NAMES,
        *tb.TAGGING_CALLS,
        *tb.REQUEST_OBJECTS,
        *tb.SESSION_OBJECTS,
        *tb.YAML_SAFE_LOADERS,
        *tb.XML_PARSERS,
        *tb.EXIT_CALLS,
    }
)


class Program:
    def __init__(self, modules: list[ModuleInfo], config: TaintConfig) -> None:
        self.modules: dict[str, ModuleInfo] = {}
        for mod in modules:
            self.modules.setdefault(mod.name, mod)
        self._suffixes: dict[str, ModuleInfo] = {}
        for mod in modules:
            parts = mod.name.split(".")
            for i in range(1, len(parts)):
                self._suffixes.setdefault(".".join(parts[i:]), mod)
        self.max_call_depth = config.max_call_depth
        self.max_expression_depth = config.max_expression_depth
        self.extra_sources = {name: "request" for name in config.extra_sources}
        self.hint = source_hint(config.extra_sources)
        self.extra_sanitizers = _parse_extra_sanitizers(config.extra_sanitizers)
        self.extra_sinks = _parse_extra_sinks(config.extra_sinks)
        self.deadline = float("inf")
        self.root: Path | None = None  # the repository's directory: templates are read from it
        self.summaries: dict[str, Summary] = {}
        self.closures: dict[str, Closure] = {}
        self.active_closures: list[str] = []
        self._scc = Tarjan()
        self._canonical: dict[str, str] = {}
        self._hinted: dict[str, bool] = {}
        self._globals: dict[str, dict[str, Val]] = {}
        self.partial: dict[str, str] = {}
        self.out = Findings()
        self.called: set[str] = set()
        self.arg_tags: dict[tuple[str, int], set[str]] = {}
        self._sink_modules: dict[str, bool] = {}
        self.address_guards: dict[str, bool] = {}  # address_checks.screens_addresses, by qualname

    # ---- names -------------------------------------------------------------------------
    def canonical(self, qn: str) -> str:
        """The name's definition, through package re-exports (``from app.models import User``)."""
        found = self._canonical.get(qn)
        if found is None:
            found = self._canonical[qn] = resolve_export(self.module, qn, self._known)
        return found

    def _known(self, qn: str) -> bool:
        return (
            qn in _TABLE_NAMES
            or qn in self.extra_sources
            or qn in self.extra_sinks
            or qn in self.extra_sanitizers
        )

    def module(self, name: str) -> ModuleInfo | None:
        return self.modules.get(name) or self._suffixes.get(name)

    def module_const(self, qn: str) -> object:
        mod_name, _, attr = self.canonical(qn).rpartition(".")
        mod = self.module(mod_name) if mod_name else None
        if mod is None or attr not in mod.consts:
            return NO_CONST
        return mod.consts[attr]

    def resolve_function(self, it: Interp, func: ast.expr, qn: str) -> FuncInfo | None:
        mod_name, _, attr = self.canonical(qn).rpartition(".")
        mod = self.module(mod_name) if mod_name else None
        if mod is not None:
            return mod.functions.get(attr)
        owner_name, _, cls = mod_name.rpartition(".")
        owner = self.module(owner_name) if owner_name else None
        if owner is not None and cls in owner.classes:
            return owner.classes[cls].get(attr)
        if owner is not None and f"\n{cls} = " in owner.text:
            # ``Files = FilesTable()`` at module level, called as ``Files.get_file_by_id(id)``
            return self.instance_method(self.module_globals(owner).get(cls, CLEAN), attr)
        return None

    def resolve_class(self, qn: str) -> str | None:
        """The tag of instances of a repository class (``class:module:Name``), or None."""
        mod_name, _, cls = self.canonical(qn).rpartition(".")
        mod = self.module(mod_name) if mod_name else None
        return f"class:{mod.name}:{cls}" if mod is not None and cls in mod.classes else None

    def instance_method(self, receiver: Val, method: str) -> FuncInfo | None:
        if not receiver.tag.startswith("class:"):
            return None
        _, mod_name, cls = receiver.tag.split(":", 2)
        mod = self.modules.get(mod_name)
        return mod.classes.get(cls, {}).get(method) if mod is not None else None

    def mark_partial(self, path: str, reason: str) -> None:
        self.partial.setdefault(path, reason)

    def module_globals(self, mod: ModuleInfo) -> dict[str, Val]:
        """Run a module's top-level code once; keep the typed objects it binds (``env = Environment()``)."""
        cached = self._globals.get(mod.name)
        if cached is not None:
            return cached
        self._globals[mod.name] = {}  # in progress: a cycle sees nothing rather than recursing
        top = Interp(self, mod, None, 0)
        top.block([s for s in mod.tree.body if not isinstance(s, _DEFINITIONS)])
        for hit in top.hits:
            if hit.taint.kind != SourceKind.PARAM:
                self.record(hit)
        kept = {name: Val(tag=v.tag) for name, v in top.env.items() if v.tag and "." not in name}
        self._globals[mod.name] = kept
        return kept

    # ---- summaries ---------------------------------------------------------------------
    def reaches_source(self, func: FuncInfo) -> bool:
        """Whether calling ``func`` with clean arguments can return something tainted.

        Decided from the function's text alone (it mentions a source), never from which
        summaries happen to exist, so a call's result does not depend on analysis order.
        """
        return self.hinted(func)

    def sink_hinted(self, func: FuncInfo) -> bool:
        """Whether the function mentions a sink that is dangerous whatever its input's origin.

        Such functions are roots too: a parameter no caller fills is an unknown origin there.
        """
        mod = func.module
        mentions = self._sink_modules.get(mod.name)
        if mentions is None:
            mentions = self._sink_modules[mod.name] = mentions_sink(mod.text)
        return mentions and func.hinted(SINK_HINT)

    def hinted(self, func: FuncInfo) -> bool:
        cached = self._hinted.get(func.qualname)
        if cached is None:
            cached = self._hinted[func.qualname] = func.hinted(self.hint) or entrypoints.is_entry(self, func)
        return cached

    def abandon(self) -> None:
        """An analysis cut short (time bound, recursion): drop the half-solved call cycles.

        Their functions get no summary now; the next call to them solves them afresh.
        """
        self._scc = Tarjan()
        self.active_closures.clear()

    def summary(self, func: FuncInfo) -> Summary | None:
        """The function's summary; an approximation while its call cycle is still being solved.

        None when the chain of functions being analysed is already ``MAX_STACK`` deep.
        """
        qn = func.qualname
        done = self.summaries.get(qn)
        if done is not None:
            return done
        scc = self._scc
        if qn not in scc.index:
            if len(scc.stack) >= MAX_STACK:
                self.mark_partial(func.module.path, f"call chain deeper than {MAX_STACK} functions")
                scc.truncated.update(scc.stack)  # what they compute now is cut: never cached
                return None
            finished = self._solve(func)
            if finished is not None:
                return finished
        scc.back_edge(qn)
        return scc.approx.get(qn, BOTTOM)

    def _solve(self, func: FuncInfo) -> Summary | None:
        """Tarjan's visit of ``func``; as the root of a component, iterate it to a fixed point.

        Returns the final summary when ``func`` closes its component, None inside a larger one.
        """
        scc = self._scc
        qn = func.qualname
        scc.enter(qn)
        try:
            for _ in range(MAX_ROUNDS):
                scc.record(qn, self._analyse(func))
                if scc.low[qn] < scc.index[qn]:
                    return None  # a member of a larger component: its root iterates
                members = scc.members(qn)
                if not scc.changed.intersection(members) or (len(members) == 1 and qn not in scc.cyclic):
                    break
                scc.restart(qn, members)
            own = scc.approx[qn]
            for member, summary, cut in scc.finish(qn):
                if not cut:
                    self.summaries[member] = summary
            return own
        finally:
            scc.leave(qn)

    def _analyse(self, func: FuncInfo) -> Summary:
        it = Interp(self, func.module, func, 0)
        initial = self._bind_params(it, func)
        it.block(func.node.body)
        ret = join_all(it.returns) if it.returns else const(None)
        if it.yields:
            ret = Val(taints=flatten(ret))
        params: dict[tuple[object, ...], SinkHit] = {}
        for hit in it.hits:
            if hit.taint.kind == SourceKind.PARAM:
                params.setdefault(hit.key, hit)
            else:
                self.record(hit)
        return Summary(ret, tuple(params.values()), writes(it, initial))

    def _bind_params(self, it: Interp, func: FuncInfo) -> dict[str, tuple[int, Val]]:
        args = func.node.args
        positional = [*args.posonlyargs, *args.args]
        names = [*positional, *args.kwonlyargs]
        defaults = dict(
            zip(
                [a.arg for a in positional][len(positional) - len(args.defaults) :],
                args.defaults,
                strict=True,
            )
        )
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d})
        converters = flask_param_converters(func.route_path) if func.is_route else {}
        view = _django_view(func, positional) and entrypoints.may_be_routed(self, func)
        initial: dict[str, tuple[int, Val]] = {}
        for index, arg in enumerate(names):
            value = self._param_value(it, func, index, arg, defaults.get(arg.arg), converters, view)
            it.env[arg.arg] = value
            initial[arg.arg] = (index, value)
        for extra in (args.vararg, args.kwarg):
            if extra is not None:  # **kwargs of a GraphQL resolver or a task: input; else unknown
                decided = entrypoints.param_value(self, it, func, len(names), extra, view=False)
                it.env[extra.arg] = decided if decided is not None else CLEAN
        return initial

    def _param_value(
        self,
        it: Interp,
        func: FuncInfo,
        index: int,
        arg: ast.arg,
        default: ast.expr | None,
        converters: dict[str, str],
        view: bool,
    ) -> Val:
        decided = entrypoints.param_value(self, it, func, index, arg, view)
        if decided is not None:
            return decided
        annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
        if arg.arg == "request" or annotation.split(".")[-1] in tb.REQUEST_TYPES:
            return Val(tag="request")
        if arg.arg in ("self", "cls"):
            return CLEAN
        if func.is_route or (view and arg.arg != "response"):
            if tb.clean_annotation(arg.annotation) or converters.get(arg.arg) in ("int", "float", "uuid"):
                return CLEAN
            if isinstance(default, ast.Call) and ast.unparse(default.func).split(".")[-1] == "Depends":
                return CLEAN
            if converters.get(arg.arg) in _SEGMENT_CONVERTERS:
                return entrypoints.segment_param(it, arg)
            note = f"route parameter {arg.arg} (user input)"
            model = self._validated_model(it, arg.annotation) if func.is_route else ""
            return tainted(frozenset({it.new_taint(SourceKind.REQUEST, arg, note)}), tag=model)
        origin = TraceStep(it.loc(arg), f"parameter {arg.arg}", "source")
        return tainted(frozenset({Taint(SourceKind.PARAM, origin, param=index)}))

    def _validated_model(self, it: Interp, annotation: ast.expr | None) -> str:
        """``form: PageForm`` on a FastAPI route: a body model the framework validates, so its
        ``page: int`` field holds an int (``typed_field``); the tag of its class, or ""."""
        qn = it.qualname(annotation) if isinstance(annotation, ast.Name | ast.Attribute) else None
        tag = self.resolve_class(qn) if qn else None
        return tag or ""

    def typed_field(self, tag: str, name: str) -> bool:
        """Is ``name`` a field of this repository class declared with a non-text type?"""
        if not tag.startswith("class:"):
            return False
        _, mod_name, cls = tag.split(":", 2)
        mod = self.modules.get(mod_name)
        return mod is not None and name in mod.typed_fields.get(cls, ())

    def apply_summary(self, it: Interp, node: ast.Call, target: FuncInfo, args: CallArgs) -> Val:
        self.called.add(target.qualname)
        for index, value in _bind_args(target, args, it).items():  # what each call passes, by tag
            self.arg_tags.setdefault((target.qualname, index), set()).add(value.tag)
        incoming = args.all_taints()
        if not incoming and not self.reaches_source(target):
            return CLEAN
        summary = self.summary(target)
        if summary is None:
            return tainted(incoming)
        bound = _bind_args(target, args, it)
        step = TraceStep(it.loc(node), f"passed to {target.node.name}()")
        for hit in summary.hits:
            arg = bound.get(hit.taint.param)
            if (
                arg is None
                or hit.hops + 1 > self.max_call_depth
                or hit.cwe in tb.TAG_SAFE_FOR.get(arg.tag, ())
            ):
                continue
            for taint in pick(flatten(arg), hit.cwe):
                if hit.cwe in hit.taint.cleaned:
                    continue
                flowed = extend(taint, step, hit.taint)
                it.hits.append(SinkHit(hit.cwe, flowed, hit.location, hit.snippet, hit.label, hit.hops + 1))
        for write in summary.writes:
            apply_write(it, target, args, bound, write, step)
        return _substitute(summary.ret, bound, step)

    # ---- findings --------------------------------------------------------------------
    @property
    def findings(self) -> dict[tuple[int, str, int, int], Finding]:
        return self.out.found

    @property
    def sites(self) -> Sites:
        return self.out.sites

    def record(self, hit: SinkHit) -> None:
        self.out.record(hit)

    def finish(self) -> None:
        """After every root: parameters no traced flow fills that reach a dangerous sink."""
        self.out.finish(self.summaries, self.called, list(self.modules.values()), self.safe_param)

    def safe_param(self, qualname: str, index: int, cwe: int) -> bool:
        """Does every call of the function pass this parameter a value that cannot reach ``cwe``
        (a SQLAlchemy statement into ``def run(stmt): session.execute(stmt)``)?"""
        tags = self.arg_tags.get((qualname, index), set())
        return bool(tags) and all(cwe in tb.TAG_SAFE_FOR.get(tag, ()) for tag in tags)


# Flask/Werkzeug and Starlette converters that match one URL segment (no "/"); ``path`` does not.
_SEGMENT_CONVERTERS = frozenset({"string", "str", "default", "any"})
_VIEW_MODULE = re.compile(r"(^|[/_])(views?|urls|api|endpoints|handlers)([/_.]|$)")


def _django_view(func: FuncInfo, positional: list[ast.arg]) -> bool:
    """A Django-style view (``def v(request, slug)``): its other parameters come from the URL.

    Only in view-like modules (or decorated functions), and never middleware hooks,
    so helpers that merely take the request along (``login(request, user)``) stay symbolic.
    """
    names = [a.arg for a in positional]
    if names[:1] in (["self"], ["cls"]):
        names = names[1:]
    if names[:1] != ["request"] or func.node.name.startswith(("process_", "_")):
        return False
    if any(_decorator_leaf(d) == "fixture" for d in func.node.decorator_list):
        return False  # @pytest.fixture def app(request, tmp_path): pytest's request, its own fixtures
    if func.node.decorator_list or _VIEW_MODULE.search(func.module.path):
        return True
    return _returns_response(func)


def _decorator_leaf(node: ast.expr) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


_RESPONSE_MODULES = ("django.http", "django.shortcuts", "rest_framework.response")


def _returns_response(func: FuncInfo) -> bool:
    """Does the function return a Django response it builds (``return HttpResponse(...)``)?"""
    for node in ast.walk(func.node):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            callee = node.value.func
            name = callee.id if isinstance(callee, ast.Name) else None
            qualified = func.module.aliases.get(name, "") if name else ""
            if qualified.startswith(_RESPONSE_MODULES):
                return True
    return False


def _bind_args(target: FuncInfo, args: CallArgs, it: Interp) -> dict[int, Val]:
    fargs = target.node.args
    positional = [*fargs.posonlyargs, *fargs.args]
    names = [a.arg for a in (*positional, *fargs.kwonlyargs)]
    offset = 1 if positional and positional[0].arg in ("self", "cls") and target.cls else 0
    bound: dict[int, Val] = {}
    for i, value in enumerate(args.args):
        if i + offset < len(positional):
            bound[i + offset] = value
    for key, value in args.kwargs.items():
        if key in names:
            bound[names.index(key)] = value
    return bound


def _substitute(ret: Val, bound: dict[int, Val], step: TraceStep) -> Val:
    if not ret.taints and ret.items is None and ret.keys is None:
        return ret
    taints: frozenset[Taint] = frozenset()
    for t in ret.taints:
        if t.kind != SourceKind.PARAM:
            taints = taints | {t}
            continue
        arg = bound.get(t.param)
        if arg is not None:
            taints = taints | {extend(a, step, t) for a in flatten(arg)}
    items = tuple(_substitute(i, bound, step) for i in ret.items) if ret.items is not None else None
    keys = tuple((k, _substitute(v, bound, step)) for k, v in ret.keys) if ret.keys is not None else None
    if not taints and items is None and keys is None:
        return CLEAN if not ret.tag else Val(tag=ret.tag)
    return Val(cap(taints), NO_CONST, items, keys, ret.prefix if taints else "", ret.tag)


def _parse_extra_sinks(entries: list[str]) -> dict[str, tb.Sink]:
    """``dotted.name:CWE`` entries, already validated by TaintConfig."""
    sinks: dict[str, tb.Sink] = {}
    for entry in entries:
        name, _, cwe = entry.partition(":")
        sinks[name.strip()] = tb.Sink(int(cwe), (0,), (), name.strip())
    return sinks


def _parse_extra_sanitizers(entries: list[str]) -> dict[str, frozenset[int]]:
    out: dict[str, frozenset[int]] = {}
    for entry in entries:
        name, sep, cwes = entry.partition(":")
        out[name.strip()] = frozenset(int(c) for c in cwes.split(",")) if sep else ALL_CWES
    return out


__all__ = ["Program", "SinkHit", "Summary"]
