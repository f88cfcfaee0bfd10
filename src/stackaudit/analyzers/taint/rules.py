"""Rule metadata of the taint analyzer, one ``RuleMeta`` per sink class and API rule."""

from __future__ import annotations

from stackaudit.analyzers.taint import tables as t
from stackaudit.model import Category, Confidence, RuleMeta, Severity

_SEC = Category.SECURITY


def _taint_rule(
    rule_id: str,
    title: str,
    cwe: tuple[int, ...],
    severity: Severity,
    impact: float,
    what: str,
    example: str,
    fix: str,
    effort: float = 0.5,
) -> RuleMeta:
    doc = f"""{title}.

    What it finds: {what} The taint engine follows the value from its source
    (request data, command line, environment, files) through assignments,
    string building, containers, and calls across the repository's modules.

    Why it matters: an attacker who controls the source controls the sink.

    Example:
        {example}

    Fix: {fix}
    """
    return RuleMeta(
        id=rule_id,
        title=title,
        category=_SEC,
        severity=severity,
        doc=doc,
        cwe=cwe,
        impact=impact,
        likelihood=6.0,
        effort=effort,
        confidence=Confidence.HIGH,
        fix=fix,
        tags=("taint",),
    )


SQL_INJECTION = _taint_rule(
    "sec.sql-injection",
    "SQL injection",
    (89,),
    Severity.CRITICAL,
    9,
    "user input built into a SQL string passed to execute/executemany/text()/raw()/extra().",
    'cursor.execute("SELECT * FROM users WHERE name = \'%s\'" % request.args["name"])',
    'Pass values as query parameters: cursor.execute("... WHERE name = %s", (name,)).',
)
COMMAND_INJECTION = _taint_rule(
    "sec.command-injection",
    "OS command injection",
    (78,),
    Severity.CRITICAL,
    10,
    "user input reaching os.system/os.popen, subprocess with shell=True, or choosing the program run.",
    'os.system("ping -c 1 " + request.args["host"])',
    'Run an argument list without a shell (subprocess.run(["ping", "-c", "1", host])), '
    "or quote with shlex.quote; validate against an allow-list.",
)
CODE_INJECTION = _taint_rule(
    "sec.code-injection",
    "Code injection",
    (94, 95),
    Severity.CRITICAL,
    10,
    "user input reaching eval, exec or compile.",
    'eval(request.form["expr"])',
    "Never evaluate input; parse it (ast.literal_eval, json.loads) or map it through a table.",
)
PATH_TRAVERSAL = _taint_rule(
    "sec.path-traversal",
    "Path traversal",
    (22,),
    Severity.HIGH,
    8,
    "user input used as a file path (open, send_file, os.*/shutil.*/pathlib operations).",
    'open(os.path.join(UPLOADS, request.args["name"]))',
    "Use os.path.basename/secure_filename or send_from_directory, or resolve the path and check "
    "it stays under the base directory.",
)
XSS = _taint_rule(
    "sec.xss",
    "Cross-site scripting",
    (79,),
    Severity.HIGH,
    7,
    "user input placed unescaped into an HTML response (returned strings, Markup, mark_safe, "
    "render_template_string, make_response/HttpResponse, the |safe filter).",
    "return f\"<h1>Hello {request.args['name']}</h1>\"",
    "Render through an autoescaping template, or escape with html.escape/markupsafe.escape.",
)
OPEN_REDIRECT = _taint_rule(
    "sec.open-redirect",
    "Open redirect",
    (601,),
    Severity.MEDIUM,
    5,
    "user input used as the target of a redirect.",
    'return redirect(request.args["next"])',
    "Redirect only to relative paths or allow-listed hosts (url_has_allowed_host_and_scheme).",
)
SSRF = _taint_rule(
    "sec.ssrf",
    "Server-side request forgery",
    (918,),
    Severity.HIGH,
    8,
    "user input choosing the host of an outbound HTTP request (a fixed scheme://host/ prefix is safe).",
    'requests.get(request.args["url"])',
    "Build URLs from a fixed base and check the host against an allow-list.",
)
LDAP_INJECTION = _taint_rule(
    "sec.ldap-injection",
    "LDAP injection",
    (90,),
    Severity.HIGH,
    7,
    "user input built into an LDAP search filter or base DN.",
    'conn.search_s(BASE, ldap.SCOPE_SUBTREE, "(uid=%s)" % request.args["user"])',
    "Escape with ldap.filter.escape_filter_chars (ldap3.utils.conv.escape_filter_chars).",
)
XPATH_INJECTION = _taint_rule(
    "sec.xpath-injection",
    "XPath injection",
    (643,),
    Severity.HIGH,
    6,
    "user input built into an XPath expression.",
    'tree.xpath("//user[@name=\'%s\']" % request.args["name"])',
    'Use XPath variables: tree.xpath("//user[@name=$name]", name=name).',
)
XXE = _taint_rule(
    "sec.xxe",
    "XML external entity expansion",
    (611,),
    Severity.HIGH,
    7,
    "user-supplied XML parsed by a parser that resolves entities (lxml's default parser).",
    "etree.fromstring(request.data)",
    "Parse with defusedxml, or lxml with XMLParser(resolve_entities=False, no_network=True).",
)
DESERIALIZATION = _taint_rule(
    "sec.unsafe-deserialization",
    "Unsafe deserialisation",
    (502,),
    Severity.CRITICAL,
    10,
    "user input given to pickle, marshal, dill, jsonpickle or yaml.load with an unsafe loader.",
    'pickle.loads(base64.b64decode(request.cookies["state"]))',
    "Use a data-only format (json) or yaml.safe_load; sign data you must round-trip.",
)
TRUST_BOUNDARY = _taint_rule(
    "sec.trust-boundary",
    "Trust boundary violation",
    (501,),
    # Low: on the review set's build half every one was a framework's own session bookkeeping
    # (a login's "next" URL, a CSRF token, ids the user just authenticated to), 0 of 5 true; a
    # session value is a problem only where later code trusts it, which this rule cannot see.
    Severity.LOW,
    2,
    "unvalidated user input stored in the server-side session, where later code trusts it.",
    'session["role"] = request.form["role"]',
    "Validate (allow-list, type conversion) before storing request data in the session.",
)
HEADER_INJECTION = _taint_rule(
    "sec.header-injection",
    "HTTP header injection",
    (113,),
    Severity.MEDIUM,
    5,
    "user input written into a response header.",
    'resp.headers["X-User"] = request.args["user"]',
    "Validate or encode header values (urllib.parse.quote); reject CR/LF.",
)

TAINT_RULES: dict[int, RuleMeta] = {
    t.SQL: SQL_INJECTION,
    t.CMD: COMMAND_INJECTION,
    t.CODE: CODE_INJECTION,
    t.PATH: PATH_TRAVERSAL,
    t.XSS: XSS,
    t.REDIRECT: OPEN_REDIRECT,
    t.SSRF: SSRF,
    t.LDAP: LDAP_INJECTION,
    t.XPATH: XPATH_INJECTION,
    t.XXE: XXE,
    t.DESER: DESERIALIZATION,
    t.TRUST: TRUST_BOUNDARY,
    t.HEADER: HEADER_INJECTION,
}


def _api_rule(
    rule_id: str,
    title: str,
    cwe: tuple[int, ...],
    severity: Severity,
    impact: float,
    likelihood: float,
    body: str,
    fix: str,
    effort: float = 0.25,
) -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        title=title,
        category=_SEC,
        severity=severity,
        doc=f"{title}.\n\n{body}",
        cwe=cwe,
        impact=impact,
        likelihood=likelihood,
        effort=effort,
        fix=fix,
        tags=("api",),
    )


WEAK_HASH = _api_rule(
    "sec.weak-hash",
    "Weak hash used for security",
    (328,),
    Severity.MEDIUM,
    5,
    5,
    """What it finds: hashlib.md5/sha1 (or hashlib.new("md5"/"sha1")) without
    usedforsecurity=False.

    Why it matters: MD5 and SHA-1 collide cheaply; signatures, integrity checks
    and password hashes built on them can be forged.

    Example: hashlib.md5(password.encode()).hexdigest()

    Fix: use hashlib.sha256 (or argon2/bcrypt for passwords); if the hash is not
    for security (a cache key), say so with usedforsecurity=False.""",
    "Use sha256 (or a password hash); mark non-security uses with usedforsecurity=False.",
)
WEAK_RANDOM = _api_rule(
    "sec.weak-random",
    "Predictable random used for a secret",
    (330,),
    Severity.HIGH,
    7,
    5,
    """What it finds: random.* results used for tokens, passwords, keys, salts,
    nonces, OTPs or session ids (judged from the variable, argument or function
    name they feed).

    Why it matters: the random module is a Mersenne Twister; its output can be
    predicted from a few samples.

    Example: token = "".join(random.choice(ALPHABET) for _ in range(32))

    Fix: use the secrets module (secrets.token_urlsafe, secrets.choice).""",
    "Use the secrets module.",
)
INSECURE_COOKIE = _api_rule(
    "sec.insecure-cookie",
    "Cookie without Secure or HttpOnly",
    (614, 1004),
    Severity.MEDIUM,
    5,
    5,
    """What it finds: set_cookie(...) calls without secure=True or without
    httponly=True.

    Why it matters: without Secure the cookie travels over plain HTTP; without
    HttpOnly any XSS can read it.

    Example: resp.set_cookie("session_id", sid)

    Fix: resp.set_cookie("session_id", sid, secure=True, httponly=True, samesite="Lax").""",
    "Pass secure=True, httponly=True and samesite.",
)
DEBUG_ENABLED = _api_rule(
    "sec.debug-enabled",
    "Debug mode enabled",
    (489,),
    Severity.HIGH,
    8,
    4,
    """What it finds: app.run(debug=True), app.debug = True, DEBUG = True in a
    settings module, app.config["DEBUG"] = True.

    Why it matters: Werkzeug's debugger executes code sent by anyone who reaches
    it; Django's debug pages leak settings and source.

    Example: app.run(debug=True)

    Fix: read the flag from the environment and default it to False.""",
    "Default debug to False and enable it only from the environment in development.",
)
TLS_VERIFY = _api_rule(
    "sec.tls-verify-disabled",
    "TLS certificate verification disabled",
    (295,),
    Severity.HIGH,
    7,
    5,
    """What it finds: verify=False on HTTP clients, ssl._create_unverified_context(),
    ssl.CERT_NONE, check_hostname = False.

    Why it matters: anyone on the path can impersonate the server and read or
    change the traffic.

    Example: requests.get(url, verify=False)

    Fix: keep verification on; point verify= at a CA bundle for private CAs.""",
    "Keep verification on; pass a CA bundle path for private CAs.",
)
JWT_VERIFY = _api_rule(
    "sec.jwt-verify-disabled",
    "JWT signature verification disabled",
    (347,),
    Severity.HIGH,
    8,
    5,
    """What it finds: jwt.decode(...) (PyJWT, python-jose) with verify=False,
    options={"verify_signature": False}, or "none" among the accepted algorithms.

    Why it matters: the claims of an unverified token are whatever the client
    wrote: anyone can sign in as anyone.

    Example: jwt.decode(token, options={"verify_signature": False})

    Fix: verify with the key and a fixed list of algorithms:
    jwt.decode(token, key, algorithms=["HS256"]). Read a header before verifying
    with jwt.get_unverified_header only to choose the key.""",
    "Verify the signature with the key and a fixed algorithm list; never accept 'none'.",
)
BIND_ALL = _api_rule(
    "sec.bind-all-interfaces",
    "Service bound to all interfaces",
    (1327,),
    Severity.LOW,
    4,
    4,
    """What it finds: "0.0.0.0" (or "::") used as a host to listen on: run(host=...),
    socket.bind, uvicorn.run, HOST settings.

    Why it matters: a development server or admin port becomes reachable from
    every network the machine is on.

    Example: app.run(host="0.0.0.0")

    Fix: bind to 127.0.0.1 and put a reverse proxy in front, or make the host configurable.""",
    "Bind to 127.0.0.1 by default; make the address configurable.",
)

API_RULES: tuple[RuleMeta, ...] = (
    WEAK_HASH,
    WEAK_RANDOM,
    INSECURE_COOKIE,
    DEBUG_ENABLED,
    TLS_VERIFY,
    JWT_VERIFY,
    BIND_ALL,
)
ALL_RULES: tuple[RuleMeta, ...] = (*TAINT_RULES.values(), *API_RULES)
