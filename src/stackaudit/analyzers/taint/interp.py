"""The intra-procedural interpreter: statements and expressions over abstract values.

Flow-sensitive: a function body becomes a control-flow graph (``cfg.py``) and one
worklist fixpoint (``fixpoint.py``) runs its blocks, joining states where paths meet
and widening at blocks visited often, so loops run to a fixed point. A path that ends
(return, raise, abort) does not flow on; a condition that constant folding decides
feeds only its live branch; guards refine the state on each branch.
Expressions live in ``exprs.py``, calls and sinks in ``calls.py``/``sinks.py``, guards
(allow-lists, validators) in ``guards.py``.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import address_checks, calls, cfg, closures, exprs, fixpoint, guards
from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.exprs import join_all, truthy
from stackaudit.analyzers.taint.folding import fold_binop
from stackaudit.analyzers.taint.modules import FuncInfo, ModuleInfo, add_import, dotted
from stackaudit.analyzers.taint.origins import SAFE_CONFIGURATION, noun
from stackaudit.analyzers.taint.values import (
    CLEAN,
    CONFIGURED_HOST,
    NO_CONST,
    NOT_DOUBLE_SLASH,
    OWN_PATH,
    STARTS_WITH_SLASH,
    SourceKind,
    Taint,
    Val,
    as_directory,
    concatenated,
    configured,
    const,
    container,
    flatten,
    formatted,
    join,
    tainted,
    union,
)
from stackaudit.model import Location, TraceStep

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.program import Program, SinkHit

Env = dict[str, Val]


class BudgetExceeded(Exception):
    """The per-file time bound ran out."""


class Interp:
    def __init__(self, prog: Program, mod: ModuleInfo, func: FuncInfo | None, depth: int) -> None:
        self.prog = prog
        self.mod = mod
        self.func = func
        self.depth = depth
        self.env: Env = {}
        self.aliases = mod.aliases
        self.returns: list[Val] = []
        self.hits: list[SinkHit] = []
        self.expr_depth = 0
        self.yields = False
        self.exits: dict[int, Env] = {}  # state at each return (the last visit's)
        self.rebound: set[str] = (
            set()
        )  # names assigned in this body (a parameter rebound is not the caller's)
        self.derived: dict[str, str] = {}  # name -> the variable it was computed from by a call
        self.symbol = func.symbol if func else None

    # ---- locations -------------------------------------------------------------------
    def loc(self, node: ast.AST) -> Location:
        return Location(
            self.mod.path,
            getattr(node, "lineno", 0),
            getattr(node, "col_offset", 0) + 1,
            getattr(node, "end_lineno", 0) or 0,
            (getattr(node, "end_col_offset", 0) or 0) + 1,
            self.symbol,
        )

    def new_taint(self, kind: SourceKind, node: ast.AST, note: str) -> Taint:
        endpoint = self.func.route if self.func else None
        return Taint(kind, TraceStep(self.loc(node), note, "source"), endpoint=endpoint)

    # ---- statements ------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt]) -> bool:
        """Run statements to a fixed point; True when every path through them ends (return/raise/abort).

        ``self.env`` is the state on entry and, afterwards, the state at the end of the body.
        """
        return fixpoint.run(self, cfg.build(stmts))

    def run_block(self, block: cfg.Block) -> bool:
        """Run one block's instructions on ``self.env``; True when a statement ended the path."""
        for instr in block.instrs:
            if isinstance(instr, ast.stmt):
                if self.stmt(instr):
                    return True
            else:
                self._synthetic(instr)
        return False

    def branch(self, test: ast.expr) -> list[tuple[bool, Env]]:
        """The states on the live successors of a condition: folded, or refined by the guards."""
        value = self.expr(test)
        if value.is_const:
            return [(truthy(value.const), self.env)]
        on_true, on_false = guards.refine(self, test)
        return [(True, {**self.env, **on_true}), (False, {**self.env, **on_false})]

    def _synthetic(self, instr: cfg.Instr) -> None:
        if isinstance(instr, cfg.Evaluate):
            self.env[instr.slot] = self.expr(instr.expr)
        elif isinstance(instr, cfg.BindElement):
            seq = self.env.get(instr.slot, CLEAN)
            element = join_all(seq.items) if seq.items else Val(taints=flatten(seq), tag=_elem_tag(seq))
            target = instr.target
            if _enumerates(instr.node) and isinstance(target, ast.Tuple) and len(target.elts) == 2:
                self.assign(target.elts[0], CLEAN, instr.node)  # enumerate's index is a counter
                self.assign(target.elts[1], element, instr.node)
            else:
                self.assign(target, element, instr.node)
        elif isinstance(instr, cfg.BindWith):
            value = self.expr(instr.item.context_expr)
            if instr.item.optional_vars is not None:
                self.assign(instr.item.optional_vars, value, instr.item.context_expr)
        elif isinstance(instr, cfg.BindExcept):
            self.env[instr.name] = CLEAN
        elif isinstance(instr, cfg.BindCapture):
            subject = Val(taints=flatten(self.env.get(instr.slot, CLEAN)))
            for name in _pattern_names(instr.pattern):
                self.env[name] = subject

    def stmt(self, node: ast.stmt) -> bool:
        if time.monotonic() > self.prog.deadline:
            raise BudgetExceeded
        handler = _STMT_TABLE.get(type(node))
        return handler(self, node) if handler else False

    def _assign(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.Assign)
        value = self.expr(node.value)
        for target in node.targets:
            self.assign(target, value, node)
        return False

    def _ann_assign(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.AnnAssign)
        if node.value is not None:
            self.assign(node.target, self.expr(node.value), node)
        return False

    def _aug_assign(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.AugAssign)
        load = _as_load(node.target)
        value = self.binop(node.op, self.expr(load), self.expr(node.value))
        self.assign(node.target, value, node)
        return False

    def _expr_stmt(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.Expr)
        self.expr(node.value)
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(call, ast.Call):
            checked = address_checks.checked_by_statement(self, call)
            if checked is not None:  # validate_url(u) raises on a private address: past it, u passed
                self.env.update(guards.address_checked(self, checked))
        return isinstance(node.value, ast.Call) and self.qualname(node.value.func) in tb.EXIT_CALLS

    def _return(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.Return)
        value = self.expr(node.value) if node.value is not None else const(None)
        calls.check_return(self, node, value)
        self.returns.append(value)
        self.exits[id(node)] = self.env
        return True

    def _raise(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.Raise)
        if node.exc is not None:
            self.expr(node.exc)
        return True

    def _def(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        self.env[node.name] = closures.define(self, node)
        self.rebound.add(node.name)
        return False

    def _delete(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.Delete)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.env.pop(target.id, None)
            elif isinstance(target, ast.Subscript):
                calls.delete_item(self, target)
        return False

    def _import(self, node: ast.stmt) -> bool:
        assert isinstance(node, ast.Import | ast.ImportFrom)
        if self.aliases is self.mod.aliases:
            self.aliases = dict(self.mod.aliases)
        add_import(self.aliases, set(), node, self.mod.name, self.mod.path.endswith("__init__.py"))
        for alias in node.names:
            self.env.pop((alias.asname or alias.name).split(".")[0], None)
        return False

    # ---- sink sites: proofs and unknown origins -----------------------------------------
    def observe_sink(
        self, sink: tb.Sink, values: list[Val], taints: frozenset[Taint], node: ast.Call
    ) -> None:
        """Classify what reached a sink: a traced flow (reported already), a proof, or an unknown origin."""
        cwe = sink.cwe
        loc = self.loc(node)
        key = (cwe, loc.path, loc.line, loc.column)
        sites = self.prog.sites
        if any(t.reaches(cwe) for t in taints):
            sites.veto(key)
            return
        if not values:
            if sink.kind in SAFE_CONFIGURATION:
                sites.prove(key, loc, SAFE_CONFIGURATION[sink.kind])
            return
        what = noun(cwe)
        if taints:
            sites.prove(key, loc, f"{what} passes a sanitiser or validation for CWE-{cwe}")
        elif any(flatten(v) for v in values):
            sites.prove(key, loc, f"{what} has a fixed scheme and host")
        elif all(v.is_const for v in values):
            sites.prove(key, loc, f"{what} is a constant")
        else:  # built from constants and cleaned parts, or from names the analysis does not follow
            sites.veto(key)

    # ---- assignment --------------------------------------------------------------------
    def assign(self, target: ast.expr, value: Val, node: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.rebound.add(target.id)
            self.env[target.id] = _with_step(value, self.loc(node), f"assigned to {target.id}")
            source = getattr(node, "value", None)
            if isinstance(source, ast.Call) and source.args and isinstance(source.args[0], ast.Name):
                self.derived[target.id] = source.args[0].id  # parsed = urlparse(url)
            else:
                self.derived.pop(target.id, None)
        elif isinstance(target, ast.Tuple | ast.List):
            self._unpack(target.elts, value, node)
        elif isinstance(target, ast.Attribute):
            path = dotted(target)
            if path:
                self.env[path] = _with_step(value, self.loc(node), f"stored in {path}")
                self._invalidate(path)
        elif isinstance(target, ast.Subscript):
            calls.store_item(self, target, value, node)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, Val(taints=flatten(value)), node)

    def _invalidate(self, path: str) -> None:
        prefix = path + "."
        for key in [k for k in self.env if k.startswith(prefix)]:
            del self.env[key]

    def _unpack(self, elts: list[ast.expr], value: Val, node: ast.AST) -> None:
        starred = any(isinstance(e, ast.Starred) for e in elts)
        if value.items is not None and len(value.items) == len(elts) and not starred:
            for elt, item in zip(elts, value.items, strict=True):
                self.assign(elt, item, node)
            return
        whole = Val(taints=flatten(value))
        for elt in elts:
            self.assign(elt, whole, node)

    # ---- expressions -------------------------------------------------------------------
    def expr(self, node: ast.expr | None) -> Val:
        if node is None:
            return CLEAN
        self.expr_depth += 1
        try:
            if self.expr_depth > self.prog.max_expression_depth:
                self.prog.mark_partial(self.mod.path, "expression nesting beyond taint.max_expression_depth")
                return CLEAN
            if type(node) is ast.Lambda:
                return closures.define(self, node)
            method = exprs.EXPR_TABLE.get(type(node))
            return method(self, node) if method else CLEAN
        finally:
            self.expr_depth -= 1

    def qualname(self, node: ast.expr) -> str | None:
        """Qualified name of a Name/Attribute chain resolved through imports; None when local."""
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return None
            alias = self.aliases.get(node.id)
            if alias:
                return alias
            if node.id in self.mod.functions or node.id in self.mod.classes:
                return f"{self.mod.name}.{node.id}"
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def global_value(self, qn: str, node: ast.expr) -> Val:
        if qn in tb.REQUEST_OBJECTS:
            return Val(tag="request")
        if qn in tb.SESSION_OBJECTS:
            return Val(tag="session")
        kind = tb.SOURCE_NAMES.get(qn)
        if kind:
            return tainted(frozenset({self.new_taint(_KINDS[kind], node, qn)}))
        value = self.prog.module_const(qn)
        return CLEAN if value is NO_CONST else const(value)

    def request_attr(self, node: ast.AST, attr: str) -> Val:
        if attr in tb.REQUEST_CLEAN_ATTRS or attr not in tb.REQUEST_INPUT_ATTRS:
            return CLEAN  # request.user, request.event (set by middleware), send_response()...
        if attr == "session":
            return Val(tag="session")
        taint = self.new_taint(SourceKind.REQUEST, node, f"request.{attr} (user input)")
        if attr in tb.REFERER_NAMES or attr in tb.OWN_SITE_ATTRS:
            taint = taint.clean_for(frozenset({tb.REDIRECT}))
        if attr in tb.OWN_PATH_ATTRS:
            taint = taint.clean_for(_OWN_PATH | self._path_checked(node))
        return Val(taints=frozenset({taint}), tag=_REQUEST_TAGS.get(attr, ""))

    def _path_checked(self, node: ast.AST) -> frozenset[int]:
        """``get_full_path()`` after ``if request.path.startswith("/orga")``: the same path, so
        the same facts (see guards._own_path)."""
        receiver = node.func if isinstance(node, ast.Call) else node
        base = receiver.value if isinstance(receiver, ast.Attribute) else None
        if not isinstance(base, ast.Name):
            return frozenset()
        for attr in ("path", "path_info"):
            checked = self.env.get(f"{base.id}.{attr}")
            if (
                checked is not None
                and checked.taints
                and all(NOT_DOUBLE_SLASH in t.cleaned for t in checked.taints)
            ):
                return frozenset({NOT_DOUBLE_SLASH})
        return frozenset()

    def binop(self, op: ast.operator, left: Val, right: Val) -> Val:
        if left.is_const and right.is_const:
            folded = fold_binop(op, left.const, right.const)
            if folded is not NO_CONST:
                return const(folded)
        if isinstance(op, ast.Add) and left.items is not None and right.items is not None:
            return container((*left.items, *right.items), union(left, right))
        prefix = left.prefix if isinstance(op, ast.Add | ast.Mod) else ""
        base_from_config = (
            isinstance(op, ast.Add) and not left.is_const and configured(left) and not left.prefix
        )
        if base_from_config and right.is_const and isinstance(right.const, str):  # BASE_URL + "/path/" + x
            prefix = CONFIGURED_HOST + right.const
        if isinstance(op, ast.Mod) and left.is_const and isinstance(left.const, str):
            prefix = left.const.split("%", 1)[0]
        tag = "path" if "path" in (left.tag, right.tag) and isinstance(op, ast.Div) else ""
        if isinstance(op, ast.Add):
            return tainted(concatenated([left, right]), prefix=prefix, tag=tag)
        if isinstance(op, ast.Mod) and isinstance(left.const, str):
            pieces = formatted(left.const, right)
            if pieces is not None:
                return tainted(pieces, prefix=prefix, tag=tag)
        head = (
            as_directory(flatten(left)) if isinstance(op, ast.Div) else flatten(left)
        )  # Path(d) / seg / "x"
        return tainted(head | flatten(right), prefix=prefix, tag=tag)


_OWN_PATH = frozenset({OWN_PATH, STARTS_WITH_SLASH})
_REQUEST_TAGS = {"headers": "headers", "META": "meta", "environ": "meta"}  # meta: the server's keys too


def _with_step(value: Val, location: Location, note: str) -> Val:
    if not value.taints or len(value.taints) > 2:
        return value
    stepped = frozenset(t.step(location, note) for t in value.taints)
    return Val(stepped, value.const, value.items, value.keys, value.prefix, value.tag)


def _as_load(target: ast.expr) -> ast.expr:
    return target


def _enumerates(node: ast.AST) -> bool:
    """``for i, x in enumerate(xs)``: the index is an int the loop counts, never input."""
    it = getattr(node, "iter", None)
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "enumerate"


def _elem_tag(seq: Val) -> str:
    return "path" if seq.tag == "path" else ""


def _pattern_names(pattern: ast.pattern) -> list[str]:
    return [n.name for n in ast.walk(pattern) if isinstance(n, ast.MatchAs | ast.MatchStar) and n.name]


def join_envs(envs: list[Env]) -> Env:
    if len(envs) == 1:
        return envs[0]
    first, *rest = envs
    out: Env = dict(first)
    for env in rest:
        for key, value in env.items():
            mine = out.get(key)
            out[key] = value if mine is None else join(mine, value)
        for key in out.keys() - env.keys():
            v = out[key]  # maybe unbound on the other path: keep what it may hold, drop the constant
            out[key] = Val(v.taints, NO_CONST, v.items, v.keys, v.prefix, v.tag)
    return out


_KINDS = {
    "cli": SourceKind.CLI,
    "env": SourceKind.ENV,
    "request": SourceKind.REQUEST,
    "file": SourceKind.FILE,
}

# Class-level dispatch tables (bound-method tables on the instance would make reference cycles).
_STMT_TABLE: dict[type, Callable[[Interp, ast.stmt], bool]] = {
    ast.Assign: Interp._assign,
    ast.AnnAssign: Interp._ann_assign,
    ast.AugAssign: Interp._aug_assign,
    ast.Expr: Interp._expr_stmt,
    ast.Return: Interp._return,
    ast.Raise: Interp._raise,
    ast.Delete: Interp._delete,
    ast.FunctionDef: Interp._def,
    ast.AsyncFunctionDef: Interp._def,
    ast.Import: Interp._import,
    ast.ImportFrom: Interp._import,
}
