"""Generator of the templated part of the labelled SAST corpus (OWASP-Benchmark style).

Like the OWASP Benchmark, each case = one source x one flow x one sink, written
to its own file with its label in a header comment. Vulnerable flows keep the
taint; trap flows look dangerous to a pattern matcher but carry nothing
(constant-folded branch, reassignment, other dict key, removed or overwritten
list element, a call that returns a constant, a type conversion, an allow-list
check, a sanitizer, a safe API). Hand-written cases live beside them
(``*_hw_*.py``). Run once; the output is committed:

    .venv/bin/python tests/analyzers/taint/gen_corpus.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).parent / "fixtures" / "corpus"


@dataclass(frozen=True)
class Sink:
    fw: str  # flask | django | fastapi
    code: str  # uses {b}; may contain a return
    imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    key: str
    cwe: int
    sinks: tuple[Sink, ...]
    safe_sinks: tuple[Sink, ...]
    sanitizers: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (imports, flow lines)
    allowed: str = '("alpha", "beta", "gamma")'
    extra: dict[str, str] = field(default_factory=dict)


SOURCES = {
    "flask": [
        'request.args.get("q", "")',
        'request.form.get("q", "")',
        'request.cookies.get("q", "")',
        'request.headers.get("X-Q", "")',
        'request.values.get("q", "")',
        '(request.get_json(silent=True) or {}).get("q", "")',
    ],
    "django": [
        'request.GET.get("q", "")',
        'request.POST.get("q", "")',
        'request.COOKIES.get("q", "")',
        'request.META.get("HTTP_X_Q", "")',
    ],
    "fastapi": ["q", 'request.query_params.get("q", "")'],
}
DEFAULT_RETURN = {
    "flask": 'return "ok"',
    "django": 'return HttpResponse("ok")',
    "fastapi": 'return {"ok": True}',
}
REJECT = {
    "flask": "abort(400)",
    "django": 'return HttpResponseBadRequest("invalid")',
    "fastapi": 'raise HTTPException(status_code=400, detail="invalid")',
}

VULN_FLOWS: list[tuple[str, list[str], list[str]]] = [
    ("direct assignment", ["bar = param"], []),
    ("string methods", ["bar = param.strip().lower()"], []),
    ("list element read back", ['parts = ["prefix", param]', "bar = parts[1]"], []),
    (
        "dict entry read with the same key",
        ['mapping = {"keyA": "a-Value", "keyB": param}', 'bar = mapping["keyB"]'],
        [],
    ),
    ("helper function in the module", ["bar = do_something(param)"], []),
    (
        "constant-folded condition selects the tainted arm",
        ["num = 196", 'bar = param if (7 * 18) + num > 200 else "safe!"'],
        [],
    ),
    ("str.format", ['bar = "{}".format(param)'], []),
    (
        "loop, append and join",
        [
            "values = []",
            'for piece in param.split(","):',
            "    values.append(piece)",
            'bar = ",".join(values)',
        ],
        [],
    ),
    ("attribute store and load", ["holder = Holder()", "holder.value = param", "bar = holder.value"], []),
    (
        "helper in another module",
        ["bar = normalise(param)"],
        ["from corpus_support.textutil import normalise"],
    ),
]
SAFE_FLOWS: list[tuple[str, list[str], list[str]]] = [
    (
        "constant-folded condition selects the constant arm",
        ["num = 86", 'bar = "safe!" if (7 * 42) - num > 200 else param'],
        [],
    ),
    ("reassigned to a constant", ["bar = param", 'bar = "constant-value"'], []),
    (
        "dict read with a different constant key",
        ['mapping = {"keyA": "a-Value", "keyB": param}', 'bar = mapping["keyA"]'],
        [],
    ),
    (
        "tainted list element removed before use",
        ['values = ["safe", param, "moresafe"]', "values.pop(0)", "bar = values[1]"],
        [],
    ),
    (
        "tainted list element overwritten",
        ['values = [param, "b-value"]', 'values[0] = "fixed"', "bar = values[0]"],
        [],
    ),
    (
        "call into another module that returns a constant",
        ["bar = fixed_value(param)"],
        ["from corpus_support.textutil import fixed_value"],
    ),
    ("UUID conversion", ["bar = str(uuid.UUID(param))"], ["import uuid"]),
    ("allow-list check", ["if param not in ALLOWED:", "    {reject}", "bar = param"], []),
]

SUPPORT = """

class Holder:
    value = ""


def do_something(value):
    result = value
    return result
"""

CATEGORIES = [
    Category(
        "sqli",
        89,
        (
            Sink(
                "flask",
                'conn = sqlite3.connect("app.db")\ncur = conn.cursor()\n'
                'cur.execute("SELECT * FROM users WHERE name = \'" + {b} + "\'")',
                ("import sqlite3",),
            ),
            Sink(
                "django",
                "with connection.cursor() as cursor:\n    cursor.execute(\"SELECT * FROM auth_user WHERE username = '%s'\" % {b})\n    rows = cursor.fetchall()",
                ("from django.db import connection",),
            ),
            Sink(
                "django",
                "users = list(User.objects.raw(\"SELECT * FROM auth_user WHERE email = '%s'\" % {b}))",
                ("from django.contrib.auth.models import User",),
            ),
            Sink(
                "fastapi",
                "with engine.connect() as conn:\n    conn.execute(text(f\"SELECT * FROM orders WHERE ref = '{{{b}}}'\"))",
                ("from sqlalchemy import create_engine, text", 'engine = create_engine("sqlite:///app.db")'),
            ),
            Sink(
                "django",
                "users = User.objects.extra(where=[\"username = '%s'\" % {b}])",
                ("from django.contrib.auth.models import User",),
            ),
        ),
        (
            Sink(
                "flask",
                'conn = sqlite3.connect("app.db")\nconn.execute("SELECT * FROM users WHERE name = ?", ({b},))',
                ("import sqlite3",),
            ),
            Sink(
                "django",
                'with connection.cursor() as cursor:\n    cursor.execute("SELECT * FROM auth_user WHERE username = %s", [{b}])',
                ("from django.db import connection",),
            ),
        ),
        (
            ((), ['bar = param if param.isdigit() else "0"']),
            (
                ("import re",),
                ['if not re.fullmatch(r"[A-Za-z0-9_]{1,32}", param):', "    {reject}", "bar = param"],
            ),
        ),
    ),
    Category(
        "cmdi",
        78,
        (
            Sink("flask", 'os.system("ping -c 1 " + {b})', ("import os",)),
            Sink(
                "flask", 'subprocess.run("nslookup " + {b}, shell=True, check=False)', ("import subprocess",)
            ),
            Sink(
                "django",
                'out = subprocess.check_output(f"ls -l {{{b}}}", shell=True)',
                ("import subprocess",),
            ),
            Sink("fastapi", 'listing = os.popen("whois %s" % {b}).read()', ("import os",)),
            Sink("flask", 'proc = subprocess.Popen([{b}, "--version"])', ("import subprocess",)),
        ),
        (
            Sink("flask", 'subprocess.run(["ping", "-c", "1", {b}], check=False)', ("import subprocess",)),
            Sink("django", 'out = subprocess.check_output(["ls", "-l", "--", {b}])', ("import subprocess",)),
        ),
        (
            (("import shlex",), ["bar = shlex.quote(param)"]),
            (("import shlex",), ['bar = "host-" + shlex.quote(param)']),
        ),
        allowed='("localhost", "example.com")',
    ),
    Category(
        "codei",
        94,
        (
            Sink("flask", "result = eval({b})"),
            Sink("django", 'exec("value = " + {b})'),
            Sink("fastapi", 'code = compile({b}, "<input>", "eval")'),
            Sink("flask", 'total = eval("1 + " + {b})'),
        ),
        (
            Sink("flask", "result = ast.literal_eval({b})", ("import ast",)),
            Sink("django", "value = json.loads({b})", ("import json",)),
        ),
        (
            ((), ["bar = str(float(param))"]),
            ((), ["bar = str(int(param))"]),
        ),
        allowed='("1 + 1", "2 * 3")',
    ),
    Category(
        "pathi",
        22,
        (
            Sink("flask", 'with open("/srv/data/" + {b}) as fh:\n    data = fh.read()'),
            Sink("django", 'os.remove(os.path.join("/tmp/uploads", {b}))', ("import os",)),
            Sink(
                "flask",
                "return send_file(os.path.join(UPLOAD_DIR, {b}))",
                ("import os", "from flask import send_file", 'UPLOAD_DIR = "/srv/uploads"'),
            ),
            Sink("fastapi", 'shutil.rmtree("/srv/cache/" + {b})', ("import shutil",)),
            Sink("flask", 'text = Path("/srv/reports", {b}).read_text()', ("from pathlib import Path",)),
        ),
        (
            Sink(
                "flask",
                "return send_from_directory(UPLOAD_DIR, {b})",
                ("from flask import send_from_directory", 'UPLOAD_DIR = "/srv/uploads"'),
            ),
            Sink(
                "flask",
                'with open(os.path.join("/srv/data", os.path.basename({b}))) as fh:\n    data = fh.read()',
                ("import os",),
            ),
        ),
        (
            (("import os",), ["bar = os.path.basename(param)"]),
            (
                ("import os",),
                [
                    'full = os.path.realpath(os.path.join("/srv/data", param))',
                    'if not full.startswith("/srv/data/"):',
                    "    {reject}",
                    "bar = full",
                ],
            ),
        ),
        allowed='("report.txt", "summary.csv")',
    ),
    Category(
        "xss",
        79,
        (
            Sink("flask", 'return "<p>Hello " + {b} + "</p>"'),
            Sink("flask", 'return Markup("<b>%s</b>" % {b})', ("from markupsafe import Markup",)),
            Sink(
                "flask",
                'return render_template_string("<h1>" + {b} + "</h1>")',
                ("from flask import render_template_string",),
            ),
            Sink("django", 'return HttpResponse("<p>" + {b} + "</p>")'),
            Sink(
                "fastapi",
                'return HTMLResponse("<p>" + {b} + "</p>")',
                ("from fastapi.responses import HTMLResponse",),
            ),
            Sink(
                "flask",
                'return render_template_string("<p>{{{{ v|safe }}}}</p>", v={b})',
                ("from flask import render_template_string",),
            ),
            Sink(
                "django",
                'html = mark_safe("<i>%s</i>" % {b})\nreturn render(request, "page.html", {{"html": html}})',
                ("from django.utils.safestring import mark_safe", "from django.shortcuts import render"),
            ),
        ),
        (
            Sink(
                "flask",
                'return render_template("hello.html", name={b})',
                ("from flask import render_template",),
            ),
            Sink(
                "flask",
                'return render_template_string("<p>{{{{ v }}}}</p>", v={b})',
                ("from flask import render_template_string",),
            ),
        ),
        (
            (("import html",), ["bar = html.escape(param)"]),
            (("from markupsafe import escape",), ["bar = str(escape(param))"]),
        ),
    ),
    Category(
        "redirect",
        601,
        (
            Sink("flask", "return redirect({b})", ("from flask import redirect",)),
            Sink(
                "django",
                "return HttpResponseRedirect({b})",
                ("from django.http import HttpResponseRedirect",),
            ),
            Sink("django", "return redirect({b})", ("from django.shortcuts import redirect",)),
            Sink(
                "fastapi", "return RedirectResponse({b})", ("from fastapi.responses import RedirectResponse",)
            ),
            Sink("flask", 'return redirect("https://" + {b} + "/welcome")', ("from flask import redirect",)),
        ),
        (
            Sink("flask", 'return redirect("/dashboard/" + {b})', ("from flask import redirect",)),
            Sink(
                "flask",
                'return redirect(url_for("profile", name={b}))',
                ("from flask import redirect, url_for",),
            ),
        ),
        (
            (
                ("from urllib.parse import urlparse",),
                ["if urlparse(param).netloc not in ALLOWED_HOSTS:", "    {reject}", "bar = param"],
            ),
            (
                ("from django.utils.http import url_has_allowed_host_and_scheme",),
                [
                    "bar = param",
                    'if not url_has_allowed_host_and_scheme(bar, allowed_hosts={"example.com"}):',
                    '    bar = "/"',
                ],
            ),
        ),
        allowed='("/home", "/account")',
        extra={"ALLOWED_HOSTS": '("example.com", "www.example.com")'},
    ),
    Category(
        "ssrf",
        918,
        (
            Sink("flask", "resp = requests.get({b}, timeout=5)", ("import requests",)),
            Sink("django", "page = urllib.request.urlopen({b}).read()", ("import urllib.request",)),
            Sink("fastapi", 'status = httpx.get("http://" + {b} + "/status", timeout=5)', ("import httpx",)),
            Sink("flask", 'resp = requests.post({b}, json={{"ping": 1}}, timeout=5)', ("import requests",)),
            Sink(
                "django",
                "with httpx.Client(timeout=5) as client:\n    resp = client.get({b})",
                ("import httpx",),
            ),
        ),
        (
            Sink(
                "flask",
                'resp = requests.get("https://api.example.com/users/" + {b}, timeout=5)',
                ("import requests",),
            ),
            Sink(
                "flask",
                'resp = requests.get("https://api.example.com/search", params={{"q": {b}}}, timeout=5)',
                ("import requests",),
            ),
        ),
        (
            (
                ("from urllib.parse import urlparse",),
                ["if urlparse(param).hostname not in ALLOWED_HOSTS:", "    {reject}", "bar = param"],
            ),
            ((), ['if not param.startswith("https://api.example.com/"):', "    {reject}", "bar = param"]),
        ),
        allowed='("https://api.example.com/health", "https://api.example.com/ping")',
        extra={"ALLOWED_HOSTS": '("api.example.com",)'},
    ),
    Category(
        "ldapi",
        90,
        (
            Sink(
                "flask",
                'conn = ldap.initialize("ldap://ldap.example.com")\n'
                'found = conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, "(uid=" + {b} + ")")',
                ("import ldap",),
            ),
            Sink(
                "django",
                'conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)\n'
                'conn.search("dc=example,dc=com", f"(mail={{{b}}})")',
                ("from ldap3 import Connection, Server",),
            ),
            Sink(
                "flask",
                'conn = ldap.initialize("ldap://ldap.example.com")\n'
                'found = conn.search_s("uid=%s,ou=people,dc=example,dc=com" % {b}, ldap.SCOPE_BASE)',
                ("import ldap",),
            ),
            Sink(
                "fastapi",
                'conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)\n'
                'conn.search(search_base="dc=example,dc=com", search_filter="(&(objectClass=person)(cn=%s))" % {b})',
                ("from ldap3 import Connection, Server",),
            ),
        ),
        (
            Sink(
                "flask",
                'conn = ldap.initialize("ldap://ldap.example.com")\n'
                'found = conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, "(objectClass=person)", [{b}])',
                ("import ldap",),
            ),
            Sink(
                "django",
                'conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)\n'
                'conn.search("dc=example,dc=com", "(objectClass=person)", attributes=[{b}])',
                ("from ldap3 import Connection, Server",),
            ),
        ),
        (
            (("from ldap.filter import escape_filter_chars",), ["bar = escape_filter_chars(param)"]),
            (("from ldap3.utils.conv import escape_filter_chars",), ["bar = escape_filter_chars(param)"]),
        ),
    ),
    Category(
        "xpathi",
        643,
        (
            Sink(
                "flask",
                'tree = etree.parse("users.xml")\nnodes = tree.xpath("//user[@name=\'" + {b} + "\']")',
                ("from lxml import etree",),
            ),
            Sink(
                "django",
                "root = etree.fromstring(USERS_XML)\nemails = root.xpath(f\"//user[@id='{{{b}}}']/email/text()\")",
                (
                    "from lxml import etree",
                    "USERS_XML = b\"<users><user id='1'><email>a@example.com</email></user></users>\"",
                ),
            ),
            Sink(
                "flask",
                'root = ET.parse("users.xml").getroot()\nfound = root.findall(".//user[@name=\'" + {b} + "\']")',
                ("import xml.etree.ElementTree as ET",),
            ),
            Sink("fastapi", "finder = etree.XPath(\"//user[name='%s']\" % {b})", ("from lxml import etree",)),
        ),
        (
            Sink(
                "flask",
                'tree = etree.parse("users.xml")\nnodes = tree.xpath("//user[@name=$name]", name={b})',
                ("from lxml import etree",),
            ),
            Sink(
                "django",
                'root = ET.parse("users.xml").getroot()\nfound = root.findall(".//user")\nnames = [u for u in found if u.get("name") == {b}]',
                ("import xml.etree.ElementTree as ET",),
            ),
        ),
        (
            ((), ["if not param.isalnum():", "    {reject}", "bar = param"]),
            ((), ['bar = param if param.isidentifier() else "nobody"']),
        ),
    ),
    Category(
        "xxe",
        611,
        (
            Sink("flask", "doc = etree.fromstring({b})", ("from lxml import etree",)),
            Sink(
                "django",
                "parser = etree.XMLParser(resolve_entities=True)\ndoc = etree.fromstring({b}.encode(), parser)",
                ("from lxml import etree",),
            ),
            Sink(
                "flask",
                "doc = etree.parse(io.BytesIO({b}.encode()))",
                ("import io", "from lxml import etree"),
            ),
            Sink("fastapi", "doc = etree.XML({b})", ("from lxml import etree",)),
        ),
        (
            Sink("flask", "doc = DET.fromstring({b})", ("from defusedxml import ElementTree as DET",)),
            Sink(
                "django",
                "parser = etree.XMLParser(resolve_entities=False, no_network=True)\ndoc = etree.fromstring({b}.encode(), parser=parser)",
                ("from lxml import etree",),
            ),
        ),
        (
            (
                ("from defusedxml.lxml import fromstring as safe_fromstring", "from lxml import etree"),
                ["bar = etree.tostring(safe_fromstring(param))"],
            ),
            ((), ['bar = "<q>" + str(int(param)) + "</q>"']),
        ),
        allowed='("<ping/>", "<status/>")',
    ),
    Category(
        "deser",
        502,
        (
            Sink("flask", "obj = pickle.loads(base64.b64decode({b}))", ("import base64", "import pickle")),
            Sink("django", "data = yaml.load({b}, Loader=yaml.Loader)", ("import yaml",)),
            Sink("fastapi", "obj = marshal.loads(bytes.fromhex({b}))", ("import marshal",)),
            Sink("flask", "obj = jsonpickle.decode({b})", ("import jsonpickle",)),
            Sink("django", "data = yaml.unsafe_load({b})", ("import yaml",)),
        ),
        (
            Sink("flask", "data = yaml.safe_load({b})", ("import yaml",)),
            Sink("django", "data = yaml.load({b}, Loader=yaml.SafeLoader)", ("import yaml",)),
        ),
        (
            (("import json",), ["bar = json.dumps(int(param))"]),
            (
                ("import hmac", "import hashlib"),
                ['sig = hmac.new(b"k", param.encode(), hashlib.sha256).hexdigest()', "bar = sig"],
            ),
        ),
        allowed='("gAJLAS4=", "gAJLAi4=")',
    ),
    Category(
        "trust",
        501,
        (
            Sink("flask", 'session["user_role"] = {b}', ("from flask import session",)),
            Sink("django", 'request.session["cart_note"] = {b}'),
            Sink("flask", 'session.update({{"theme": {b}}})', ("from flask import session",)),
            Sink("django", 'request.session["last_search"] = {b}'),
        ),
        (
            Sink("flask", 'session["visits"] = len({b})', ("from flask import session",)),
            Sink("django", 'request.session["has_search"] = bool({b})'),
        ),
        (
            ((), ['bar = param if param.isalnum() else ""']),
            ((), ["bar = str(int(param))"]),
        ),
        allowed='("light", "dark")',
    ),
    # Flask (Werkzeug) and Django refuse CR/LF in header values: through them a request value
    # is a finding only in a header whose value is a security decision (Set-Cookie, CORS, a
    # download's file name, Refresh); a plain header ("X-Request-Id") is a safe sink.
    Category(
        "headeri",
        113,
        (
            Sink(
                "flask",
                'resp = make_response("ok")\nresp.headers["Access-Control-Allow-Origin"] = {b}\nreturn resp',
                ("from flask import make_response",),
            ),
            Sink(
                "django",
                'response = HttpResponse("ok")\n'
                'response["Content-Disposition"] = \'attachment; filename="%s"\' % {b}\nreturn response',
            ),
            Sink(
                "flask",
                'resp = make_response("ok")\nresp.headers.add("Set-Cookie", {b})\nreturn resp',
                ("from flask import make_response",),
            ),
            Sink(
                "flask",
                'return Response("ok", headers={{"Refresh": "5; url=" + {b}}})',
                ("from flask import Response",),
            ),
        ),
        (
            Sink(
                "flask",
                'resp = make_response("ok")\nresp.headers["X-Custom"] = {b}\nreturn resp',
                ("from flask import make_response",),
            ),
            Sink("django", 'response = HttpResponse("ok")\nresponse["X-Request-Id"] = {b}\nreturn response'),
            Sink(
                "flask",
                'resp = make_response("ok")\nresp.headers.add("X-Name", {b})\nreturn resp',
                ("from flask import make_response",),
            ),
            Sink(
                "flask", 'return Response("ok", headers={{"X-Trace": {b}}})', ("from flask import Response",)
            ),
            Sink(
                "flask",
                'resp = make_response("ok")\nresp.headers["X-Length"] = str(len({b}))\nreturn resp',
                ("from flask import make_response",),
            ),
            Sink(
                "django",
                'response = HttpResponse("ok")\nresponse["X-Has-Query"] = "yes" if {b} else "no"\nreturn response',
            ),
        ),
        (
            (("from urllib.parse import quote",), ["bar = quote(param)"]),
            ((), ['bar = param if param.isalnum() else "invalid"']),
        ),
    ),
]


def _header(fw: str) -> list[str]:
    if fw == "flask":
        return ["from flask import Flask, abort, request"]
    if fw == "django":
        return ["from django.http import HttpResponse, HttpResponseBadRequest"]
    return ["from fastapi import FastAPI, HTTPException, Request"]


def _signature(fw: str, slug: str, source: str) -> list[str]:
    if fw == "flask":
        return [
            "app = Flask(__name__)",
            "",
            "",
            f'@app.route("/{slug}", methods=["GET", "POST"])',
            "def handle():",
        ]
    if fw == "django":
        return ["def handle(request):"]
    arg = 'q: str = ""' if source == "q" else "request: Request"
    return ["app = FastAPI()", "", "", f'@app.get("/{slug}")', f"def handle({arg}):"]


def render(
    cat: Category,
    index: int,
    label: str,
    flow: tuple[str, list[str], list[str]],
    sink: Sink,
    sanitizer_imports: tuple[str, ...] = (),
) -> str:
    fw = sink.fw
    sources = SOURCES[fw]
    source = sources[index % len(sources)]
    name, lines, flow_imports = flow
    body = [line.replace("{reject}", REJECT[fw]) for line in lines]
    imports = [*_header(fw), *flow_imports, *sanitizer_imports]
    consts = []
    for item in sink.imports:
        (consts if "=" in item and not item.startswith(("from", "import")) else imports).append(item)
    consts.append(f"ALLOWED = {cat.allowed}")
    consts.extend(f"{k} = {v}" for k, v in cat.extra.items())
    sink_lines = sink.code.format(b="bar").split("\n")
    out = [f"# label: {label} cwe={cat.cwe}", f"# flow: {name}; sink framework: {fw}"]
    out += [*sorted(set(imports), key=lambda s: (not s.startswith("import"), s)), ""]
    out += [*consts, SUPPORT.rstrip(), "", ""]
    out += _signature(fw, f"{cat.key}/{index}", source)
    out.append(f"    param = {source}")
    out += ["    " + line for line in body]
    out += ["    " + line for line in sink_lines]
    if not any(line.lstrip().startswith("return") for line in sink_lines):
        out.append("    " + DEFAULT_RETURN[fw])
    return "\n".join(out) + "\n"


def generate() -> int:
    count = 0
    for cat in CATEGORIES:
        cases: list[str] = []
        for i, flow in enumerate(VULN_FLOWS):
            cases.append(render(cat, i, "vulnerable", flow, cat.sinks[i % len(cat.sinks)]))
        for i, flow in enumerate(SAFE_FLOWS):
            cases.append(render(cat, i + 1, "safe", flow, cat.sinks[(i + 2) % len(cat.sinks)]))
        for i, (imports, lines) in enumerate(cat.sanitizers):
            flow = ("sanitizer / validator", lines, [])
            cases.append(render(cat, i, "safe", flow, cat.sinks[i % len(cat.sinks)], imports))
        for i, sink in enumerate(cat.safe_sinks):
            cases.append(render(cat, i + 3, "safe", ("safe API", ["bar = param"], []), sink))
        for n, text in enumerate(cases, start=1):
            (OUT / f"{cat.key}_{n:02d}.py").write_text(text)
            count += 1
    return count


if __name__ == "__main__":
    print(f"wrote {generate()} cases to {OUT}")
