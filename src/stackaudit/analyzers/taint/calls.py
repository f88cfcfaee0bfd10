"""Calls: sources, sanitizers, sinks, container methods, and calls into the repository."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import closures, forms, guards, selection, sinks, sitectx
from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.containers import (
    MUTATORS,
    container_method,
    delete_item,
    load_item,
    store_item,
)
from stackaudit.analyzers.taint.folding import fold_str_method
from stackaudit.analyzers.taint.modules import dotted
from stackaudit.analyzers.taint.values import (
    ALL_CWES,
    CLEAN,
    NO_CONST,
    SEGMENT,
    SourceKind,
    Taint,
    Val,
    as_directory,
    cap,
    const,
    container,
    deep,
    dict_val,
    flatten,
    item_read,
    join_many,
    tainted,
)

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.interp import Interp
    from stackaudit.analyzers.taint.modules import FuncInfo

_NORMALISERS = frozenset({"os.path.normpath", "os.path.realpath", "os.path.abspath", "posixpath.normpath"})
_FILE_READS = frozenset({"read", "readline", "readlines", "read_text", "read_bytes"})


class CallArgs:
    """Evaluated arguments of one call."""

    __slots__ = ("args", "kwargs", "node", "receiver")

    def __init__(self, it: Interp, node: ast.Call, receiver: Val | None) -> None:
        self.node = node
        self.receiver = receiver
        self.args = [item_read(it.expr(a)) for a in node.args]
        self.kwargs = {kw.arg or "**": item_read(it.expr(kw.value)) for kw in node.keywords}

    @classmethod
    def of(cls, node: ast.Call, args: list[Val], kwargs: dict[str, Val] | None = None) -> CallArgs:
        """Arguments already evaluated: a callback called by ``map``/``filter`` with an element."""
        made = cls.__new__(cls)
        made.node, made.receiver, made.args, made.kwargs = node, None, args, kwargs or {}
        return made

    def get(self, position: int | None, keyword: str | None = None) -> Val | None:
        if position is not None and 0 <= position < len(self.args):
            return self.args[position]
        return self.kwargs.get(keyword) if keyword else None

    def all_taints(self) -> frozenset[Taint]:
        out: frozenset[Taint] = frozenset()
        for v in (*self.args, *self.kwargs.values()):
            out = out | flatten(v)
        if self.receiver is not None:
            out = out | flatten(self.receiver)
        return cap(out)


def call(it: Interp, node: ast.Call) -> Val:
    func = node.func
    local = it.env.get(func.id) if isinstance(func, ast.Name) else None
    if isinstance(func, ast.Lambda):
        local = it.expr(func)
    if local is not None and closures.is_closure(local):
        return closures.call(it, local, CallArgs(it, node, None))
    if local is not None and isinstance(func, ast.Name) and selection.is_parameter(it, func.id):
        CallArgs(it, node, None)  # evaluated for their effects
        return _unknown(it, node, func.id)
    qn = it.qualname(func)
    receiver: Val | None = None
    method = func.attr if isinstance(func, ast.Attribute) else None
    if method in _UNMARKING and isinstance(func, ast.Attribute) and _marks_safe(it, func.value):
        # Markup(x).unescape(): turned back into plain text at once, nothing is marked safe
        assert isinstance(func.value, ast.Call)
        return tainted(CallArgs(it, func.value, None).all_taints())
    if method is not None and isinstance(func, ast.Attribute):
        if qn is None or not _is_module(it, func):
            receiver = it.expr(func.value)
            qn = None
        elif qn not in tb.SOURCE_CALLS:
            value = it.expr(func.value)
            if value.tag or value.taints or (_class_attribute(it, func.value) and not _query_call(func)):
                receiver, qn = value, None
    elif qn is None and not isinstance(func, ast.Name):
        it.expr(func)
    args = CallArgs(it, node, receiver)
    if qn in _CALLBACKS and len(node.args) >= 2:
        return _callback(it, node, qn, args)
    if forms.builds_form(node) and (qn is None or it.prog.resolve_class(qn) is None):
        return forms.form(args.all_taints())
    if qn is not None:
        return _qualified_call(it, node, qn, args)
    if method is not None and receiver is not None:
        own = _own_method(it, node.func) or it.prog.instance_method(receiver, method)
        if own is not None:
            return it.prog.apply_summary(it, node, own, args)
        return item_read(_method_call(it, node, method, receiver, args))
    if isinstance(func, ast.Name) and selection.is_lookup(func.id, node):
        return selection.selected(it, node, func.id, args.all_taints())
    return tainted(args.all_taints())


_CALLBACKS = frozenset({"map", "filter"})
_UNMARKING = frozenset({"unescape", "striptags"})


def _marks_safe(it: Interp, node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and it.qualname(node.func) in sinks.MARK_SAFE


def _callback(it: Interp, node: ast.Call, qn: str, args: CallArgs) -> Val:
    """``map(f, xs)`` / ``filter(f, xs)``: ``f`` is called with an element of each iterable."""
    elements = [join_many(v.items) if v.items else Val(taints=flatten(v)) for v in args.args[1:]]
    result = call_value(it, node, node.args[0], args.args[0], elements)
    if qn == "filter":
        return Val(taints=flatten(args.args[1]))
    return Val(taints=flatten(result))


def call_value(it: Interp, node: ast.Call, func: ast.expr, value: Val, values: list[Val]) -> Val:
    """Call the function that ``func`` (evaluated to ``value``) names, with evaluated arguments."""
    args = CallArgs.of(node, values)
    if closures.is_closure(value):
        return closures.call(it, value, args)
    qn = it.qualname(func)
    if qn is not None:
        return _qualified_call(it, node, qn, args)
    return tainted(args.all_taints())


def _own_method(it: Interp, func: ast.expr) -> FuncInfo | None:
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    if func.value.id not in ("self", "cls") or it.func is None or it.func.cls is None:
        return None
    return it.mod.classes.get(it.func.cls, {}).get(func.attr)


def _is_module(it: Interp, func: ast.Attribute) -> bool:
    base: ast.expr = func.value
    while isinstance(base, ast.Attribute):
        base = base.value
    return (
        isinstance(base, ast.Name)
        and base.id not in it.env
        and (base.id in it.aliases or base.id in it.mod.classes)
    )


def _class_attribute(it: Interp, node: ast.expr) -> bool:
    """``Loader.id_cache`` in ``Loader.id_cache.get(key)``: a data attribute of a repository
    class, a value whose methods are called (a mapping read keeps the mapping's taint), not a
    function of a library to propagate every argument through."""
    if not isinstance(node, ast.Attribute):
        return False
    owner = it.qualname(node.value)
    tag = it.prog.resolve_class(owner) if owner else None
    if tag is None:
        return False
    _, mod_name, cls = tag.split(":", 2)
    mod = it.prog.modules.get(mod_name)
    return mod is not None and node.attr not in mod.classes.get(cls, {})


_VALIDATES = frozenset({"model_validate", "model_validate_json", "parse_obj", "parse_raw"})


def _validated_into(it: Interp, node: ast.Call, target: FuncInfo) -> str:
    """``validate_request_body(FrameSchema)`` whose body returns ``schema.model_validate(data)``:
    the result is an instance of the model the caller passed (zou's request validation), so
    its typed fields hold what their types allow. The class's tag, or ""."""
    params = [a.arg for a in target.node.args.args]
    for index, arg in enumerate(node.args[: len(params)]):
        if not isinstance(arg, ast.Name | ast.Attribute):
            continue
        qn = it.qualname(arg)
        tag = it.prog.resolve_class(qn) if qn else None
        if tag and _returns_validation_of(target.node, params[index]):
            return tag
    return ""


def _returns_validation_of(func: ast.FunctionDef | ast.AsyncFunctionDef, param: str) -> bool:
    """A ``return param.model_validate(...)`` (pydantic validates: a plain ``param(**data)`` of a
    dataclass would not)."""
    for node in ast.walk(func):
        value = node.value if isinstance(node, ast.Return) else None
        callee = value.func if isinstance(value, ast.Call) else None
        if (
            isinstance(callee, ast.Attribute)
            and callee.attr in _VALIDATES
            and isinstance(callee.value, ast.Name)
            and callee.value.id == param
        ):
            return True
    return False


def _qualified_call(it: Interp, node: ast.Call, qn: str, args: CallArgs) -> Val:
    qn = it.prog.canonical(qn)
    kind = tb.SOURCE_CALLS.get(qn) or it.prog.extra_sources.get(qn)
    if kind:
        source = SourceKind.ENV if kind == "env" else SourceKind.CLI if kind == "cli" else SourceKind.REQUEST
        return tainted(frozenset({it.new_taint(source, node, f"{qn}() ({kind} input)")}))
    if qn.startswith("sqlalchemy.") and qn.rsplit(".", 1)[-1] in tb.SQL_STATEMENTS:
        return _statement(CLEAN, args)
    sink = tb.FUNCTION_SINKS.get(qn) or it.prog.extra_sinks.get(qn)
    if sink is not None:
        sinks.check(it, sink, args, qn)
        if sink.kind == "url":
            return remote_answer(it, sink, args, qn)
        if sink.kind in tb.RESPONSE_KINDS:
            _response_headers(it, args)
            return Val(tag="response")
    elif isinstance(node.func, ast.Attribute) and qn.split(".", 1)[0] not in _PLAIN_MODULES:
        for msink in tb.METHOD_SINKS.get(node.func.attr, ()):
            if _gate(it, msink, CLEAN):
                sinks.check(it, msink.sink, args, node.func.attr)
    if tb.TAGGING_CALLS.get(qn) == "response":
        _response_headers(it, args)
    cleaned = tb.SANITIZERS.get(qn) or it.prog.extra_sanitizers.get(qn) or guards.call_cleans(qn, args)
    if cleaned is not None:
        return _sanitised(args, cleaned)
    if qn in ("os.path.join", "posixpath.join") or qn in _NORMALISERS:
        tag = "normpath" if qn in _NORMALISERS else ""
        taints = args.all_taints()
        if len(args.args) > 1:  # every part but the last is a directory
            taints = cap(
                as_directory(CallArgs.of(node, args.args[:-1]).all_taints()) | flatten(args.args[-1])
            )
        return tainted(taints, prefix=args.args[0].prefix if args.args else "", tag=tag)
    target = it.prog.resolve_function(it, node.func, qn)
    if target is not None:
        result = it.prog.apply_summary(it, node, target, args)
        model = _validated_into(it, node, target)
        return (
            Val(result.taints, result.const, result.items, result.keys, result.prefix, model)
            if model
            else result
        )
    if isinstance(node.func, ast.Attribute) and _query_call(node.func):
        return CLEAN  # User.objects.get(code=code): a stored row, not this request's input
    instance = it.prog.resolve_class(qn)
    if instance is not None:
        return Val(tag=instance)
    return _library_call(it, node, qn, args)


_PLAIN_MODULES = frozenset({"re", "regex", "os", "json", "ast", "shutil", "sys", "string", "operator"})


def _response_headers(it: Interp, args: CallArgs) -> None:
    headers = args.kwargs.get("headers")
    if headers is not None:
        sinks.response_headers(it, headers, args.node)


_JINJA = frozenset({"jinja2.Environment", "jinja2.Template", "jinja2.environment.Environment"})


def _library_call(it: Interp, node: ast.Call, qn: str, args: CallArgs) -> Val:
    sql = _sql_call(it, node, node.func.attr, args) if isinstance(node.func, ast.Attribute) else None
    if sql is not None:
        return sql
    tag = tb.TAGGING_CALLS.get(qn, "")
    if qn in tb.XML_PARSERS:
        resolve = args.kwargs.get("resolve_entities")
        safe = resolve is not None and resolve.is_const and not resolve.const
        return Val(tag="xml-safe" if safe else "xml-unsafe")
    if qn in ("open", "io.open", "builtins.open", "codecs.open"):
        tag = "file"
    if qn in _JINJA:
        autoescape = args.kwargs.get("autoescape")
        escapes = autoescape is not None and (not autoescape.is_const or bool(autoescape.const))
        return tainted(args.all_taints(), tag="" if escapes else "jinja-raw")
    if qn in ("str", "bytes", "repr", "format", "ascii") and args.args and args.args[0].is_const:
        return const(str(args.args[0].const)) if qn == "str" else CLEAN
    if qn in ("list", "tuple") and args.args:
        return args.args[0]
    if qn in _SPLITEXT and len(args.args) == 1:
        return _splitext(args.args[0])
    if _translation(qn) and args.args and isinstance(args.args[0].const, str) and not args.all_taints():
        return const(args.args[0].const)
    if qn in ("dict",) and not args.args:
        keys = tuple(args.kwargs.items())
        return dict_val(keys if "**" not in args.kwargs else None)
    taints = args.all_taints()
    if not taints and not tag and "." in qn and not node.args and not node.keywords:
        return _unknown(it, node, qn)
    if not tag and selection.is_lookup(qn, node):
        return selection.selected(it, node, qn, taints)
    return tainted(taints, tag=tag)


def remote_answer(it: Interp, sink: tb.Sink, args: CallArgs, label: str) -> Val:
    """What an outbound HTTP call returns is the remote server's answer, not the arguments sent.

    The request's data may go out in a body, a header or a query parameter; what comes back is
    what that server chose to answer: an origin of its own, unknown (unconfirmed) like any
    library result. Only a URL whose host the input chose makes the answer the input's too (the
    server is then the attacker's; the call itself is reported as SSRF); a path under a fixed
    host (``STORE_API + "/" + path``) still reaches that host's server.
    """
    url: frozenset[Taint] = frozenset()
    for value in (*(args.get(p) for p in sink.positions), *(args.get(None, k) for k in sink.keywords)):
        if value is not None and not sinks.safe_prefix("url", value.prefix):  # a fixed host answers
            url = url | flatten(value)
    answer = it.new_taint(SourceKind.UNKNOWN, args.node, f"the response of {label}")
    return Val(taints=cap(url | {answer}))


_SPLITEXT = frozenset({"os.path.splitext", "posixpath.splitext"})
_TRANSLATED = frozenset(
    {
        "gettext",
        "ngettext",
        "pgettext",
        "lazy_gettext",
        "gettext_lazy",
        "ugettext",
        "ugettext_lazy",
        "lazy_pgettext",
    }
)
_TRANSLATORS = ("flask_babel.", "flask_babelex.", "django.utils.translation.", "gettext.", "babel.")


def _translation(qn: str) -> bool:
    """``_("Not a valid amount")``: the message catalogue is the project's own files, so the
    translation of a constant is as fixed as the constant (its ``%(name)s`` values still flow)."""
    return qn.rsplit(".", 1)[-1] in _TRANSLATED and qn.startswith(_TRANSLATORS)


def _splitext(value: Val) -> Val:
    """``root, ext = os.path.splitext(name)``: the extension is what follows the last dot of the
    last component, so it holds no separator and is never ``..``: one path segment at most."""
    taints = flatten(value)
    return container((tainted(taints), tainted(frozenset(t.clean_for(_ONE_SEGMENT) for t in taints))))


def _unknown(it: Interp, node: ast.Call, name: str) -> Val:
    """The result of a call that takes nothing the analysis knows: not a source, nor a constant.

    Only library calls without arguments (``os.getcwd()``, ``settings.load()``): a call on
    constants and cleaned values computes from safe data, and a method of a local value may
    be a string method of a validated input, so both stay clean as they always did here.

    Carried as an origin of its own so that a dangerous sink (a shell, ``eval``, ``pickle``)
    it reaches is reported as unconfirmed, and a site it reaches is never "proven safe".
    """
    return Val(taints=frozenset({it.new_taint(SourceKind.UNKNOWN, node, f"the result of {name}()")}))


def _statement(receiver: Val, args: CallArgs) -> Val:
    """A SQLAlchemy statement (``select(T).where(T.name.like(x))``) sends its values as bound
    parameters: they cannot change the SQL, whichever helper builds or executes it (``text()``, the
    way in for SQL text, is a sink of its own). A plain string in ``where``/``order_by`` is refused
    by SQLAlchemy 2 unless wrapped in ``text()``."""
    taints = frozenset(t.clean_for(_SQL_ONLY) for t in flatten(receiver) | args.all_taints())
    return Val(taints=cap(taints), tag="sql-stmt")


_SQL_ONLY = frozenset({tb.SQL})
_ONE_SEGMENT = frozenset({SEGMENT})
# ``session.execute(stmt)`` / ``cursor.execute(sql, params)`` / SQLModel's ``session.exec(stmt)``:
# what comes back is rows of the database, whatever selected them (the statement itself was
# checked as a SQL sink before). Data at rest: a second-order, unconfirmed origin.
_EXECUTES = frozenset({"execute", "exec"})


def _sql_call(it: Interp, node: ast.Call, method: str, args: CallArgs) -> Val | None:
    """Rows an ``execute`` returns, or the clause a SQL operator builds; None for other calls.
    Both reach here as a library function (``models.File.name.ilike``) or as a method of a value."""
    if method in _EXECUTES:
        return _rows(it, node)
    if method in _SQL_BINDING_OPERATORS:
        return _statement(CLEAN, args)  # File.name.ilike(f"%{q}%"): q is sent as a bound parameter
    return None


def _rows(it: Interp, node: ast.Call) -> Val:
    return Val(taints=frozenset({it.new_taint(SourceKind.STORED, node, "rows a query returned")}))


# Operators of SQL expression languages (SQLAlchemy columns, peewee fields) whose argument becomes a
# bound parameter of the clause they build. Names that are also string methods (``startswith``,
# ``contains``) are left out: on a plain string they return text.
_SQL_BINDING_OPERATORS = frozenset(
    {
        "like",
        "ilike",
        "notlike",
        "notilike",
        "not_like",
        "not_ilike",
        "in_",
        "not_in",
        "notin_",
        "regexp_match",
    }
)


def _sanitised(args: CallArgs, cwes: frozenset[int]) -> Val:
    if cwes == ALL_CWES:
        return CLEAN
    taints = frozenset(t.clean_for(cwes) for t in args.all_taints())
    return tainted(taints)


def _method_call(it: Interp, node: ast.Call, method: str, receiver: Val, args: CallArgs) -> Val:
    for msink in tb.METHOD_SINKS.get(method, ()):
        if _gate(it, msink, receiver):
            sinks.check(it, msink.sink, args, method)
            if msink.sink.kind == "url":
                return remote_answer(it, msink.sink, args, f"{method}()")
    if receiver.tag == forms.FORM:
        return forms.form_method(it, method, receiver, args)
    if receiver.tag == "sql-stmt":
        return _statement(receiver, args)
    sql = _sql_call(it, node, method, args)
    if sql is not None:
        return sql
    name = args.get(0) if method == "get" and receiver.tag in ("headers", "meta") else None
    if name is not None and receiver.tag == "meta" and tb.server_meta(name):
        return CLEAN  # request.META.get("CSRF_COOKIE"): set by the server, not the client
    if name is not None and tb.referer(name):
        return _sanitised(args, frozenset({tb.REDIRECT}))
    if receiver.tag == "request":
        if method in tb.REQUEST_CLEAN_ATTRS:
            return CLEAN
        return it.request_attr(node, method)
    if receiver.tag == "file" and method in _FILE_READS:
        # What a file holds is data at rest: the request may have chosen WHICH file (reported
        # at ``open`` as path traversal), never what is in it. Its bytes are file-origin only.
        taint = it.new_taint(SourceKind.FILE, node, "file contents")
        return Val(taints=frozenset({taint}))
    if method in tb.CLEAN_METHODS:
        return CLEAN
    if method == "replace" and len(args.args) >= 2 and args.args[0].taints:
        # path.replace(list_id, name): the text replaced is gone from the result; only the
        # receiver and the replacement are in it (hyperkitty's list-id redirect)
        args.args = [CLEAN, *args.args[1:]]
    cleaned = guards.method_cleans(method, args)
    if cleaned:
        return _sanitised(args, cleaned)
    if receiver.tag == "jinja-raw" and method in forms.RENDERS:
        return tainted(cap(flatten(receiver) | forms.rendered_taints(args)))
    if method in tb.CLEANING_METHODS and receiver.tag != "jinja-raw":
        return _sanitised(args, tb.CLEANING_METHODS[method])
    if method == "resolve" and receiver.tag == "path":
        return Val(taints=flatten(receiver), tag="normpath")
    path = _receiver_path(node)
    if path is not None and (receiver.items is not None or receiver.keys is not None or method in MUTATORS):
        result = container_method(it, path, method, receiver, args)
        if result is not None:
            return result
    if receiver.is_const and all(a.is_const for a in args.args) and not args.kwargs:
        folded = fold_str_method(receiver.const, method, [a.const for a in args.args])
        if folded is not NO_CONST:
            return const(folded)
    if (method in _DB_RESULTS or method in tb.QUERYSET_METHODS) and (
        _is_query_chain(node.func) or (method in _ROW_READS and _query_named(it, node.func))
    ):
        # rows read back from the database: data at rest, not this request's input (second order)
        return Val(taints=frozenset({it.new_taint(SourceKind.STORED, node, "a database row")}))
    if method == "get" and any(k.arg == "type" and tb.typed(k.value) for k in node.keywords):
        return CLEAN  # request.args.get("page", type=int): converted by the framework
    if method in _LOOKUPS and not receiver.tag:
        default = args.args[1:] + [v for k, v in args.kwargs.items() if k == "default"]
        return tainted(cap(flatten(receiver).union(*(flatten(d) for d in default))))
    if method == "format" and receiver.is_const and isinstance(receiver.const, str):
        return tainted(args.all_taints(), prefix=receiver.const.split("{", 1)[0])
    if not receiver.taints and selection.is_lookup(method, node):
        return selection.selected(it, node, method, args.all_taints())
    tag = receiver.tag if receiver.tag in ("xml-tree", "path", "normpath", "jinja-raw") else ""
    if receiver.tag == "headers" and method == "get":
        tag = ""
    return tainted(args.all_taints(), prefix=receiver.prefix if method in _KEEP_PREFIX else "", tag=tag)


_DB_RESULTS = frozenset(
    {
        "first",
        "one",
        "one_or_none",
        "all",
        "get",
        "scalar",
        "scalars",
        "scalar_one",
        "fetchone",
        "fetchall",
        "fetchmany",
        "get_or_404",
        "first_or_404",
        "count",
        "exists",
        "values_list",
        "last",
        "latest",
    }
)
# A query under construction: ``users.order_by(order).offset(n).limit(m).all()`` returns rows of
# the database whatever the ordering or paging the input chose (calibre-web's user table).
_QUERY_ATTRS = frozenset(
    {"query", "objects", "filter", "filter_by", "where", "select", "execute", "exclude"}
    | {"order_by", "offset", "limit", "join", "outerjoin", "options", "group_by"}
)


def _query_call(func: ast.Attribute) -> bool:
    return (func.attr in _DB_RESULTS or func.attr in tb.QUERYSET_METHODS) and _is_query_chain(func)


# Methods that only a query answers with rows (``dict.get`` is not one of them).
_ROW_READS = frozenset({"all", "first", "one", "one_or_none", "scalar", "scalars", "scalar_one", "fetchall"})


def _query_named(it: Interp, func: ast.expr, hops: int = 2) -> bool:
    """``users = session.query(User); users = users.filter(...); users.all()``: the name holds a
    query built a statement or two earlier (calibre-web's user search)."""
    node = func.value if isinstance(func, ast.Attribute) else func
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    for _ in range(hops):
        if not isinstance(node, ast.Name):
            return False
        value = sitectx.assignment(it, node.id, func.lineno - 1)
        if value is None:
            return False
        if isinstance(value, ast.Call) and _is_query_chain(ast.Attribute(value=value, attr="all")):
            return True
        node = value
        while isinstance(node, ast.Attribute | ast.Call):
            node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _is_query_chain(func: ast.expr) -> bool:
    node = func.value if isinstance(func, ast.Attribute) else func
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        if isinstance(node, ast.Attribute) and node.attr in _QUERY_ATTRS:
            return not _request_name(node.value)  # aiohttp request.query.get(...) is input
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _request_name(node: ast.expr) -> bool:
    leaf = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return leaf in ("request", "req")


_LOOKUPS = frozenset({"get", "setdefault", "pop"})  # mapping reads: the key selects, the value is the map's
_KEEP_PREFIX = frozenset({"strip", "rstrip", "encode", "decode", "format"})


def _gate(it: Interp, msink: tb.MethodSink, receiver: Val) -> bool:
    if msink.gate_tags and receiver.tag not in msink.gate_tags:
        return False
    if msink.gate_modules and not (it.mod.imported_roots & set(msink.gate_modules)):
        return False
    return not (receiver.is_const and isinstance(receiver.const, str))


def _receiver_path(node: ast.Call) -> str | None:
    func = node.func
    return dotted(func.value) if isinstance(func, ast.Attribute) else None


def check_return(it: Interp, node: ast.Return, value: Val) -> None:
    func = it.func
    if func is None or not func.is_route:
        return
    framework = it.mod.framework
    if framework in ("flask", "quart") or func.html_response:
        if value.items is not None and value.items:
            value = value.items[0]  # (body, status, headers)
        if value.keys is not None or value.items is not None or value.tag == "response":
            return
        if node.value is not None and sitectx.returns_json(it, node.value, node.lineno):
            return
        sinks.report(it, tb.XSS, flatten(value), node, "HTML response body")


__all__ = ["call", "check_return", "deep", "delete_item", "load_item", "store_item"]
