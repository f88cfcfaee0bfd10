"""Sources, sinks and sanitizers: explicit tables keyed by qualified name.

Qualified names are what a call resolves to through the module's imports
(``from flask import redirect`` makes ``redirect(...)`` resolve to
``flask.redirect``). Method sinks (``cursor.execute``) match by method name
when the receiver is not a resolved module; some are gated on the module
importing a library (``ldap``) or on the receiver's tag.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from stackaudit.analyzers.taint.values import ALL_CWES, Val

SQL, CMD, CODE, PATH, XSS, REDIRECT, SSRF = 89, 78, 94, 22, 79, 601, 918
LDAP, XPATH, XXE, DESER, TRUST, HEADER = 90, 643, 611, 502, 501, 113


@dataclass(frozen=True, slots=True)
class Sink:
    """A dangerous call: which arguments must not carry taint for ``cwe``."""

    cwe: int
    positions: tuple[int, ...] = (0,)
    keywords: tuple[str, ...] = ()
    label: str = ""
    kind: str = ""  # special handling: "subprocess", "yaml", "xml", "url", "redirect", "template"


def _sinks(
    cwe: int,
    names: str,
    *,
    pos: tuple[int, ...] = (0,),
    kw: tuple[str, ...] = (),
    label: str = "",
    kind: str = "",
) -> dict[str, Sink]:
    return {n: Sink(cwe, pos, kw, label or n, kind) for n in names.split()}


FUNCTION_SINKS: dict[str, Sink] = {
    **_sinks(SQL, "sqlalchemy.text sqlalchemy.sql.text sqlalchemy.sql.expression.text", kw=("text",)),
    **_sinks(SQL, "django.db.models.expressions.RawSQL django.db.models.RawSQL", kw=("sql",)),
    **_sinks(SQL, "pandas.read_sql pandas.read_sql_query", kw=("sql",)),
    **_sinks(
        CMD,
        "os.system os.popen subprocess.getoutput subprocess.getstatusoutput "
        "commands.getoutput asyncio.create_subprocess_shell",
        kw=("cmd", "command"),
    ),
    **_sinks(
        CMD,
        "os.execl os.execle os.execlp os.execv os.execve os.execvp os.execvpe "
        "asyncio.create_subprocess_exec pty.spawn",
        kw=("file", "path", "program"),
    ),
    **_sinks(CMD, "os.spawnl os.spawnle os.spawnlp os.spawnv os.spawnve os.spawnvp", pos=(1,)),
    **_sinks(
        CMD,
        "subprocess.run subprocess.call subprocess.Popen subprocess.check_call subprocess.check_output",
        kw=("args",),
        kind="subprocess",
    ),
    **_sinks(CODE, "eval exec compile builtins.eval builtins.exec builtins.compile", kw=("source",)),
    **_sinks(
        PATH,
        "open io.open builtins.open codecs.open os.open os.remove os.unlink os.rmdir "
        # (not os.stat: it reads metadata only, a size and a time, never a file's bytes)
        "os.mkdir os.makedirs os.listdir os.scandir os.chmod os.chown os.truncate "
        "os.removedirs os.walk shutil.rmtree shutil.copy shutil.copy2 shutil.copyfile "
        "shutil.copytree shutil.move shutil.make_archive tarfile.open zipfile.ZipFile "
        "starlette.responses.FileResponse fastapi.responses.FileResponse "
        "django.http.FileResponse",
        kw=("file", "path", "path_or_file", "filename", "name"),
    ),
    # a path, or a file-like object whose bytes are served (XSS when inline HTML)
    **_sinks(
        PATH,
        "flask.send_file flask.helpers.send_file",
        kw=("path_or_file", "filename_or_fp"),
        kind="send_file",
    ),
    **_sinks(PATH, "os.rename os.replace shutil.copy shutil.move", pos=(0, 1)),
    **_sinks(
        PATH,
        "flask.send_from_directory flask.helpers.send_from_directory",
        kw=("directory",),
        kind="send_dir",
    ),
    **_sinks(
        XSS,
        "markupsafe.Markup flask.Markup jinja2.Markup django.utils.safestring.mark_safe "
        "django.utils.safestring.SafeString",
        kw=("s", "base"),
    ),
    **_sinks(XSS, "flask.render_template_string", kw=("source",), kind="template"),
    # aiohttp: text= is served as text/plain unless content_type says HTML
    **_sinks(XSS, "aiohttp.web.Response", pos=(), kw=("text", "body"), kind="html-declared"),
    **_sinks(
        REDIRECT,
        "aiohttp.web.HTTPFound aiohttp.web.HTTPSeeOther aiohttp.web.HTTPMovedPermanently "
        "aiohttp.web.HTTPTemporaryRedirect aiohttp.web.HTTPPermanentRedirect",
        kw=("location",),
        kind="redirect",
    ),
    # a template file rendered with a context: its unsafe uses (|safe, autoescape off, <script>) decide
    **_sinks(
        XSS,
        "flask.render_template quart.render_template django.shortcuts.render aiohttp_jinja2.render_template "
        "django.shortcuts.render_to_response django.template.loader.render_to_string "
        "django.template.response.TemplateResponse django.template.response.SimpleTemplateResponse",
        pos=(),
        kind="render",
    ),
    **_sinks(
        XSS,
        "flask.make_response flask.Response werkzeug.Response werkzeug.wrappers.Response "
        "flask.current_app.response_class "
        "django.http.HttpResponse django.http.response.HttpResponse "
        "starlette.responses.HTMLResponse fastapi.responses.HTMLResponse",
        kw=("response", "content"),
        kind="html",
    ),
    **_sinks(
        REDIRECT,
        "flask.redirect werkzeug.utils.redirect django.shortcuts.redirect "
        "django.http.HttpResponseRedirect django.http.HttpResponsePermanentRedirect "
        "starlette.responses.RedirectResponse fastapi.responses.RedirectResponse",
        kw=("location", "to", "redirect_to", "url"),
        kind="redirect",
    ),
    **_sinks(
        SSRF,
        "requests.get requests.post requests.put requests.patch requests.delete "
        "requests.head requests.options httpx.get httpx.post httpx.put httpx.patch "
        "httpx.delete httpx.head httpx.stream urllib.request.urlopen urllib.request.Request "
        "urllib.request.urlretrieve aiohttp.request",
        kw=("url",),
        kind="url",
    ),
    **_sinks(SSRF, "requests.request httpx.request", pos=(1,), kw=("url",), kind="url"),
    **_sinks(
        SSRF,
        "http.client.HTTPConnection http.client.HTTPSConnection socket.create_connection",
        kw=("host", "address"),
        kind="url",
    ),
    **_sinks(XPATH, "lxml.etree.XPath lxml.etree.ETXPath", kw=("path",)),
    **_sinks(
        XXE,
        "lxml.etree.fromstring lxml.etree.XML lxml.etree.parse lxml.etree.XMLID "
        "lxml.etree.iterparse lxml.objectify.fromstring lxml.objectify.parse",
        kw=("text", "source"),
        kind="xml",
    ),
    **_sinks(
        DESER,
        "pickle.loads pickle.load _pickle.loads cPickle.loads dill.loads dill.load "
        "marshal.loads marshal.load jsonpickle.decode jsonpickle.loads pandas.read_pickle "
        "yaml.unsafe_load yaml.unsafe_load_all shelve.open",
        kw=("data", "file", "string"),
    ),
    **_sinks(DESER, "yaml.load yaml.load_all", kw=("stream",), kind="yaml"),
    # DOM builders that take a SAX parser: XXE only when that parser turned external entities on
    **_sinks(
        XXE,
        "xml.dom.minidom.parse xml.dom.minidom.parseString xml.dom.pulldom.parse xml.dom.pulldom.parseString",
        kw=("file", "string", "stream_or_string"),
        kind="sax-dom",
    ),
}
# Sink kinds whose call builds a response object (the route returns it; its body is checked here).
RESPONSE_KINDS = frozenset({"html", "redirect", "template", "send_file", "send_dir"})


# The browser's own Referer (Flask ``request.referrer``, ``request.headers.get("Referer")``): a redirect
# back to it returns the user to the page they came from; an attacker cannot set a victim's Referer to
# a site the victim was not just on, so it is no open redirect (it stays a source for every other sink).
REFERER_NAMES = frozenset({"referer", "referrer", "http_referer"})
# Path sinks that act on a directory: a name ``..`` there is the parent directory itself.
DIRECTORY_SINKS = frozenset(
    {
        *("os.mkdir", "os.makedirs", "os.listdir", "os.scandir", "os.removedirs", "os.rmdir", "os.walk"),
        *("os.chdir", "shutil.rmtree", "shutil.copytree", "shutil.move", "os.rename", "os.replace"),
    }
)


# WSGI environ / Django ``request.META`` keys the server sets, not the client: the CSRF token
# Django's middleware generated, the socket's address, the server's own name and scheme.
SERVER_META = frozenset(
    {
        *("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE", "CSRF_COOKIE_USED", "REQUEST_METHOD", "REMOTE_ADDR"),
        *("REMOTE_PORT", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "SCRIPT_NAME"),
        *("GATEWAY_INTERFACE", "HTTPS", "wsgi.url_scheme", "wsgi.version", "wsgi.multithread"),
        *("wsgi.multiprocess", "wsgi.run_once", "wsgi.errors"),
    }
)


def server_meta(key: Val) -> bool:
    """Is this constant key one the server sets in ``request.META`` / the WSGI environ?"""
    return isinstance(key.const, str) and key.const in SERVER_META


def referer(key: Val) -> bool:
    """Is this constant key the Referer header (``headers.get("Referer")``, ``headers["Referer"]``)?"""
    return isinstance(key.const, str) and key.const.lower() in REFERER_NAMES


# SQLAlchemy statement constructors: their values are bound parameters (calls.py tags them "sql-stmt").
SQL_STATEMENTS = frozenset({"select", "insert", "update", "delete", "union", "union_all", "exists", "values"})


# method name -> sink; ``gate`` = a top-level module the file must import, or a receiver tag.
@dataclass(frozen=True, slots=True)
class MethodSink:
    sink: Sink
    gate_modules: tuple[str, ...] = ()
    gate_tags: tuple[str, ...] = ()


def _msinks(
    cwe: int,
    names: str,
    *,
    pos: tuple[int, ...] = (0,),
    kw: tuple[str, ...] = (),
    mods: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    kind: str = "",
) -> dict[str, MethodSink]:
    return {n: MethodSink(Sink(cwe, pos, kw, f".{n}()", kind), mods, tags) for n in names.split()}


_METHOD_SINK_TABLES: tuple[dict[str, MethodSink], ...] = (
    _msinks(
        SQL, "execute executemany executescript", kw=("sql", "query", "statement", "operation"), kind="sql"
    ),
    _msinks(SQL, "raw", kw=("raw_query",), mods=("django",)),
    _msinks(SQL, "extra", pos=(), kw=("where", "select", "tables", "order_by"), mods=("django",)),
    # LDAP and lxml sinks: the connection or tree is often made in a helper module; sinks.py
    # decides from the receiver, the module, the repository's imports and the filter's shape
    _msinks(
        LDAP, "search_s search_st search_ext search_ext_s", pos=(0, 2), kw=("base", "filterstr"), kind="ldap"
    ),
    _msinks(LDAP, "search", pos=(0, 1), kw=("search_base", "search_filter"), kind="ldap3"),
    _msinks(XPATH, "xpath", kw=("_path",), kind="xpath"),
    _msinks(XXE, "parse", kw=("source",), mods=("xml",), kind="sax-parser"),
    _msinks(XSS, "write", kind="wfile"),
    # http.server handlers write headers as given: CR/LF splits the response
    _msinks(HEADER, "send_header", pos=(1,), kw=("value",), kind="send_header"),
    _msinks(XPATH, "find findall iterfind findtext", kw=("path",), tags=("xml-tree",)),
    _msinks(
        PATH,
        "read_text read_bytes write_text write_bytes unlink rmdir touch",
        pos=(),
        tags=("path",),
        kind="receiver",
    ),
    _msinks(
        SSRF, "get post put patch delete head request stream", kw=("url",), tags=("http-client",), kind="url"
    ),
    _msinks(TRUST, "update setdefault __setitem__", pos=(0, 1), tags=("session",)),
    # headers.add(name, value) on a framework's response: sinks.header_write decides by the
    # framework (does it refuse CR/LF?) and the header's name
    _msinks(
        HEADER,
        "add set setdefault add_header __setitem__",
        pos=(1,),
        kw=("value", "_value"),
        tags=("headers",),
        kind="header",
    ),
)

# Header injection (CWE-113) policy. Werkzeug (Flask, Quart), Django, Starlette/FastAPI and
# Litestar (h11, uvicorn), aiohttp, Tornado and Bottle refuse CR/LF in a header value, so a
# request value in a header through them cannot split the response (0 of 14 labelled true on
# the review set). Raw outputs that write what they are given stay sinks: http.server's
# send_header, a WSGI start_response list, a socket. Through a checking framework, only the
# headers whose VALUE is a security decision are reported, at low severity.
CRLF_CHECKING_FRAMEWORKS = frozenset(
    {
        "flask",
        "werkzeug",
        "quart",
        "django",
        "starlette",
        "fastapi",
        "litestar",
        "aiohttp",
        "tornado",
        "bottle",
    }
)
RAW_HTTP_MODULES = frozenset({"http", "wsgiref", "socketserver", "socket", "asyncio"})
VALUE_CONTROLLED_HEADERS = frozenset(
    {
        "set-cookie",  # the attacker sets the victim's cookies (session fixation)
        "access-control-allow-origin",  # a reflected origin opens the API to any site
        "access-control-allow-credentials",
        "refresh",  # "0; url=..." redirects like Location
        "content-disposition",  # the download's name and extension (reflected file download)
        "x-accel-redirect",  # nginx serves the named internal file
        "x-sendfile",  # Apache/lighttpd serve the named file
    }
)
VALUE_ONLY = "(the framework refuses CR/LF: the request controls this header's value)"

# method name -> every sink class it can be (``setdefault`` on a session or on headers).
METHOD_SINKS: dict[str, tuple[MethodSink, ...]] = {}
for _table in _METHOD_SINK_TABLES:
    for _name, _msink in _table.items():
        METHOD_SINKS[_name] = (*METHOD_SINKS.get(_name, ()), _msink)


# Sanitisers: qualified name -> the CWEs their output is safe for (ALL_CWES = every class).
_ALL = ALL_CWES


def _san(cwes: frozenset[int], names: str) -> dict[str, frozenset[int]]:
    return {n: cwes for n in names.split()}


SANITIZERS: dict[str, frozenset[int]] = {
    **_san(
        _ALL,
        "int float bool complex len abs round ord hash id isinstance issubclass callable "
        "uuid.UUID decimal.Decimal datetime.date.fromisoformat datetime.datetime.fromisoformat "
        "datetime.datetime.strptime ipaddress.ip_address ipaddress.IPv4Address "
        "hmac.compare_digest secrets.compare_digest bcrypt.hashpw django.core.signing.loads "
        # rows read back from the database (second-order origin, not this request's input)
        "django.shortcuts.get_object_or_404 django.shortcuts.get_list_or_404",
    ),
    **_san(frozenset({CMD}), "shlex.quote pipes.quote"),
    # a Python literal of the value: evaluating it gives the value back, never runs code
    **_san(frozenset({CODE}), "repr json.dumps"),
    **_san(
        frozenset({XSS}),
        "html.escape markupsafe.escape flask.escape markupsafe.Markup.escape "
        "django.utils.html.escape django.utils.html.format_html "
        "django.utils.html.strip_tags bleach.clean cgi.escape flask.render_template "
        "django.shortcuts.render django.template.loader.render_to_string "
        "flask.jsonify django.http.JsonResponse django.template.response.TemplateResponse "
        "quart.render_template django.shortcuts.render_to_response aiohttp_jinja2.render_template",
    ),
    **_san(
        frozenset({PATH}),
        "os.path.basename werkzeug.utils.secure_filename werkzeug.secure_filename "
        "werkzeug.utils.safe_join werkzeug.security.safe_join flask.safe_join flask.helpers.safe_join "
        "django.utils._os.safe_join django.utils.text.get_valid_filename",
    ),
    **_san(
        frozenset({XSS, HEADER, REDIRECT, SSRF, LDAP, XPATH}),
        "urllib.parse.quote urllib.parse.quote_plus urllib.parse.urlencode",
    ),
    # base64 and JWT text: [A-Za-z0-9+/=_.-] only, no quote, angle bracket, space or line break
    **_san(
        frozenset({XSS, HEADER, SQL, CMD, LDAP, XPATH, CODE}),
        "jwt.encode jose.jwt.encode base64.b64encode base64.urlsafe_b64encode base64.standard_b64encode "
        "base64.b32encode base64.b16encode binascii.hexlify",
    ),
    **_san(
        frozenset({LDAP}),
        "ldap.filter.escape_filter_chars ldap.dn.escape_dn_chars ldap3.utils.conv.escape_filter_chars",
    ),
    **_san(
        frozenset({SQL}),
        "psycopg2.sql.Identifier psycopg2.sql.Literal psycopg.sql.Identifier psycopg.sql.Literal",
    ),
    **_san(frozenset({SSRF, REDIRECT}), "django.utils.http.url_has_allowed_host_and_scheme"),
    # a URL the application builds from its own routes: arguments are percent-encoded into it
    **_san(
        frozenset({SSRF, REDIRECT, XSS, HEADER}),
        "flask.url_for django.urls.reverse django.shortcuts.resolve_url quart.url_for",
    ),
    **_san(
        frozenset({XXE}),
        "defusedxml.ElementTree.fromstring defusedxml.ElementTree.parse "
        "defusedxml.lxml.fromstring defusedxml.lxml.parse defusedxml.minidom.parseString "
        "defusedxml.cElementTree.fromstring",
    ),
}

# Methods whose result is safe for some sink classes (template engines autoescape).
CLEANING_METHODS: dict[str, frozenset[int]] = {
    "render": frozenset({XSS}),
    "render_to_string": frozenset({XSS}),
    # QueryDict/MultiDict.urlencode(): percent-encoded, no "/", quote, angle bracket or line break
    "urlencode": frozenset({XSS, HEADER, REDIRECT, SSRF, LDAP, XPATH}),
    # Django Signer.unsign / itsdangerous: only what the server itself signed comes back
    "unsign": ALL_CWES,
    "unsign_object": ALL_CWES,
    # SQLAlchemy column operators (``User.name.ilike(f"%{q}%")``) bind their operand as a query
    # parameter: the expression they build carries no SQL text from it. (On a str, the same names
    # return a bool, which carries no SQL either.)
    **{
        m: frozenset({SQL})
        for m in [
            "ilike",
            "like",
            "not_ilike",
            "not_like",
            "notilike",
            "notlike",
            "contains",
            "icontains",
            "startswith",
            "istartswith",
            "endswith",
            "iendswith",
            "in_",
            "not_in",
            "notin_",
            "between",
            "regexp_match",
            "is_",
            "is_not",
            "isnot",
        ]
    },
}
# Methods of an ORM query (``Model.objects.filter(...)``): what they yield is stored data, not this
# request's input (the query's own sinks, raw()/extra(), are checked before).
QUERYSET_METHODS = frozenset(
    [
        "filter",
        "exclude",
        "order_by",
        "select_related",
        "prefetch_related",
        "distinct",
        "annotate",
        "only",
        "defer",
        "values",
        "none",
        "using",
        "iterator",
        "in_bulk",
        "filter_by",
        "where",
        "limit",
        "offset",
        "options",
        "join",
        "outerjoin",
        "group_by",
    ]
)

# String methods whose result carries no user-controlled text.
CLEAN_METHODS = frozenset(
    [
        "isdigit",
        "isalnum",
        "isalpha",
        "isnumeric",
        "isdecimal",
        "isidentifier",
        "isspace",
        "islower",
        "isupper",
        "istitle",
        "startswith",
        "endswith",
        "count",
        "index",
        "find",
        "rfind",
        "hexdigest",
        "digest",
        "__len__",
        "bit_length",
        "is_integer",
        "exists",
        "is_file",
        "is_dir",
    ]
)

# Calls whose result is user input (qualified names).
SOURCE_CALLS: dict[str, str] = {
    "input": "cli",
    "builtins.input": "cli",
    "raw_input": "cli",
    "os.getenv": "env",
    "os.environ.get": "env",
    "os.getenvb": "env",
}
SOURCE_NAMES: dict[str, str] = {
    "sys.argv": "cli",
    "os.environ": "env",
    "os.environb": "env",
    "sys.stdin": "cli",
}
REQUEST_OBJECTS = frozenset({"flask.request", "werkzeug.local.request", "quart.request", "bottle.request"})
SESSION_OBJECTS = frozenset({"flask.session", "quart.session"})
# The request's own site: a victim's browser sends the real Host of the site it is on, so a
# redirect to it stays there (open-webui's ``RedirectResponse(str(request.base_url))``); a forged
# Host only reaches the attacker's own requests, where it matters for SSRF, not for redirects.
OWN_SITE_ATTRS = frozenset({"base_url", "url_root", "host_url", "host", "url"})
# The request's own path: what the resolver matched (see values.OWN_PATH).
OWN_PATH_ATTRS = frozenset({"path", "path_info", "full_path", "get_full_path", "get_full_path_info"})
# Attributes of a request object that the client does not control.
REQUEST_CLEAN_ATTRS = frozenset(
    [
        "method",
        "endpoint",
        "blueprint",
        "is_json",
        "is_secure",
        "user",
        "auth_user",
        "content_length",
        "is_ajax",
        "url_rule",
        "view_args_safe",
        "scheme",
        "app",
        "state",
        "scope",
    ]
)
# Attributes and methods of a request object that carry what the client sent (Flask/Werkzeug,
# Django/DRF, Starlette/FastAPI, aiohttp, bottle, falcon, Tornado, http.server/socketserver
# handlers); any other attribute is the application's own (``request.event`` set by middleware).
REQUEST_INPUT_ATTRS = frozenset(
    [
        "args",
        "form",
        "values",
        "json",
        "get_json",
        "data",
        "get_data",
        "files",
        "cookies",
        "headers",
        "environ",
        "path",
        "full_path",
        "url",
        "base_url",
        "url_root",
        "host_url",
        "host",
        "query_string",
        "remote_addr",
        "user_agent",
        "referrer",
        "access_route",
        "authorization",
        "stream",
        "input_stream",
        "mimetype",
        "content_type",
        "view_args",
        "item",
        "GET",
        "POST",
        "COOKIES",
        "META",
        "FILES",
        "body",
        "path_info",
        "get_full_path",
        "get_full_path_info",
        "build_absolute_uri",
        "get_host",
        "read",
        "readline",
        "readlines",
        "query_params",
        "resolver_match",
        "get_signed_cookie",
        "content_params",
        "query",
        "rel_url",
        "match_info",
        "post",
        "text",
        "content",
        "raw_path",
        "path_qs",
        "multipart",
        "forwarded",
        "remote",
        "path_params",
        "form_data",
        "params",
        "forms",
        "query_string",
        "get_param",
        "get_header",
        "media",
        "bounded_stream",
        "arguments",
        "body_arguments",
        "query_arguments",
        "get_argument",
        "get_arguments",
        "get_body_argument",
        "get_query_argument",
        "rfile",
        "requestline",
        "raw_requestline",
        "request",
        "session",
    ]
)
REQUEST_TYPES = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest"})


def typed(node: object) -> bool:
    """``type=int`` in ``request.args.get("n", type=int)``: the framework converts the value."""
    return getattr(node, "id", None) in ("int", "float", "bool")


CLEAN_ANNOTATIONS = frozenset({"int", "float", "bool", "UUID", "uuid.UUID", "date", "datetime", "Decimal"})
_WRAPPERS = frozenset({"Optional", "typing.Optional", "Annotated", "typing.Annotated"})
_COLLECTIONS = frozenset({"list", "set", "frozenset", "tuple", "List", "Set", "Tuple", "Sequence"})


def clean_annotation(node: ast.expr | None) -> bool:
    """A parameter type the framework validates into something that is not text: ``int``,
    ``Optional[int]``, ``int | None``, ``Annotated[int, Query()]``, ``list[UUID]``, ``Literal["a", "b"]``.

    FastAPI, Starlette-based frameworks and pydantic refuse a request whose value does not convert,
    so such a parameter can carry no injected text.
    """
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return node.value is None
    if isinstance(node, ast.Name | ast.Attribute):
        return ast.unparse(node) in CLEAN_ANNOTATIONS
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return clean_annotation(node.left) and clean_annotation(node.right)
    if isinstance(node, ast.Subscript):
        outer = ast.unparse(node.value)
        inner = node.slice
        if outer in ("Literal", "typing.Literal"):
            return True
        if outer in _WRAPPERS:
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return clean_annotation(first)
        if outer in _COLLECTIONS:
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return all(clean_annotation(p) or (isinstance(p, ast.Constant) and p.value is ...) for p in parts)
        if outer in ("Union", "typing.Union"):
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return all(clean_annotation(p) for p in parts)
    return False


# Calls that end the request: the code after them on that path does not run.
EXIT_CALLS = frozenset(
    {
        "flask.abort",
        "werkzeug.exceptions.abort",
        "flask_restful.abort",
        "flask_smorest.abort",
        "quart.abort",
        "sys.exit",
        "exit",
        "quit",
        "os._exit",
        "abort",
    }
)

# Calls whose result carries a tag that later sinks look at.
TAGGING_CALLS: dict[str, str] = {
    "requests.Session": "http-client",
    "requests.session": "http-client",
    "httpx.Client": "http-client",
    "httpx.AsyncClient": "http-client",
    "aiohttp.ClientSession": "http-client",
    "flask.make_response": "response",
    "flask.Response": "response",
    "flask.current_app.response_class": "response",
    "django.http.HttpResponse": "response",
    "werkzeug.Response": "response",
    "starlette.responses.Response": "response",
    "fastapi.responses.Response": "response",
    "django.http.response.HttpResponse": "response",
    "xml.etree.ElementTree.parse": "xml-tree",
    "xml.etree.ElementTree.fromstring": "xml-tree",
    "xml.etree.ElementTree.XML": "xml-tree",
    "xml.etree.ElementTree.ElementTree": "xml-tree",
    "xml.etree.cElementTree.parse": "xml-tree",
    "xml.etree.cElementTree.fromstring": "xml-tree",
    "lxml.etree.parse": "xml-tree",
    "lxml.etree.fromstring": "xml-tree",
    "lxml.etree.XML": "xml-tree",
    "defusedxml.ElementTree.fromstring": "xml-tree",
    "defusedxml.ElementTree.parse": "xml-tree",
    "defusedxml.lxml.fromstring": "xml-tree",
    "defusedxml.lxml.parse": "xml-tree",
    "ldap3.Connection": "ldap",
    "ldap.initialize": "ldap",
    "ldap.ldapobject.LDAPObject": "ldap",
    "ldap.ldapobject.ReconnectLDAPObject": "ldap",
    "pathlib.Path": "path",
    "pathlib.PurePath": "path",
    "pathlib.PosixPath": "path",
    "io.BytesIO": "memfile",
    "io.StringIO": "memfile",
}
# Values whose tag says what they are not: a file object (in memory or open) is no path, a SQLAlchemy
# statement sends its values as bound parameters. Checked where they reach a sink, also as the
# argument of a helper whose parameter does (``ZipFile(source)`` with ``source = BytesIO(upload)``).
TAG_SAFE_FOR: dict[str, frozenset[int]] = {
    "memfile": frozenset({PATH}),
    "file": frozenset({PATH}),
    "sql-stmt": frozenset({SQL}),
}
YAML_SAFE_LOADERS = frozenset({"yaml.SafeLoader", "yaml.CSafeLoader", "yaml.BaseLoader", "yaml.CBaseLoader"})
XML_PARSERS = frozenset({"lxml.etree.XMLParser", "lxml.etree.XMLPullParser"})
ROUTE_DECORATORS = frozenset(
    ["route", "get", "post", "put", "delete", "patch", "head", "options", "api_route", "websocket", "view"]
)
