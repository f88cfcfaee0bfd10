"""API misuse rules on the same name resolution: weak hash/random, cookies, debug, TLS, binding.

No taint needed; they use the module's import aliases and constants, so
``import hashlib as h; h.md5(...)`` and ``HOST = "0.0.0.0"; app.run(host=HOST)`` resolve.
"""

from __future__ import annotations

import ast
import re

from stackaudit.analyzers.taint import rules as r
from stackaudit.analyzers.taint.modules import ModuleInfo
from stackaudit.analyzers.taint.proofs import Sites
from stackaudit.analyzers.taint.weak_hash import Use, digest_use, names_in
from stackaudit.analyzers.taint.weak_random import RANDOM_FUNCS, SECRET_WORDS, qualname, weak_random_sites
from stackaudit.model import Confidence, Finding, Location, RuleMeta, Severity

# Files without any of these cannot trigger an API rule: skip their (costly) full walk.
API_HINT = re.compile(
    r"md5|sha1|hashlib\.new|import random|from random|set_cookie|debug\s*=|DEBUG|verify\s*=\s*False|"
    r"CERT_NONE|_create_unverified_context|check_hostname|0\.0\.0\.0|[\"']::[\"']|verify_signature|algorithms"
)
_WEAK_HASHES = frozenset({"md5", "sha1", "md4", "md2"})
_JWT_LIBRARIES = frozenset({"jwt", "jose", "authlib"})
_WEB_FRAMEWORKS = frozenset(
    {"flask", "quart", "werkzeug", "fastapi", "starlette", "sanic", "bottle", "django"}
)
_ALL_INTERFACES = frozenset({"0.0.0.0", "::", "0:0:0:0:0:0:0:0"})
_HOST_KEYWORDS = frozenset({"host", "bind", "address", "listen", "hostname", "bind_address"})
_HOST_NAMES = re.compile(r"^(HOST|BIND|BIND_ADDRESS|LISTEN_ADDRESS|SERVER_HOST|HTTP_HOST)$", re.IGNORECASE)


# A cookie that remembers a choice (language, theme, sort order) holds no credential: reading it
# through XSS or on plain HTTP gives nothing away (pretalx's language cookie, changedetection's
# sort order). A name that also says session, token or auth is not one of them.
_PREFERENCE_COOKIE = re.compile(
    r"lang|locale|theme|sort|order|timezone|\btz\b|dark|mode|layout|consent|dismiss|banner|currency|per_?page",
    re.IGNORECASE,
)
_CREDENTIAL_COOKIE = re.compile(
    r"sess|token|auth|sid|jwt|csrf|xsrf|remember|login|user|key|secret|pass", re.I
)


def _preference_cookie(name: str) -> bool:
    return bool(_PREFERENCE_COOKIE.search(name)) and not _CREDENTIAL_COOKIE.search(name)


class _Visitor(ast.NodeVisitor):
    def __init__(self, mod: ModuleInfo, sites: Sites | None = None) -> None:
        self.mod = mod
        self.sites = sites
        self.findings: list[Finding] = []
        self.scope: list[str] = []
        self.target_names: list[str] = []
        self.settings = bool(re.search(r"(^|/)(settings|config)[^/]*\.py$", mod.path))
        self.web_app = bool(mod.imported_roots & _WEB_FRAMEWORKS)

    # ---- helpers ------------------------------------------------------------------------
    def qualname(self, node: ast.expr) -> str | None:
        return qualname(self.mod, node)

    def const(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.mod.consts:
            return self.mod.consts[node.id]
        return None

    def loc(self, node: ast.AST) -> Location:
        return Location(
            self.mod.path,
            getattr(node, "lineno", 0),
            getattr(node, "col_offset", 0) + 1,
            getattr(node, "end_lineno", 0) or 0,
            (getattr(node, "end_col_offset", 0) or 0) + 1,
            ".".join(self.scope) or None,
        )

    def add(
        self,
        rule: RuleMeta,
        node: ast.AST,
        message: str,
        severity: Severity | None = None,
        confidence: Confidence | None = None,
    ) -> None:
        finding = rule.finding(
            self.loc(node), message, self.mod.snippet(node), severity=severity, confidence=confidence
        )
        self.findings.append(finding)

    def prove(self, node: ast.AST, cwe: int, reason: str) -> None:
        """A site proven safe: the merge drops a pattern finding (ruff's S324) on its lines."""
        if self.sites is not None:
            loc = self.loc(node)
            self.sites.prove((cwe, self.mod.path, loc.line, loc.column), loc, reason)

    # ---- scopes -------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        names = [_target_name(t) for t in node.targets]
        self._assigned(node, [n for n in names if n], node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        name = _target_name(node.target)
        if node.value is not None:
            self._assigned(node, [name] if name else [], node.value)

    def _assigned(self, node: ast.Assign | ast.AnnAssign, names: list[str], value: ast.expr) -> None:
        literal = self.const(value) if isinstance(value, ast.Constant) else None
        for name in names:
            leaf = name.rsplit(".", 1)[-1]
            settings_flag = leaf == "DEBUG" and (self.settings or not self.scope)
            if literal is True and (settings_flag or (name.endswith(".debug") and self.web_app)):
                self.add(r.DEBUG_ENABLED, node, f"{name} = True turns debug mode on")
            if literal is False and leaf == "check_hostname":
                self.add(r.TLS_VERIFY, node, "check_hostname = False disables host name verification")
            if isinstance(literal, str) and literal in _ALL_INTERFACES and _HOST_NAMES.match(leaf):
                self.add(r.BIND_ALL, node, f"{leaf} = {literal!r} listens on every interface")
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Subscript)
        ):
            self._config_store(node.targets[0], literal, node)
        self.target_names = names
        self.visit(value)
        self.target_names = []

    def _config_store(self, target: ast.Subscript, literal: object, node: ast.AST) -> None:
        key = self.const(target.slice)
        if (
            key == "DEBUG"
            and literal is True
            and isinstance(target.value, ast.Attribute)
            and target.value.attr == "config"
        ):
            self.add(r.DEBUG_ENABLED, node, 'config["DEBUG"] = True turns debug mode on')

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "CERT_NONE" and self.qualname(node) == "ssl.CERT_NONE":
            self.add(r.TLS_VERIFY, node, "ssl.CERT_NONE accepts any certificate")
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.target_names = [self.scope[-1]] if self.scope else []
            self.visit(node.value)
            self.target_names = []

    # ---- calls --------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        qn = self.qualname(node.func) or ""
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        self._weak_hash(node, qn, kwargs)
        self._weak_random(node, qn, kwargs)
        if method == "set_cookie":
            self._cookie(node, kwargs)
        if method == "run" and self.web_app and "debug" in kwargs and self.const(kwargs["debug"]) is True:
            self.add(r.DEBUG_ENABLED, node, "run(debug=True) enables the interactive debugger")
        if not self._jwt(node, qn, kwargs):
            self._tls(node, qn, kwargs)
        self._bind(node, method, qn, kwargs)
        saved = self.target_names
        for kw in node.keywords:
            self.target_names = [kw.arg] if kw.arg else saved
            self.visit(kw.value)
        self.target_names = saved
        self.visit(node.func)
        for arg in node.args:
            self.visit(arg)

    def _weak_hash(self, node: ast.Call, qn: str, kwargs: dict[str, ast.expr]) -> None:
        algo = ""
        if qn.startswith("hashlib.") and qn[8:] in _WEAK_HASHES:
            algo = qn[8:]
        elif qn == "hashlib.new" and node.args and str(self.const(node.args[0])).lower() in _WEAK_HASHES:
            algo = str(self.const(node.args[0])).lower()
        if not algo:
            return
        if "usedforsecurity" in kwargs and self.const(kwargs["usedforsecurity"]) is False:
            self.prove(node, 328, "usedforsecurity=False: the digest is not a security value")
            return
        scopes = self.scope[::-1]
        use = digest_use(self.target_names[::-1], scopes, names_in([*node.args, *kwargs.values()]))
        if use is Use.NOT_SECURITY:
            self.prove(node, 328, f"{algo} builds an ETag, cache key, checksum or id, not a security value")
        elif use is Use.SECURITY:
            self.add(r.WEAK_HASH, node, f"{algo} is broken for security use; here it protects a credential")
        else:
            self.add(
                r.WEAK_HASH,
                node,
                f"{algo} is broken for security use; mark a non-security digest usedforsecurity=False",
                severity=Severity.LOW,
                confidence=Confidence.LOW,
            )

    def _weak_random(self, node: ast.Call, qn: str, kwargs: dict[str, ast.expr]) -> None:
        if not (qn.startswith("random.") and qn[7:] in RANDOM_FUNCS):
            return
        context = [*self.target_names, *(self.scope[-1:])]
        if any(SECRET_WORDS.search(name) for name in context):
            self.add(r.WEAK_RANDOM, node, f"{qn}() is predictable; it feeds {context[0]}")

    def _cookie(self, node: ast.Call, kwargs: dict[str, ast.expr]) -> None:
        if any(kw.arg is None for kw in node.keywords):
            return  # **kwargs: the flags are decided elsewhere
        missing = [
            flag for flag in ("secure", "httponly") if flag not in kwargs or self.const(kwargs[flag]) is False
        ]
        if missing:
            cwe = tuple(c for flag, c in (("secure", 614), ("httponly", 1004)) if flag in missing)
            name = node.args[0] if node.args else kwargs.get("key")
            preference = name is not None and _preference_cookie(ast.unparse(name))
            loc = Location(
                self.mod.path,
                node.lineno,
                node.col_offset + 1,
                node.end_lineno or 0,
                (node.end_col_offset or 0) + 1,
                ".".join(self.scope) or None,
            )
            note = " (a preference cookie: it holds no credential)" if preference else ""
            self.findings.append(
                r.INSECURE_COOKIE.finding(
                    loc,
                    f"set_cookie without {' and '.join(missing)}{note}",
                    self.mod.snippet(node),
                    cwe=cwe,
                    severity=Severity.LOW if preference else None,
                    confidence=Confidence.LOW if preference else None,
                )
            )

    def _jwt(self, node: ast.Call, qn: str, kwargs: dict[str, ast.expr]) -> bool:
        """JWT decoding without signature verification (CWE-347); True for any JWT decode call."""
        root = qn.split(".", 1)[0]
        if not (qn.endswith(".decode") and root in _JWT_LIBRARIES):
            return False
        reason = ""
        if "verify" in kwargs and self.const(kwargs["verify"]) is False:
            reason = "verify=False"
        options = kwargs.get("options")
        if isinstance(options, ast.Dict):
            for key, value in zip(options.keys, options.values, strict=True):
                if key is not None and self.const(key) == "verify_signature" and self.const(value) is False:
                    reason = 'options={"verify_signature": False}'
        algorithms = kwargs.get("algorithms")
        if algorithms is not None and "none" in self._strings(algorithms):
            reason = 'the "none" algorithm accepted'
        if reason:
            self.add(r.JWT_VERIFY, node, f"{qn}() with {reason}: the token's signature is not checked")
        return True

    def _strings(self, node: ast.expr) -> set[str]:
        elts = node.elts if isinstance(node, ast.List | ast.Tuple | ast.Set) else []
        values: list[object] = [self.const(e) for e in elts]
        folded = self.const(node)
        if isinstance(folded, tuple | frozenset):
            values.extend(folded)
        return {v.lower() for v in values if isinstance(v, str)}

    def _tls(self, node: ast.Call, qn: str, kwargs: dict[str, ast.expr]) -> None:
        if "verify" in kwargs and self.const(kwargs["verify"]) is False:
            self.add(r.TLS_VERIFY, node, "verify=False disables certificate verification")
        if qn in ("ssl._create_unverified_context", "ssl._create_stdlib_context"):
            self.add(r.TLS_VERIFY, node, f"{qn}() does not verify certificates")

    def _bind(self, node: ast.Call, method: str, qn: str, kwargs: dict[str, ast.expr]) -> None:
        for key, value in kwargs.items():
            if key in _HOST_KEYWORDS and self.const(value) in _ALL_INTERFACES:
                self.add(r.BIND_ALL, node, f"{key}={self.const(value)!r} listens on every interface")
                return
        first = node.args[0] if node.args else None
        if first is None:
            return
        if method == "bind" and isinstance(first, ast.Tuple) and first.elts:
            first = first.elts[0]
        elif method != "run" and qn not in ("uvicorn.run", "waitress.serve"):
            return
        if self.const(first) in _ALL_INTERFACES:
            self.add(r.BIND_ALL, node, f"{self.const(first)!r} listens on every interface")


def _target_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _target_name(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return None


def check_module(mod: ModuleInfo, sites: Sites | None = None) -> list[Finding]:
    """The module's API findings; sites it proves safe (a non-security digest) go to ``sites``."""
    if not mod.mentions(API_HINT):
        return []
    visitor = _Visitor(mod, sites)
    visitor.visit(mod.tree)
    if "random" in mod.imported_roots:
        seen = {
            (f.location.line, f.location.column) for f in visitor.findings if f.rule_id == r.WEAK_RANDOM.id
        }
        for site in weak_random_sites(mod):
            if (site.origin.lineno, site.origin.col_offset + 1) not in seen:
                name = qualname(mod, site.origin.func) or "random"
                visitor.add(r.WEAK_RANDOM, site.origin, f"{name}() is predictable; it reaches {site.target}")
    return visitor.findings
