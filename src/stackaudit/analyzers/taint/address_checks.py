"""A project's own SSRF guard: a function that resolves a URL's host and screens the addresses.

Real services that fetch user-given URLs write their guard themselves (``validate_url(url)``
raising on a private address, ``is_private_hostname(host)``), often a few calls deep:
``validate_url`` → ``_assert_addresses_allowed`` → ``ipaddress.ip_address(a).is_global``.
No library name marks them, so they are recognised by what their body does: it inspects
resolved addresses (``getaddrinfo``, ``ip_address``, ``is_private``, ``is_loopback`` ...),
itself or through the repository functions it calls (a few hops).

Such a guard cleans the checked value for SSRF:
- called as a statement (``validate_url(u)``, ``await asyncio.to_thread(validate_url, u)``,
  ``loop.run_in_executor(None, validate_url, u)``) when it can raise: past the call the value
  passed the check;
- tested in an ``if``: on the branch where the check passed, which the function's name tells
  (``is_private_…``/``…_blocked`` true means refused; ``is_safe_…``/``validate_…`` true means
  accepted).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import tables as tb

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.interp import Interp
    from stackaudit.analyzers.taint.modules import FuncInfo

_ADDRESS_ATTRS = frozenset(
    {
        *("is_private", "is_loopback", "is_link_local", "is_reserved", "is_global", "is_multicast"),
        *("is_unspecified", "is_site_local", "ip_address", "ip_network", "getaddrinfo", "gethostbyname"),
    }
)
_REFUSING_NAME = re.compile(r"private|internal|blocked|forbidden|restricted|local|special|denied", re.I)
_THREAD_RUNNERS = frozenset({"asyncio.to_thread"})
MAX_HOPS = 3
SSRF_ONLY = frozenset({tb.SSRF})


def checked_by_statement(it: Interp, call: ast.Call) -> ast.expr | None:
    """The argument a statement-position call to a raising address guard has checked, or None."""
    func, args = _unwrapped(it, call)
    if func is None or not args:
        return None
    helper = _helper(it, func)
    if (
        helper is None
        or not screens_addresses(it, helper)
        or not _in_calls(it, helper, _raising, MAX_HOPS, set())
    ):
        return None
    return args[0]


def checked_by_test(it: Interp, call: ast.Call) -> tuple[ast.expr, bool] | None:
    """``if is_safe(u)`` / ``if is_private_host(h)``: the checked argument, and whether the check
    passed on the true branch (False: the name says a true result refuses the value)."""
    if not call.args:
        return None
    helper = _helper(it, call.func)
    if helper is None or not screens_addresses(it, helper):
        return None
    return call.args[0], not _REFUSING_NAME.search(helper.name or helper.qualname.rsplit(".", 1)[-1])


def _unwrapped(it: Interp, call: ast.Call) -> tuple[ast.expr | None, list[ast.expr]]:
    """``asyncio.to_thread(f, x)`` and ``loop.run_in_executor(None, f, x)`` call ``f(x)``."""
    if it.qualname(call.func) in _THREAD_RUNNERS and call.args:
        return call.args[0], list(call.args[1:])
    if isinstance(call.func, ast.Attribute) and call.func.attr == "run_in_executor" and len(call.args) >= 2:
        return call.args[1], list(call.args[2:])
    return call.func, list(call.args)


def _helper(it: Interp, func: ast.expr) -> FuncInfo | None:
    qn = it.qualname(func)
    return it.prog.resolve_function(it, func, qn) if qn else None


def screens_addresses(it: Interp, helper: FuncInfo) -> bool:
    """Does the function, or a repository function it calls (a few hops), look at addresses?"""
    known = it.prog.address_guards.get(helper.qualname)
    if known is None:
        known = it.prog.address_guards[helper.qualname] = _in_calls(it, helper, _screening, MAX_HOPS, set())
    return known


def _screening(node: ast.AST) -> bool:
    """``ipaddress.ip_address(a).is_global``, ``socket.getaddrinfo``, ``from ipaddress import ip_address``."""
    return (isinstance(node, ast.Attribute) and node.attr in _ADDRESS_ATTRS) or (
        isinstance(node, ast.Name) and node.id in _ADDRESS_ATTRS
    )


def _raising(node: ast.AST) -> bool:
    return isinstance(node, ast.Raise)


def _in_calls(
    it: Interp, helper: FuncInfo, found: Callable[[ast.AST], bool], hops: int, seen: set[str]
) -> bool:
    """Does ``found`` hold for a node of the function or of a repository function it calls?"""
    seen.add(helper.qualname)
    callees: list[FuncInfo] = []
    for sub in ast.walk(helper.node):
        if found(sub):
            return True
        if hops and isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            callee = _callee(it, helper, sub.func.id)
            if callee is not None and callee.qualname not in seen:
                callees.append(callee)
    return any(_in_calls(it, c, found, hops - 1, seen) for c in callees)


def _callee(it: Interp, helper: FuncInfo, name: str) -> FuncInfo | None:
    """A function of the helper's module, or one it imports from another repository module."""
    own = helper.module.functions.get(name)
    if own is not None:
        return own
    target = helper.module.aliases.get(name)
    if target is None:
        return None
    mod_name, _, attr = it.prog.canonical(target).rpartition(".")
    mod = it.prog.module(mod_name) if mod_name else None
    return mod.functions.get(attr) if mod is not None else None
