"""Entry points beyond route decorators: which parameters of a function carry outside input.

* ``http.server`` / ``socketserver`` handlers: ``self`` is the request (``self.path``,
  ``self.headers``, ``self.rfile``).
* GraphQL resolvers: graphene ``resolve_*``/``mutate(root, info, ...)``, ariadne
  ``@query.field(...)`` functions, strawberry ``@strawberry.field``/``mutation`` methods:
  the arguments after ``info`` (strawberry: after ``self``) come from the query.
* Celery tasks (``@shared_task``, ``@app.task``): the arguments come from a queue message,
  an origin we cannot confirm; they are low-confidence sources.
* ``[tool.stackaudit.taint] extra_sources = ["pkg.mod:func:param"]`` names a parameter.
* Django URL converters: ``<int:pk>``, ``<slug:s>``, ``<uuid:u>`` and ``re_path`` groups of
  digits or word characters make a view parameter clean; ``<str:s>`` (the default) and a
  ``[^/]+`` group hold one URL segment, which cannot climb out of a directory it is joined
  under (at most ``..`` as a whole segment), so that parameter is clean for path traversal.

The engine asks ``param_value`` when it binds a parameter and ``is_entry`` when it picks the
functions to analyse; both read only syntax trees.
"""

from __future__ import annotations

import ast
import re
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.values import CLEAN, SEGMENT, SourceKind, Taint, Val, tainted
from stackaudit.model import TraceStep

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.interp import Interp
    from stackaudit.analyzers.taint.modules import FuncInfo, ModuleInfo
    from stackaudit.analyzers.taint.program import Program

HANDLER_BASES = frozenset(
    {
        "BaseHTTPRequestHandler",
        "SimpleHTTPRequestHandler",
        "CGIHTTPRequestHandler",
        "BaseRequestHandler",
        "StreamRequestHandler",
        "DatagramRequestHandler",
    }
)
_STRAWBERRY = frozenset({"strawberry.field", "strawberry.mutation", "strawberry.subscription"})
_NOT_INPUT = frozenset({"self", "cls", "info", "request", "root", "parent", "obj", "_"})
_HTTP_HANDLERS = frozenset(
    """
    get post put patch delete head options dispatch list retrieve create update partial_update
    destroy form_valid get_queryset get_object get_context_data
    """.split()  # noqa: SIM905 -- a word list reads better as text
)
_SAFE_CONVERTERS = frozenset({"int", "slug", "uuid"})
_DJANGO_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()\\]|\\.)*)\)")
_SAFE_GROUP = re.compile(r"(?:\\d|\\w|\[(?!\^)(?:[\w-]|\\[dw-])+\])(?:[+*?]|\{\d+(?:,\d*)?\})?")
_SEGMENT_GROUP = re.compile(r"\[\^[^\]]*/[^\]]*\](?:[+*?]|\{\d+(?:,\d*)?\})?")  # [^/]+
CLEAN_PARAM, SEGMENT_PARAM, ANY_PARAM = 2, 1, 0  # what a URL pattern lets a parameter hold


@dataclass(frozen=True, slots=True)
class Entry:
    """How a function is called from outside: which parameters are input, and from where."""

    kind: SourceKind
    first_input: int  # index of the first parameter that carries input
    what: str  # "GraphQL argument", "Celery task argument (queue message)", ...
    self_is_request: bool = False


_ENTRIES: weakref.WeakKeyDictionary[Program, dict[str, Entry | None]] = weakref.WeakKeyDictionary()
_URLS: weakref.WeakKeyDictionary[Program, dict[str, dict[str, int]]] = weakref.WeakKeyDictionary()
_VIEWS: weakref.WeakKeyDictionary[Program, dict[str, bool]] = weakref.WeakKeyDictionary()
_ENTRY_MODULES: weakref.WeakKeyDictionary[Program, dict[str, bool]] = weakref.WeakKeyDictionary()


def is_entry(prog: Program, func: FuncInfo) -> bool:
    return entry_of(prog, func) is not None or bool(_named_params(prog, func))


def entry_of(prog: Program, func: FuncInfo) -> Entry | None:
    cache = _ENTRIES.setdefault(prog, {})
    if func.qualname not in cache:
        mod = func.module
        modules = _ENTRY_MODULES.setdefault(prog, {})
        if mod.name not in modules:  # decided without the syntax tree (it may have been released)
            modules[mod.name] = bool(mod.imported_roots & _ENTRY_ROOTS) or "RequestHandler" in mod.text
        cache[func.qualname] = _detect(func) if modules[mod.name] else None
    return cache[func.qualname]


def param_value(
    prog: Program, it: Interp, func: FuncInfo, index: int, arg: ast.arg, view: bool
) -> Val | None:
    """The value of a parameter that an entry point, a setting or a URL pattern decides; else None."""
    if arg.arg in _named_params(prog, func):
        return _source(it, SourceKind.REQUEST, arg, "parameter named in extra_sources")
    if arg.arg == "self" and index == 0 and func.cls is not None and _class_view(prog, func.module, func.cls):
        it.env["self.request"] = Val(tag="request")  # a Django/DRF class-based view's request
        it.env["self.kwargs"] = _source(it, SourceKind.REQUEST, arg, "URL arguments self.kwargs of")
        return None
    entry = entry_of(prog, func)
    if entry is not None:
        if entry.self_is_request and arg.arg == "self":
            return Val(tag="request")
        if index < entry.first_input or arg.arg in _NOT_INPUT:
            return None
        if tb.clean_annotation(arg.annotation):
            return CLEAN
        return _source(it, entry.kind, arg, entry.what)
    level = (
        _url_converters(prog).get(func.cls or func.name, {}).get(arg.arg, ANY_PARAM) if view else ANY_PARAM
    )
    if level == CLEAN_PARAM:
        return CLEAN
    if level == SEGMENT_PARAM:
        return segment_param(it, arg)
    if view and func.cls is not None and func.name not in _HTTP_HANDLERS and arg.arg not in _NOT_INPUT:
        # a helper method of a class-based view (done(self, request, steps)): not routed
        origin = TraceStep(it.loc(arg), f"parameter {arg.arg}", "source")
        return tainted(frozenset({Taint(SourceKind.PARAM, origin, param=index)}))
    return None


def segment_param(it: Interp, arg: ast.arg) -> Val:
    """A route parameter the router matches within one URL segment: it holds no "/", so as a file
    name under a directory it names at most ``..`` of it, never a path elsewhere (see ``SEGMENT``)."""
    note = f"route parameter {arg.arg} (user input; one URL segment, no '/')"
    return tainted(frozenset({it.new_taint(SourceKind.REQUEST, arg, note).clean_for(_ONE_SEGMENT)}))


_ONE_SEGMENT = frozenset({SEGMENT})


def _source(it: Interp, kind: SourceKind, arg: ast.arg, what: str) -> Val:
    return tainted(frozenset({it.new_taint(kind, arg, f"{what} {arg.arg}")}))


def _named_params(prog: Program, func: FuncInfo) -> set[str]:
    """``extra_sources`` entries of the form ``module:function:param`` (``Class.method`` allowed)."""
    out: set[str] = set()
    for entry in prog.extra_sources:
        module, sep, rest = entry.partition(":")
        qual, sep2, param = rest.partition(":")
        if not (sep and sep2):
            continue
        dotted = f"{module}.{qual}"
        if func.qualname == dotted or func.qualname.endswith("." + dotted):
            out.add(param)
    return out


_ENTRY_ROOTS = frozenset({"http", "socketserver", "celery", "strawberry", "graphene", "ariadne"})


def _detect(func: FuncInfo) -> Entry | None:
    mod = func.module
    names = [a.arg for a in (*func.node.args.posonlyargs, *func.node.args.args)]
    if func.cls is not None and _handler_class(mod, func.cls):
        return Entry(SourceKind.REQUEST, len(names), "request handler", self_is_request=True)
    decorators = [_decorator_name(mod, d) for d in func.node.decorator_list]
    roots = mod.imported_roots
    if "celery" in roots and any(d.endswith(("shared_task", ".task")) or d == "task" for d in decorators):
        bound = any(_binds_self(d) for d in func.node.decorator_list)
        return Entry(
            SourceKind.FILE, 1 if bound else 0, "Celery task argument (queue message, origin unconfirmed)"
        )
    if "strawberry" in roots and any(d in _STRAWBERRY for d in decorators):
        return Entry(SourceKind.REQUEST, 1, "GraphQL argument")
    graphql_args = len(names) >= 2 and names[1] == "info"
    resolver = func.name.startswith("resolve_")
    graphene = "graphene" in roots and func.cls is not None and (resolver or func.name == "mutate")
    ariadne = "ariadne" in roots and (resolver or _ariadne_field(func))
    if graphql_args and (graphene or ariadne):
        return Entry(SourceKind.REQUEST, 2, "GraphQL argument")
    return None


def _decorator_name(mod: ModuleInfo, node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    text = ast.unparse(target)
    head, _, rest = text.partition(".")
    resolved = mod.aliases.get(head, head)
    return f"{resolved}.{rest}" if rest else resolved


def _binds_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and any(
        kw.arg == "bind" and isinstance(kw.value, ast.Constant) and kw.value.value is True
        for kw in node.keywords
    )


def _ariadne_field(func: FuncInfo) -> bool:
    """``@query.field("user")`` / ``@mutation.field(...)``."""
    for dec in func.node.decorator_list:
        if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute) and dec.func.attr == "field":
            return True
    return False


def _class_view(prog: Program, mod: ModuleInfo, name: str) -> bool:
    """A class-based view: Django's View family or Django REST framework's views and viewsets."""
    if not mod.imported_roots & {"django", "rest_framework"}:
        return False
    cache = _VIEWS.setdefault(prog, {})
    key = f"{mod.name}:{name}"
    if key not in cache:
        cache[key] = _view_bases(mod, name)
    return cache[key]


def _view_bases(mod: ModuleInfo, name: str) -> bool:
    for node in mod.tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            leaves = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases]
            return any(leaf.endswith(("View", "ViewSet", "ViewMixin")) for leaf in leaves)
    return False


def _handler_class(mod: ModuleInfo, name: str, depth: int = 0) -> bool:
    """A ``BaseHTTPRequestHandler``/``socketserver`` handler, directly or through a class of the module."""
    if depth > 3:
        return False
    for node in mod.tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            for base in node.bases:
                leaf = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
                if leaf in HANDLER_BASES or (leaf != name and _handler_class(mod, leaf, depth + 1)):
                    return True
    return False


def may_be_routed(prog: Program, func: FuncInfo) -> bool:
    """Could a Django URL pattern route to this function (or its class)?

    A project's URL configuration names every view it routes (``views.ticket_list``,
    ``TicketView.as_view()``, a dotted string, a router's ``register``). A ``def f(request, x)``
    in a views module whose name no URL configuration mentions is a helper its views call, so
    ``x`` is what those callers pass, not a URL argument. Without any URL configuration in the
    repository (a reusable app, a library) every such function may be routed.
    """
    texts = _URL_TEXTS.get(prog)
    if texts is None:
        texts = _URL_TEXTS[prog] = [m.text for m in prog.modules.values() if _URL_CONF.search(m.text)]
    if not texts:
        return True
    name = func.cls or func.name
    if _WORD.fullmatch(name):
        # ``\bname\b`` in a text <=> ``name`` is one of its maximal runs of word characters: one
        # set of the URL texts' words instead of a search through every text per function.
        words = _URL_WORDS.get(prog)
        if words is None:
            words = _URL_WORDS[prog] = frozenset(w for text in texts for w in _WORD.findall(text))
        return name in words
    word = re.compile(rf"\b{re.escape(name)}\b")
    return any(word.search(text) for text in texts)


_URL_TEXTS: weakref.WeakKeyDictionary[Program, list[str]] = weakref.WeakKeyDictionary()
_URL_WORDS: weakref.WeakKeyDictionary[Program, frozenset[str]] = weakref.WeakKeyDictionary()
_WORD = re.compile(r"\w+")
# A URL configuration: ``urlpatterns``, an admin's ``get_urls``, or pattern calls. Importing
# ``django.urls`` is not one: a views module imports it for ``reverse`` and then mentions every
# helper it defines (django-helpdesk's staff views: helpers taken for routed views).
_URL_CONF = re.compile(r"urlpatterns|get_urls|\bre_path\(|\burl\(\s*r?[\"']|(?<![\w.])path\(\s*[\"']")


def _url_converters(prog: Program) -> dict[str, dict[str, int]]:
    """Django URL patterns: view name -> parameter -> what it may hold wherever routed (the least)."""
    found = _URLS.get(prog)
    if found is not None:
        return found
    found = {}
    for mod in prog.modules.values():
        if "urlpatterns" in mod.text:
            _scan_urls(mod.tree, found)
    _URLS[prog] = found
    return found


def _scan_urls(tree: ast.Module, found: dict[str, dict[str, int]]) -> None:
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and len(node.args) >= 2):
            continue
        leaf = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        pattern = node.args[0].value if isinstance(node.args[0], ast.Constant) else None
        view = _view_name(node.args[1])
        if leaf not in ("path", "re_path", "url") or not isinstance(pattern, str) or not view:
            continue
        params = _path_params(pattern) if leaf == "path" else _regex_params(pattern)
        slot = found.setdefault(view, {})
        for param, level in params.items():
            slot[param] = min(slot.get(param, CLEAN_PARAM), level)


def _view_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):  # ItemView.as_view()
        node = node.func.value if isinstance(node.func, ast.Attribute) else node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _path_params(pattern: str) -> dict[str, int]:
    return {m.group(2): _converter_level(m.group(1) or "str") for m in _DJANGO_PARAM.finditer(pattern)}


def _converter_level(converter: str) -> int:
    if converter in _SAFE_CONVERTERS:
        return CLEAN_PARAM
    return SEGMENT_PARAM if converter == "str" else ANY_PARAM  # str is [^/]+; path and custom ones: anything


def _regex_params(pattern: str) -> dict[str, int]:
    return {m.group(1): _group_level(m.group(2)) for m in _NAMED_GROUP.finditer(pattern)}


def _group_level(group: str) -> int:
    if _SAFE_GROUP.fullmatch(group):
        return CLEAN_PARAM
    return SEGMENT_PARAM if _SEGMENT_GROUP.fullmatch(group) else ANY_PARAM
