"""Conditions that clean a value on one branch: allow-lists, validators, normalise-then-check.

``refine(test)`` returns the environment updates for the true branch and for the
false branch. ``if x not in ALLOWED: abort(400)`` cleans ``x`` after the ``if``
because the true branch ends and only the false branch flows on.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from stackaudit.analyzers.pyparse import statement_nodes
from stackaudit.analyzers.taint import address_checks, sitectx
from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.values import (
    ALL_CWES,
    CLEAN,
    NO_DOTDOT,
    NOT_ABSOLUTE,
    NOT_DOUBLE_SLASH,
    SEGMENT,
    STARTS_WITH_SLASH,
    SourceKind,
    Taint,
    Val,
    flatten,
)

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.calls import CallArgs
    from stackaudit.analyzers.taint.interp import Env, Interp

# Facts about a path (negative: not sink classes): no "..", does not start with "/".
_NO_DOTDOT, _NOT_ABSOLUTE = frozenset({NO_DOTDOT}), frozenset({NOT_ABSOLUTE})
_VALIDATORS = frozenset({"isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier"})
_HOST_ATTRS = frozenset({"netloc", "hostname", "host", "scheme"})
_HOST_NAMES = _HOST_ATTRS - {"scheme"}
_HOST_CHECKED = frozenset({tb.SSRF, tb.REDIRECT})
_FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#]+[/?#]")
_SUBJECT_KW = frozenset({"url", "value", "path", "s"})
# A check the project wrote and named for what it proves: is_safe_url, is_valid_filename, allowed_file.
_VALIDATOR_NAME = re.compile(
    r"^_?(is_|check_|validate_|verify_)?(safe|valid|allowed|trusted|whitelisted|allowlisted|permitted)(_|$)"
    r"|^_?is_\w*_(safe|valid|allowed|trusted)$"
)
_EXTENSION_CHECK = re.compile(r"file|ext", re.IGNORECASE)  # allowed_file(name): the extension only
_REGEX_CALLS = frozenset({"re.fullmatch", "re.match", "regex.fullmatch", "regex.match"})


def refine(it: Interp, test: ast.expr) -> tuple[Env, Env]:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        on_true, on_false = refine(it, test.operand)
        return on_false, on_true
    if isinstance(test, ast.BoolOp):
        parts = [refine(it, v) for v in test.values]
        if isinstance(test.op, ast.And):  # false when any part is false: only what every part cleans
            return _merge([p[0] for p in parts]), _common([p[1] for p in parts])
        return _common([p[0] for p in parts]), _merge([p[1] for p in parts])
    if isinstance(test, ast.Attribute) and test.attr in _HOST_ATTRS:
        return {}, _subject(it, test)  # `if parsed.netloc:` false: no host, a relative URL
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _compare(it, test)
    if isinstance(test, ast.Call):
        return _call(it, test), _call_false(it, test)
    bound = _bound_call(it, test)
    if bound is not None:  # ok, reason = is_url_safe(url); if not ok: return
        return _call(it, bound), {}
    return {}, {}


def _bound_call(it: Interp, test: ast.expr) -> ast.Call | None:
    """The call whose result (or first tuple element) the tested name holds, bound in this scope."""
    if not isinstance(test, ast.Name):
        return None
    found: ast.Call | None = None
    line = -1
    for node in statement_nodes(sitectx.scope(it)):  # assignments are statements (ast.walk's order)
        if not (
            isinstance(node, ast.Assign) and line < node.lineno <= test.lineno and len(node.targets) == 1
        ):
            continue
        target = node.targets[0]
        if isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[0]
        if isinstance(target, ast.Name) and target.id == test.id:
            found, line = (node.value if isinstance(node.value, ast.Call) else None), node.lineno
    return found


def _common(envs: list[Env]) -> Env:
    if not envs:
        return {}
    keys = set(envs[0]).intersection(*envs[1:])
    return {key: envs[0][key] for key in keys}


def _merge(envs: list[Env]) -> Env:
    """All of these facts hold: a value refined twice keeps both cleanings."""
    out: Env = {}
    for env in envs:
        for name, value in env.items():
            out[name] = _both(out[name], value) if name in out else value
    return out


def _both(a: Val, b: Val) -> Val:
    if not a.taints or not b.taints:
        return a if not a.taints else b
    facts = frozenset.intersection(*(t.cleaned for t in a.taints))
    return _clean_for(b, facts) if facts else b


def _compare(it: Interp, test: ast.Compare) -> tuple[Env, Env]:
    op, right = test.ops[0], test.comparators[0]
    if isinstance(op, ast.In | ast.NotIn) and isinstance(test.left, ast.Constant) and test.left.value == "..":
        name = _name_of(right)  # if ".." in name: abort()
        facts = {name: _clean_for(it.env[name], _NO_DOTDOT)} if name and name in it.env else {}
        return ({}, facts) if isinstance(op, ast.In) else (facts, {})
    if isinstance(op, ast.In | ast.NotIn) and _is_constant_collection(it, right):
        cleaned = _subject(it, test.left)
        return (cleaned, {}) if isinstance(op, ast.In) else ({}, cleaned)
    if isinstance(op, ast.Eq | ast.NotEq) and (bare := _own_basename(it, test.left, right)):
        return (bare, {}) if isinstance(op, ast.Eq) else ({}, bare)
    if isinstance(op, ast.Eq | ast.NotEq) and (common := _common_path(it, test.left, right)):
        return (common, {}) if isinstance(op, ast.Eq) else ({}, common)
    if isinstance(op, ast.Eq | ast.NotEq | ast.Is):
        cleaned = _equal_to_server_value(it, test.left, right)
        return (cleaned, {}) if isinstance(op, ast.Eq | ast.Is) else ({}, cleaned)
    return {}, {}


def _common_path(it: Interp, left: ast.expr, right: ast.expr) -> Env:
    """``os.path.commonpath([BASE, p]) == BASE`` with ``p`` normalised (realpath): ``p`` stays under BASE."""
    for call, base in ((left, right), (right, left)):
        if not (isinstance(call, ast.Call) and it.qualname(call.func) in _COMMONPATH and call.args):
            continue
        if flatten(it.expr(base)) or not isinstance(call.args[0], ast.List | ast.Tuple):
            continue
        out: Env = {}
        for elt in call.args[0].elts:
            name = _name_of(elt)
            if name and name in it.env and it.env[name].tag == "normpath":
                out[name] = _clean_for(it.env[name], frozenset({tb.PATH}))
        return out
    return {}


_COMMONPATH = frozenset({"os.path.commonpath", "posixpath.commonpath"})
_BASENAMES = frozenset({"os.path.basename", "posixpath.basename", "werkzeug.utils.secure_filename"})


def _own_basename(it: Interp, left: ast.expr, right: ast.expr) -> Env:
    """``if name != os.path.basename(name): raise``: a name equal to its own last component has no
    directory part, so it cannot leave the directory it is joined to."""
    for call, other in ((left, right), (right, left)):
        if not (isinstance(call, ast.Call) and len(call.args) == 1 and it.qualname(call.func) in _BASENAMES):
            continue
        name = _name_of(other)
        if name and name in it.env and _name_of(call.args[0]) == name:
            return {name: _clean_for(it.env[name], frozenset({tb.PATH}))}
    return {}


def _equal_to_server_value(it: Interp, left: ast.expr, right: ast.expr) -> Env:
    """``x == "admin"`` or ``name == expected`` (computed by the server): ``x`` holds that value.

    Either side may be the checked one; the other must carry no taint at all (a constant,
    a value the server computed, a database value).
    """
    for subject, other in ((left, right), (right, left)):
        name = _name_of(subject)
        if name is None or (name not in it.env and not isinstance(subject, ast.Attribute)):
            continue
        value = it.expr(other)
        if value.is_const or (_no_input(value) and _computed(other)):
            return {name: CLEAN}
    return {}


def _no_input(value: Val) -> bool:
    """Nothing from this request in it: only data at rest (database rows) or no taint at all."""
    return all(t.kind is SourceKind.STORED for t in flatten(value))


def _computed(node: ast.expr) -> bool:
    """An expression that yields a value (not a bare attribute of an unknown object)."""
    return isinstance(node, ast.Name | ast.Call | ast.Subscript | ast.JoinedStr | ast.BinOp)


def _is_constant_collection(it: Interp, node: ast.expr) -> bool:
    """An allow-list: constants, or a collection the server built (``os.listdir``, a query, a set)."""
    value = it.expr(node)
    if value.is_const:
        return isinstance(value.const, tuple | frozenset | str | bytes)
    if value.items is not None:
        return all(i.is_const for i in value.items)
    if value.keys is not None:
        return True  # membership tests a dict's keys, which are constants here
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    if _no_input(value) and not isinstance(node, ast.Constant):
        return True  # os.listdir(...), a query's rows, config["SUPPORTED_LANGUAGES"]: no input in it
    return _looks_constant_name(node)


def _looks_constant_name(node: ast.expr) -> bool:
    """ALLOWED_HOSTS, settings.ALLOWED_REDIRECTS: an upper-case name is a configured allow-list."""
    leaf = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return bool(leaf) and leaf.isupper()


def _subject(it: Interp, node: ast.expr) -> Env:
    """What a membership test validates: the value itself, or its host."""
    if isinstance(node, ast.Attribute) and node.attr in _HOST_ATTRS:
        inner = _innermost_name(node.value)
        inner = it.derived.get(inner, inner) if inner else None
        if inner and inner in it.env:
            return {inner: _clean_for(it.env[inner], _HOST_CHECKED)}
    name = _name_of(node)
    if name:
        return {name: CLEAN}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        inner = _name_of(node.func.value)
        if inner and node.func.attr in ("lower", "strip", "upper", "casefold"):
            return {inner: CLEAN}
    return {}


def _call(it: Interp, test: ast.Call) -> Env:
    func = test.func
    if isinstance(func, ast.Attribute):
        subject = _name_of(func.value)
        if subject and func.attr in _VALIDATORS:
            return {subject: CLEAN}
        if subject and subject in it.env and func.attr in ("startswith", "is_relative_to") and test.args:
            return _prefix_check(it, subject, it.env[subject], test.args[0])
        if subject and _own_path(func.value) and func.attr == "startswith" and test.args:
            return _prefix_check(it, subject, it.expr(func.value), test.args[0])  # request.path
        if func.attr == "fullmatch" and test.args:
            target = _name_of(test.args[-1])
            return {target: CLEAN} if target else {}
    guarded = address_checks.checked_by_test(it, test)
    if guarded is not None:
        return address_checked(it, guarded[0]) if guarded[1] else {}
    qn = it.qualname(func)
    leaf = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    named = _VALIDATOR_NAME.match(leaf) and not _EXTENSION_CHECK.search(leaf)
    if named and test.args and qn not in tb.SANITIZERS:
        target = _name_of(test.args[0])  # the project's own is_safe_url(x) / is_valid_path(x)
        return {target: CLEAN} if target else {}
    helper = it.prog.resolve_function(it, func, qn) if qn else None
    if helper is not None and test.args and is_validator(helper.node):
        target = _name_of(test.args[0])
        return {target: CLEAN} if target else {}
    if helper is not None and len(test.args) >= 2 and _same_host_check(helper.node):
        target = _name_of(test.args[0])  # _is_same_origin(url, TRUSTED_BASE): the admin's host
        other = it.expr(test.args[1])
        if target and target in it.env and not any(t.kind.remote for t in other.taints):
            return {target: _clean_for(it.env[target], _HOST_CHECKED)}
    if qn in _REGEX_CALLS and len(test.args) >= 2:
        pattern = it.expr(test.args[0])
        target = _name_of(test.args[1])
        anchored = qn.endswith("fullmatch") or (
            isinstance(pattern.const, str) and pattern.const.endswith("$")
        )
        return {target: CLEAN} if target and anchored else {}
    checked = (
        test.args[0] if test.args else next((k.value for k in test.keywords if k.arg in _SUBJECT_KW), None)
    )
    if qn in tb.SANITIZERS and checked is not None:
        target = _name_of(checked)
        if target and target in it.env and tb.SANITIZERS[qn] != ALL_CWES:
            return {target: _clean_for(it.env[target], tb.SANITIZERS[qn])}
    return {}


def _call_false(it: Interp, test: ast.Call) -> Env:
    """``if not url.startswith(("//", "/\\")): ...``: the value does not start with a double slash."""
    func = test.func
    guarded = address_checks.checked_by_test(it, test)
    if guarded is not None:  # if is_private_hostname(host): refuse
        return {} if guarded[1] else address_checked(it, guarded[0])
    if it.qualname(func) in ("os.path.isabs", "posixpath.isabs") and test.args:
        name = _name_of(test.args[0])
        return {name: _clean_for(it.env[name], _NOT_ABSOLUTE)} if name and name in it.env else {}
    if not (isinstance(func, ast.Attribute) and func.attr == "startswith" and test.args):
        return {}
    subject = _name_of(func.value)
    prefix = it.expr(test.args[0])
    prefixes = prefix.const if isinstance(prefix.const, tuple) else (prefix.const,)
    if subject and subject in it.env and "//" in prefixes:
        return {subject: _clean_for(it.env[subject], frozenset({NOT_DOUBLE_SLASH}))}
    if subject and subject in it.env and "/" in prefixes:
        return {subject: _clean_for(it.env[subject], _NOT_ABSOLUTE)}
    return {}


def address_checked(it: Interp, arg: ast.expr) -> Env:
    """The value an address guard screened, cleaned for SSRF: a URL, or the URL a checked host
    (``parsed.hostname``, ``host = urlparse(url).hostname``) was taken from."""
    if isinstance(arg, ast.Attribute) and arg.attr in _HOST_ATTRS:
        name = _innermost_name(arg.value)
    else:
        name = _name_of(arg)
    out: Env = {}
    for candidate in (name, it.derived.get(name) if name else None):
        if candidate and candidate in it.env:
            out[candidate] = _clean_for(it.env[candidate], address_checks.SSRF_ONLY)
            inner = it.derived.get(candidate)
            if inner and inner in it.env:
                out[inner] = _clean_for(it.env[inner], address_checks.SSRF_ONLY)
    return out


def _own_path(node: ast.expr) -> bool:
    """``request.path``: checked once, every later read of the request's path knows it."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr in tb.OWN_PATH_ATTRS
        and isinstance(node.value, ast.Name)
    )


def _prefix_check(it: Interp, subject: str, value: Val, prefix_node: ast.expr) -> Env:
    prefix = it.expr(prefix_node)
    if prefix.taints:
        return {}
    cwes: set[int] = set()
    if prefix.const == "/":
        cwes.add(STARTS_WITH_SLASH)
    if isinstance(prefix.const, str) and re.match(r"/[^/\\\\]", prefix.const):
        cwes |= {STARTS_WITH_SLASH, NOT_DOUBLE_SLASH}  # startswith("/orga"): a path on this site
    if value.tag == "normpath":
        cwes.add(tb.PATH)
    if isinstance(prefix.const, str) and _FIXED_HOST.match(prefix.const):
        cwes |= _HOST_CHECKED
    return {subject: _clean_for(value, frozenset(cwes))} if cwes else {}


def _clean_for(value: Val, cwes: frozenset[int]) -> Val:
    if not value.taints:
        return value
    return Val(
        frozenset(_with_facts(t, cwes) for t in value.taints),
        value.const,
        value.items,
        value.keys,
        value.prefix,
        value.tag,
    )


def _with_facts(taint: Taint, cwes: frozenset[int]) -> Taint:
    """Add cleanings (no ``..`` and not absolute together clean for paths: ``Taint.clean_for``)."""
    return taint.clean_for(cwes)


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _innermost_name(node: ast.expr) -> str | None:
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Call):
            node = node.args[0] if node.args else node.func
        elif isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        else:
            return None


def _same_host_check(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A helper that returns whether two URLs share a host (``a.hostname == b.hostname`` among
    its conditions, every return a condition): true means the first URL's host is the second's."""
    nodes = [n.value for n in _own_nodes(func) if isinstance(n, ast.Return)]
    returns = [v for v in nodes if v is not None]
    if not returns or len(returns) < len(nodes) or not all(_validation_or_equal(v) for v in returns):
        return False
    return any(
        isinstance(c, ast.Compare)
        and isinstance(c.ops[0], ast.Eq)
        and all(
            isinstance(side, ast.Attribute) and side.attr in _HOST_NAMES for side in (c.left, *c.comparators)
        )
        for v in returns
        for c in ast.walk(v)
    )


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The function's nodes without those of the functions nested in it (their returns are theirs)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _validation_or_equal(node: ast.expr) -> bool:
    if isinstance(node, ast.BoolOp):
        return isinstance(node.op, ast.And) and all(_validation_or_equal(v) for v in node.values)
    return isinstance(node, ast.Compare) or _validation(node)


def is_validator(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A helper whose every return is a validation of its input (fullmatch, isdigit, allow-list)."""
    returns = [n.value for n in ast.walk(func) if isinstance(n, ast.Return)]
    return bool(returns) and all(v is not None and _validation(v) for v in returns)


def _checked_whole(node: ast.expr) -> bool:
    """The value itself is tested (``x``, ``x.lower()``), not a piece of it such as its extension."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args:
        node = node.func.value if node.func.attr in ("lower", "upper", "strip", "casefold") else node
    return isinstance(node, ast.Name | ast.Attribute)


def _validation(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _validation(node.operand)
    if isinstance(node, ast.BoolOp):
        return all(_validation(v) for v in node.values)
    if isinstance(node, ast.Compare):
        if isinstance(node.ops[0], ast.In | ast.NotIn):
            return _checked_whole(node.left)  # not '.' in name, not name.rsplit(".")[1] in EXTENSIONS
        return isinstance(node.ops[0], ast.Is | ast.IsNot) and _validation(node.left)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "bool" and node.args:
            return _validation(node.args[0])
        return name in ("fullmatch", "match") or name in _VALIDATORS
    return False


_KEPT_CLASS = re.compile(r"^\[\^((?:[A-Za-z0-9_.-]|\\[wd])+)\][+*]?$")
_EVERY_SINK_BUT_PATH = frozenset({tb.SQL, tb.CMD, tb.CODE, tb.XSS, tb.LDAP, tb.XPATH, tb.HEADER, tb.TRUST})


def call_cleans(qn: str, args: CallArgs) -> frozenset[int] | None:
    """``re.sub(r"[^a-z0-9_-]+", "", x)``: what is left is drawn from a safe set of characters.

    Letters, digits, ``_`` and ``-`` are safe for every sink; with ``.`` as well, for every
    sink but paths, where what is left is one segment at most (``..`` names the parent only when
    used as a directory: see ``SEGMENT``).
    """
    if qn in _TEMP_NAMES:
        return _server_made(qn, args)
    if qn not in ("re.sub", "regex.sub") or len(args.args) < 3:
        return None
    pattern, replacement = args.args[0].const, args.args[1].const
    if not (isinstance(pattern, str) and isinstance(replacement, str)):
        return None
    match = _KEPT_CLASS.match(pattern)
    if match is None or not all(c.isalnum() or c in "_-" for c in replacement):
        return None
    return _EVERY_SINK_BUT_PATH | {SEGMENT} if "." in match.group(1) else ALL_CWES


# tempfile constructors -> the position of their ``dir`` argument
_TEMP_NAMES = {
    "tempfile.mkstemp": 2,
    "tempfile.mkdtemp": 2,
    "tempfile.NamedTemporaryFile": 6,
    "tempfile.TemporaryDirectory": 2,
}
_PATH_ONLY = frozenset({tb.PATH})


def _server_made(qn: str, args: CallArgs) -> frozenset[int] | None:
    """``tempfile.mkstemp(suffix=ext)``: a fresh name the server makes in its own temp directory
    (a suffix with "/" names a directory that does not exist: the call fails). Only a ``dir``
    from the input still chooses where."""
    directory = args.get(_TEMP_NAMES[qn], "dir")
    return None if directory is not None and directory.taints else _PATH_ONLY


def method_cleans(method: str, args: CallArgs) -> frozenset[int]:
    """``value.replace("\\r", "").replace("\\n", "")``: line breaks removed, safe in a header;
    ``value.replace("'", "''")``: quotes doubled, safe inside a quoted SQL literal;
    ``value.replace("/", "_")``: no separator left, one path segment."""
    if method != "replace" or len(args.args) < 2:
        return frozenset()
    old, new = args.args[0].const, args.args[1].const
    if isinstance(old, str) and isinstance(new, str) and old in ("\r", "\n", "\r\n") and "\n" not in new:
        return frozenset({tb.HEADER}) if "\r" not in new else frozenset()
    if old == "/" and isinstance(new, str) and "/" not in new:
        return frozenset({SEGMENT})  # name.replace("/", "_"): one path segment at most
    if (old, new) == ("'", "''"):
        # SQL's own escape for a quote inside a '...' literal: the value cannot end the literal.
        # Only ever written to build such a literal, so it is taken as escaping for SQL.
        return frozenset({tb.SQL})
    return frozenset()
