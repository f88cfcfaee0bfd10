"""Sink checks: does a tainted value reach a dangerous argument?"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from stackaudit.analyzers.taint import sitectx
from stackaudit.analyzers.taint import tables as tb
from stackaudit.analyzers.taint.render import render_values, unconfirmed
from stackaudit.analyzers.taint.values import SourceKind, Taint, Val, as_directory, flatten

if TYPE_CHECKING:
    from stackaudit.analyzers.taint.calls import CallArgs
    from stackaudit.analyzers.taint.interp import Interp

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "cmd", "cmd.exe", "powershell", "pwsh"})
_FIXED_HOST = re.compile(r"^[a-zA-Z][\w+.-]*://[^/?#]+[/?#]")


def safe_prefix(kind: str, prefix: str) -> bool:
    if _FIXED_HOST.match(prefix):
        return True
    # a site-relative path ("/x", not "//host" or "/\\host"): a redirect stays on this site,
    # and an HTTP client resolves it against its configured base_url, never a host of the input
    return len(prefix) >= 2 and prefix[0] == "/" and prefix[1] not in "/\\"


def check(it: Interp, sink: tb.Sink, args: CallArgs, label: str) -> None:
    if sink.kind == "send_file":
        _send_file(it, sink, args, label)
        return
    if sink.kind == "render":
        for value, note in render_values(it, args, label):
            report(it, tb.XSS, flatten(value), args.node, note)
        return
    values = _dangerous_values(it, sink, args)
    taints: frozenset[Taint] = frozenset()
    for value in values:
        if sink.kind in ("url", "redirect") and safe_prefix(sink.kind, value.prefix):
            continue
        taints = taints | flatten(value)
    if sink.cwe == tb.PATH and (sink.kind == "send_dir" or label in tb.DIRECTORY_SINKS):
        taints = as_directory(taints)
    if taints:
        report(it, sink.cwe, taints, args.node, label)
    elif label in MARK_SAFE and values and _stored(it, args):
        unconfirmed(it, tb.XSS, args.node, f"a stored value is marked safe by {label}")
    it.observe_sink(sink, values, taints, args.node)  # proof of safety, or a value of unknown origin


MARK_SAFE = frozenset(
    {"markupsafe.Markup", "flask.Markup", "jinja2.Markup", "django.utils.safestring.mark_safe"}
)


def _stored(it: Interp, args: CallArgs) -> bool:
    """``mark_safe(profile.bio)`` of a value read from the database: stored XSS of unknown origin."""
    first = args.node.args[0] if args.node.args else None
    value = args.get(0)
    return (
        first is not None
        and value is not None
        and not value.is_const
        and sitectx.from_query(it, first, args.node.lineno)
    )


def _dangerous_values(it: Interp, sink: tb.Sink, args: CallArgs) -> list[Val]:
    kind = sink.kind
    if kind == "receiver":
        return [args.receiver] if args.receiver is not None else []
    if kind == "subprocess":
        return _subprocess(args)
    if kind == "yaml" and _safe_yaml(it, args):
        return []
    if kind == "xml" and _safe_xml(args):
        return []
    if kind == "html" and (_non_html(args) or sitectx.non_html_set_after(it, args.node)):
        return []
    if kind in _GATED and not _GATED[kind](it, args):
        return []
    if kind == "redirect" and _same_path(it, args.node):
        return []
    values = [v for i in sink.positions if (v := args.get(i)) is not None]
    values += [args.kwargs[k] for k in sink.keywords if k in args.kwargs]
    values = [v for v in values if sink.cwe not in tb.TAG_SAFE_FOR.get(v.tag, ())]
    if sink.cwe == tb.PATH and _file_object(it, args):
        return []  # zipfile.ZipFile(BytesIO(data)): bytes in memory, not a path
    if kind == "template" and not any(flatten(v) for v in values):
        template = args.get(0, "source")
        if (
            template is not None
            and isinstance(template.const, str)
            and "|safe" in template.const.replace(" ", "")
        ):
            values = [v for k, v in args.kwargs.items() if k != "source"]
    return values


_PATH_ATTRS = frozenset({"path", "path_info", "full_path"})
_PATH_METHODS = frozenset({"get_full_path", "get_full_path_info"})
_PATH_EDITS = frozenset({"replace", "rstrip", "lower", "removesuffix"})


def _same_path(it: Interp, call: ast.Call) -> bool:
    """``redirect(request.path)`` / ``redirect(f"{request.path}?page=2")``: back to the page the
    router matched, on this site (joined onto another base it could change host: still checked)."""
    target = call.args[0] if call.args else next((k.value for k in call.keywords), None)
    target = sitectx.resolve(it, target, call.lineno) if target is not None else None
    if isinstance(target, ast.JoinedStr) and target.values:
        first = target.values[0]
        target = first.value if isinstance(first, ast.FormattedValue) else None
    elif isinstance(target, ast.BinOp) and isinstance(target.op, ast.Add):
        target = target.left
    while isinstance(target, ast.Call) and isinstance(target.func, ast.Attribute):
        method = target.func
        if method.attr in _PATH_METHODS and not target.args:
            target = method  # request.get_full_path(): the same path with its query string
            break
        if method.attr not in _PATH_EDITS:
            return False
        target = method.value  # request.path.replace("/talks/", "/submissions/", 1)
    return (
        isinstance(target, ast.Attribute)
        and target.attr in _PATH_ATTRS | _PATH_METHODS
        and ast.unparse(target.value).split(".")[-1] == "request"
    )


def _ldap(it: Interp, args: CallArgs) -> bool:
    return _library_receiver(it, args, "ldap", ("ldap",))


def _ldap3(it: Interp, args: CallArgs) -> bool:
    """ldap3 ``conn.search(base, filter)``: also when the connection comes from a helper module."""
    if _library_receiver(it, args, "ldap", ("ldap3",)):
        return True
    search_filter = args.get(1, "search_filter")
    return search_filter is not None and search_filter.prefix.startswith("(") and _repo_imports(it, "ldap3")


def _xpath(it: Interp, args: CallArgs) -> bool:
    return _library_receiver(it, args, "xml-tree", ("lxml", "parsel", "scrapy")) or _repo_imports(it, "lxml")


def _library_receiver(it: Interp, args: CallArgs, tag: str, modules: tuple[str, ...]) -> bool:
    receiver = args.receiver
    if receiver is not None and receiver.is_const and isinstance(receiver.const, str):
        return False
    return (receiver is not None and receiver.tag == tag) or bool(it.mod.imported_roots & set(modules))


def _repo_imports(it: Interp, root: str) -> bool:
    return any(root in mod.imported_roots for mod in it.prog.modules.values())


def _sax_parser(it: Interp, args: CallArgs) -> bool:
    """``parser.parse(source)`` of a SAX parser that turned external entities on."""
    func = args.node.func
    if not (isinstance(func, ast.Attribute) and sitectx.external_entities(it, func.value)):
        return False
    _unconfirmed_xxe(it, args, args.get(0, "source"))
    return True


def _sax_dom(it: Interp, args: CallArgs) -> bool:
    """minidom/pulldom ``parseString(data, parser)`` with such a parser."""
    parser = args.node.args[1] if len(args.node.args) > 1 else None
    parser = parser or next((k.value for k in args.node.keywords if k.arg == "parser"), None)
    if parser is None or not sitectx.external_entities(it, parser):
        return False
    _unconfirmed_xxe(it, args, args.get(0, "string"))
    return True


def _unconfirmed_xxe(it: Interp, args: CallArgs, data: Val | None) -> None:
    """External entities on are dangerous whatever the document's origin: kept, as unconfirmed."""
    if data is not None and not data.is_const and not flatten(data):
        reason = "a parser with external entities enabled reads a document of unknown origin"
        unconfirmed(it, tb.XXE, args.node, reason)


def _wfile(it: Interp, args: CallArgs) -> bool:
    """``self.wfile.write(body)`` in an http.server handler that does not declare a non-HTML type."""
    func = args.node.func
    owner = func.value if isinstance(func, ast.Attribute) else None
    return isinstance(owner, ast.Attribute) and owner.attr == "wfile" and not sitectx.sends_non_html(it)


def _sql(it: Interp, args: CallArgs) -> bool:
    """``session.execute(select(User).filter_by(name=x))``: a SQLAlchemy statement binds its values."""
    node = args.node.args[0] if args.node.args else None
    line = args.node.lineno
    for _ in range(4):  # stmt = select(X); stmt = stmt.filter_by(...); execute(stmt)
        if isinstance(node, ast.Name):
            found = sitectx.assignment(it, node.id, line)
            if found is None:
                break
            node, line = found, found.lineno - 1
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value  # select(X).where(...).filter_by(...): down to the constructor
    if not isinstance(node, ast.Call):
        return True
    qn = it.qualname(node.func) or ""
    return not (qn.startswith("sqlalchemy") and qn.rsplit(".", 1)[-1] in tb.SQL_STATEMENTS)


def _html_declared(it: Interp, args: CallArgs) -> bool:
    """aiohttp ``web.Response(text=...)`` is text/plain; HTML only when ``content_type`` says so."""
    declared = args.kwargs.get("content_type")
    return declared is not None and isinstance(declared.const, str) and "html" in declared.const


def _send_header(it: Interp, args: CallArgs) -> bool:
    """``self.send_header(name, value)`` in an http.server handler; ``Location`` is a redirect too."""
    func = args.node.func
    owner = func.value if isinstance(func, ast.Attribute) else None
    if not (isinstance(owner, ast.Name) and owner.id == "self" and "http" in it.mod.imported_roots):
        return False
    name, value = args.get(0), args.get(1)
    location = name is not None and isinstance(name.const, str) and name.const.lower() == "location"
    if location and value is not None and not safe_prefix("redirect", value.prefix):
        report(it, tb.REDIRECT, flatten(value), args.node, "Location header")
    return True


def _send_dir(it: Interp, args: CallArgs) -> bool:
    """``send_from_directory(directory, name)`` safe-joins ``name``; with a name the server chose
    (``"last-screenshot.png"``) a directory from the request only picks which copy of that file is
    served, so the call is dangerous only when the name comes from the request too."""
    name = args.get(1, "path") or args.kwargs.get("filename")
    return name is None or bool(flatten(name))


_GATED = {
    "html-declared": _html_declared,
    "send_header": _send_header,
    "sql": _sql,
    "send_dir": _send_dir,
    "ldap": _ldap,
    "ldap3": _ldap3,
    "xpath": _xpath,
    "sax-parser": _sax_parser,
    "sax-dom": _sax_dom,
    "wfile": _wfile,
}
_FILE_LIKE = frozenset({"BytesIO", "StringIO", "SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile"})


def _file_object(it: Interp, args: CallArgs) -> bool:
    first = args.node.args[0] if args.node.args else None
    if first is None:
        return False
    built = sitectx.resolve(it, first, args.node.lineno)
    if not isinstance(built, ast.Call):
        return False
    if _leaf(built.func) in _FILE_LIKE:
        return True
    qn = it.qualname(built.func)
    helper = it.prog.resolve_function(it, built.func, qn) if qn else None
    return helper is not None and sitectx.returns_call(helper.node, _FILE_LIKE)


def _leaf(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _send_file(it: Interp, sink: tb.Sink, args: CallArgs, label: str) -> None:
    """``send_file(path)`` reads a path; ``send_file(BytesIO(data))`` serves bytes (XSS only inline HTML)."""
    first = (
        args.node.args[0]
        if args.node.args
        else next((k.value for k in args.node.keywords if k.arg in sink.keywords), None)
    )
    value = args.get(0, "path_or_file") or args.kwargs.get("filename_or_fp")
    if first is None or value is None:
        return
    if not _file_object(it, args):
        report(it, tb.PATH, flatten(value), args.node, label)
        return
    attachment = args.kwargs.get("as_attachment")
    mimetype = args.kwargs.get("mimetype")
    inline = attachment is None or (attachment.is_const and not attachment.const)
    html = mimetype is not None and isinstance(mimetype.const, str) and "html" in mimetype.const
    if inline and html:
        report(it, tb.XSS, flatten(value), args.node, f"{label} (inline HTML)")


def _subprocess(args: CallArgs) -> list[Val]:
    shell = args.kwargs.get("shell")
    command = args.get(0, "args")
    if command is None:
        return []
    if shell is not None and (shell.taints or (shell.is_const and bool(shell.const))):
        return [command]
    if command.items is not None:
        program = command.items[0].const if command.items else None
        if isinstance(program, str) and program.rsplit("/", 1)[-1] in _SHELLS:
            return list(command.items)  # ["sh", "-c", text]: the text is a shell command line
        return [_not_operator_chosen(command.items[0])] if command.items else []
    return [command]  # a string program, or a whole argument list from the user


def _not_operator_chosen(program: Val) -> Val:
    """``[os.getenv("PDF_TOOL", "pdftohtml"), "-i", path]``: which program to run, named by the
    environment or the command line of whoever starts the service, is their configuration (like
    a path), not an injection; no shell reads it (changedetection.io's PDF converter)."""
    kept = frozenset(t for t in program.taints if t.kind not in (SourceKind.ENV, SourceKind.CLI))
    return program if kept == program.taints else Val(taints=kept)


def _safe_yaml(it: Interp, args: CallArgs) -> bool:
    node = args.node
    loader = next((kw.value for kw in node.keywords if kw.arg == "Loader"), None)
    if loader is None and len(node.args) > 1:
        loader = node.args[1]
    if loader is None:
        return False
    qn = it.qualname(loader)
    return qn is not None and it.prog.canonical(qn) in tb.YAML_SAFE_LOADERS


def _safe_xml(args: CallArgs) -> bool:
    parser = args.kwargs.get("parser") or (args.args[1] if len(args.args) > 1 else None)
    return parser is not None and parser.tag == "xml-safe"


def _server_chosen(value: Val) -> bool:
    """A declared content type the code computes (a helper's parameter, a processor's type): the
    response was given a type on purpose, so it is not assumed to be HTML; one from the request is."""
    return all(t.kind in (SourceKind.PARAM, SourceKind.STORED) for t in flatten(value))


def _non_html(args: CallArgs) -> bool:
    for key in ("content_type", "mimetype", "media_type"):
        value = args.kwargs.get(key)
        if value is not None and isinstance(value.const, str) and "html" not in value.const:
            return True
        if value is not None and not value.is_const and _server_chosen(value):
            return True  # send_file(output, name, content_type="text/csv"): a download helper's type
    first = args.get(0, "response") or args.get(0, "content")
    return first is not None and (first.keys is not None or first.items is not None)


def check_store(it: Interp, target: ast.Subscript, base: Val, value: Val) -> None:
    if base.tag == "session":
        key = it.expr(target.slice)  # session[name] = ...: the client names what the server trusts
        report(it, tb.TRUST, flatten(value) | flatten(key), target, "session[...] = ")
    elif base.tag in ("headers", "response"):
        header_write(it, it.expr(target.slice), value, target, "response header")


# -- response headers (CWE-113; the policy is in tables.CRLF_CHECKING_FRAMEWORKS) ---------------


def crlf_checked(it: Interp) -> bool:
    """Does the response object here belong to a framework that refuses CR/LF in header values?
    This module's imports decide; a helper module that imports no web code at all (it is handed
    the response) takes the repository's framework, unless it writes raw HTTP itself."""
    roots = it.mod.imported_roots
    if roots & tb.CRLF_CHECKING_FRAMEWORKS:
        return True
    if roots & tb.RAW_HTTP_MODULES:
        return False
    return any(mod.imported_roots & tb.CRLF_CHECKING_FRAMEWORKS for mod in it.prog.modules.values())


def header_write(it: Interp, name: Val | None, value: Val, node: ast.AST, label: str) -> None:
    """One response header set to ``value``. ``Location`` is a redirect whatever the framework; on a
    raw output any request value can split the response; through a framework that refuses CR/LF
    only a header whose value is itself a security decision (Set-Cookie, CORS, a file name,
    Refresh, X-Accel-Redirect) is reported, at low severity. A name the code does not fix
    (``headers[k] = v`` over a list) is not guessed at: the framework checks it too."""
    header = name.const.lower() if name is not None and isinstance(name.const, str) else None
    taints = flatten(value)
    if header == "location":
        if not safe_prefix("redirect", value.prefix):
            report(it, tb.REDIRECT, taints, node, "Location header")
        if crlf_checked(it):
            return
    if not crlf_checked(it):
        report(it, tb.HEADER, taints, node, label)
        return
    if header in tb.VALUE_CONTROLLED_HEADERS:
        report(it, tb.HEADER, taints, node, f"the {header} header {tb.VALUE_ONLY}")


def response_headers(it: Interp, headers: Val, node: ast.AST) -> None:
    """``Response(..., headers={...})``: each header of a constant-key dict on its own; a dict of
    unknown keys is a raw sink only where the framework does not check header values."""
    if headers.keys is not None:
        for key, value in headers.keys:
            header_write(
                it, Val(const=key) if isinstance(key, str) else None, value, node, "response headers"
            )
    elif not crlf_checked(it):
        report(it, tb.HEADER, flatten(headers), node, "response headers")


def _header_method(it: Interp, args: CallArgs) -> bool:
    """``headers.add(name, value)`` / ``headers["X"] = v`` through a method: judged here, once."""
    value = args.get(1, "value") or args.kwargs.get("_value")
    if value is not None:
        header_write(it, args.get(0, "key") or args.get(0, "_key"), value, args.node, "response header")
    return False


_GATED["header"] = _header_method


def report(it: Interp, cwe: int, taints: frozenset[Taint], node: ast.AST, label: str) -> None:
    from stackaudit.analyzers.taint.program import SinkHit

    snippet = ""
    for taint in pick(taints, cwe):
        snippet = snippet or it.mod.snippet(node)
        it.hits.append(SinkHit(cwe, taint, it.loc(node), snippet, label))


def pick(taints: frozenset[Taint], cwe: int) -> list[Taint]:
    """The best real flow, plus one symbolic flow per parameter (for the function's summary).

    In the order of the taints' keys, not of the set (which follows PYTHONHASHSEED): the first
    flow recorded at a site names it, so a message must not depend on the process."""
    reaching = sorted((t for t in taints if t.reaches(cwe)), key=_taint_key)
    real = [t for t in reaching if t.kind != SourceKind.PARAM]
    chosen = [min(real, key=lambda t: (-t.kind.confidence, len(t.steps)))] if real else []
    seen: set[int] = set()
    for t in reaching:
        if t.kind == SourceKind.PARAM and t.param not in seen:
            seen.add(t.param)
            chosen.append(t)
    return chosen


def _taint_key(taint: Taint) -> tuple[object, ...]:
    return taint.key
