"""The detectors: one literal prefilter and one compiled pattern each, plus a validator.

A detector runs on a file only when one of its ``keywords`` occurs in the
lower-cased text (a C-speed substring search), so most files cost a handful of
``in`` checks. Each pattern names the secret value ``secret``; its validator
returns a ``Verdict`` (kept) or ``None`` (rejected).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from stackaudit.analyzers.secrets import rules
from stackaudit.analyzers.secrets.checks import shannon_entropy, valid_crc32_token, valid_jwt
from stackaudit.analyzers.secrets.placeholders import PlaceholderPolicy, looks_like_identifier
from stackaudit.model import Confidence, RuleMeta, Severity

AWS_SECRET_NEARBY = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_CONN_CONTEXT = re.compile(r"(?i)\b(?:server|data source|host|user id|uid|username|user)\s*=")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a match is kept: how it was verified, and any override of the rule defaults."""

    verified: str  # "checksum" | "format" | "decoded" | "paired" | "entropy" | "context"
    severity: Severity | None = None
    confidence: Confidence | None = None
    companion: tuple[int, int] | None = None  # span of a second secret that proves this one


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What validators may look at besides the match."""

    text: str
    language: str
    policy: PlaceholderPolicy
    min_entropy: float


Validator = Callable[[re.Match[str], ScanContext], Verdict | None]


@dataclass(frozen=True, slots=True)
class Detector:
    rule: RuleMeta
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    validate: Validator
    prefix_len: int = 4  # characters of the value shown in redacted output
    boundary: bool = False  # the match must not follow a word character (checked in code, so the
    #                         pattern keeps its literal prefix and the regex engine's fast scan)
    veto: bool = True  # a rejected match (bad checksum, placeholder) also silences the generic detector
    line_scoped: bool = False  # a keyword is always on the matched line: match only the lines holding one


def _placeholder_check(verified: str, m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    return None if ctx.policy.is_placeholder(m.group("secret")) else Verdict(verified)


def _not_placeholder(verified: str) -> Validator:
    return partial(_placeholder_check, verified)  # a partial, not a closure: the scanner stays picklable


def _checksum(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    return Verdict("checksum") if valid_crc32_token(m.group("secret")) else None


def _aws_key(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    key = m.group("secret")
    if "EXAMPLE" in key or ctx.policy.is_placeholder(key):
        return None
    lo = ctx.text.rfind("\n", 0, max(0, m.start() - 600)) + 1
    window = ctx.text[lo : m.end() + 600]
    for cand in AWS_SECRET_NEARBY.finditer(window):
        value = cand.group()
        if shannon_entropy(value) > 4.0 and not ctx.policy.is_placeholder(value):
            span = (lo + cand.start(), lo + cand.end())
            return Verdict("paired", Severity.CRITICAL, Confidence.HIGH, span)
    return Verdict("format", Severity.HIGH, Confidence.MEDIUM)


def _aws_secret(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    value = m.group("secret")
    if ctx.policy.is_placeholder(value) or shannon_entropy(value) < 4.0:
        return None
    return Verdict("entropy")


def _gcp_sa(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    if '"client_email"' not in ctx.text or ".iam.gserviceaccount.com" not in ctx.text:
        return None
    return _private_key(m, ctx)


def _jwt(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    token = m.group("secret")
    if not valid_jwt(token):
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    text = json.dumps(claims).lower()
    if claims.get("sub") == "1234567890" or ctx.policy.is_placeholder(text):
        return None  # the jwt.io sample token, or claims that say "example"/"test"
    return Verdict("decoded")


def _private_key(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    """A key body of real base64: long, high entropy, no ``...`` (placeholder words are
    not checked: a long random body contains "test" or "fake" by chance)."""
    body = re.sub(r"\\n|\s|Proc-Type:[^\n\\]*|DEK-Info:[^\n\\]*", "", m.group("secret"))
    if len(body) < 64 or ".." in body or "EXAMPLE" in body or shannon_entropy(body) < 4.5:
        return None
    return Verdict("format")


# Account names that placeholder lists hold as *passwords* but that are ordinary *user names*.
_REAL_ACCOUNTS = frozenset({"admin", "root", "postgres", "default", "sa", "mysql", "redis", "guest"})


def _placeholder_user(user: str, ctx: ScanContext) -> bool:
    return bool(user) and user.lower() not in _REAL_ACCOUNTS and ctx.policy.is_placeholder(user)


_URL_PART_NAMES = frozenset({"port", "host", "hostname", "domain", "server", "path"})
_WORD_PORT = re.compile(r":[A-Za-z_<{$]")


def _password_url(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    """user:password in a URL or a ``curl -u`` argument; placeholders and user==password are not."""
    value, user = m.group("secret"), m.group("user")
    if value == user or ctx.policy.is_placeholder(value) or _placeholder_user(user, ctx):
        return None
    if len(value) < 4:
        return None  # u:p@h, app:pw@db: documentation shorthand, not a credential
    if value.lower() in _URL_PART_NAMES:
        return None  # http://host:port@evil.com/: a URL's parts named, in prose about URLs
    if any(ch.isalpha() and not ch.isascii() for ch in value):
        return None  # https://istifadəçi:şifrə@host: a translated placeholder ("user:password")
    if _WORD_PORT.match(ctx.text, m.end()):
        return None  # https://uzivatel:heslo@hostitel:port: a template, its port is a word
    if value.startswith(("$", "%", "{", "*")) or "example.com" in m.group(0):
        return None
    if ctx.text[max(0, m.start() - 8) : m.start()].endswith(("otpauth", "motp")):
        return None  # otpauth://totp/Issuer:account@host: a label and an account, no password
    if "://" not in m.group(0) and shannon_entropy(value) < 3.0:
        return None  # curl -u: only literal, password-looking values
    return _url_verdict(m, ctx)


_LOCAL_HOST = re.compile(
    r"(?i)(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|host\.docker\.internal|[\w-]+\.local|[\w-]+\.test"
    r"|db|database|postgres(?:ql)?|mysql|mariadb|redis|mongo(?:db)?|rabbitmq|amqp)(?::\d+)?$"
)
_COMMENT = re.compile(r"\s*(?:#|//|--|;|\*|/\*|<!--|(?i:rem)\s)")


def line_is_comment(text: str, pos: int) -> bool:
    """The line holding ``pos`` starts with a comment marker (``#``, ``//``, ``--``, ``;``, ``*``)."""
    return bool(_COMMENT.match(text, text.rfind("\n", 0, pos) + 1))


def _url_verdict(m: re.Match[str], ctx: ScanContext) -> Verdict:
    """Local development URLs are medium; commented out as well, low (a sample, not a live secret)."""
    host = m.groupdict().get("host") or ""
    local = bool(host) and bool(_LOCAL_HOST.match(host))
    commented = line_is_comment(ctx.text, m.start())
    if local and commented:
        return Verdict("context", Severity.LOW, Confidence.LOW)
    if local or commented:
        return Verdict("context", Severity.MEDIUM, Confidence.MEDIUM)
    return Verdict("context")


def _conn_string(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    start = ctx.text.rfind("\n", 0, m.start()) + 1
    end = ctx.text.find("\n", m.end())
    line = ctx.text[start : end if end >= 0 else len(ctx.text)]
    value = m.group("secret")
    if not _CONN_CONTEXT.search(line) or any(c in value for c in "(),[]") or looks_like_identifier(value):
        return None  # keyword arguments in code (password=None), not a connection string
    return _password_value(value, ctx)


def _password_value(value: str, ctx: ScanContext) -> Verdict | None:
    if ctx.policy.is_placeholder(value) or value.startswith(("$", "%", "{", "*")) or len(value) < 6:
        return None
    return Verdict("context")


_CLI_LOGIN = re.compile(r"(?i)\blogin\b|\s-u\s?\S|--user(?:name)?[=\s]|\bmysql(?:dump|admin)?\b")


def _cli_password(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    """``docker login -u ci -p …``, ``mysql -u app -p…``: a password flag on a login command line."""
    start = ctx.text.rfind("\n", 0, m.start()) + 1
    end = ctx.text.find("\n", m.end())
    line = ctx.text[start : end if end >= 0 else len(ctx.text)]
    value = m.group("secret")
    if not _CLI_LOGIN.search(line) or re.fullmatch(r"[\d:./-]+", value) or shannon_entropy(value) < 2.5:
        return None
    if value.isalpha() and value.islower():
        return None  # "--password option": prose, not a password
    return _password_value(value, ctx)


def _twilio_token(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    return None if shannon_entropy(m.group("secret")) < 3.0 else Verdict("context")


def _c(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def provider_detectors() -> tuple[Detector, ...]:
    """Every provider-format detector, most specific first (that order resolves overlaps)."""
    return (
        Detector(
            rules.GITHUB,
            (),
            _c(r"(?P<secret>gh[pousr]_[A-Za-z0-9]{36})(?![A-Za-z0-9_])"),
            _checksum,
            boundary=True,
        ),
        Detector(
            rules.GITHUB,
            (),
            _c(r"(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])"),
            _not_placeholder("format"),
            6,
            boundary=True,
        ),
        Detector(
            rules.NPM, (), _c(r"(?P<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])"), _checksum, boundary=True
        ),
        Detector(
            rules.PYPI,
            (),
            _c(r"(?P<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})"),
            _not_placeholder("format"),
            5,
        ),
        Detector(
            rules.GCP_SA,
            ("service_account",),
            _c(r'"private_key"\s*:\s*"(?P<secret>-----BEGIN [A-Z ]*PRIVATE KEY-----[^"]{64,}?)"'),
            _gcp_sa,
            0,
        ),
        Detector(
            rules.PRIVATE_KEY,
            (),
            _c(
                r"-----BEGIN (?P<kind>[A-Z0-9 ]*?)PRIVATE KEY(?: BLOCK)?-----"
                r"(?P<secret>(?:\\n|\\r|[\sA-Za-z0-9+/=:,.-]){64,}?)-----END"
            ),
            _private_key,
            0,
        ),
        Detector(
            rules.STRIPE,
            ("k_live_",),
            _c(r"(?P<secret>[sr]k_live_[0-9A-Za-z]{24,99})(?![0-9A-Za-z])"),
            _not_placeholder("format"),
            6,
            boundary=True,
        ),
        Detector(
            rules.SENDGRID,
            (),
            _c(r"(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])"),
            _not_placeholder("format"),
            3,
            boundary=True,
        ),
        Detector(
            rules.SLACK,
            (),
            _c(r"(?P<secret>xox[abposr]-(?:[0-9]+-){1,3}[0-9A-Za-z]{16,64})(?![0-9A-Za-z])"),
            _not_placeholder("format"),
            5,
            boundary=True,
        ),
        Detector(
            rules.SLACK_HOOK,
            (),
            _c(
                r"https://hooks\.slack\.com/(?:services|workflows)/"
                r"(?P<secret>T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})(?![A-Za-z0-9])"
            ),
            _not_placeholder("format"),
            1,
        ),
        Detector(
            rules.GCP_KEY,
            (),
            _c(r"(?P<secret>AIza[0-9A-Za-z_\-]{35})(?![0-9A-Za-z_\-])"),
            _not_placeholder("format"),
            boundary=True,
        ),
        Detector(
            rules.AZURE,
            ("accountkey", "azure"),
            _c(
                r"(?i:AccountKey=|[\w.-]*(?:key|secret)[\"']?\s*[:=]\s*[\"']?)"
                r"(?P<secret>[A-Za-z0-9+/]{86}==)"
            ),
            _not_placeholder("format"),
        ),
        Detector(
            rules.TWILIO,
            ("twilio",),
            _c(r"(?P<secret>SK[0-9a-f]{32})(?![0-9A-Za-z])"),
            _not_placeholder("format"),
            2,
            boundary=True,
        ),
        Detector(
            rules.TWILIO,
            ("twilio",),
            _c(
                r"(?i:twilio[\w.-]*?(?:auth_?token|secret|token))[\"']?\s*[:=]\s*[\"']?"
                r"(?P<secret>[0-9a-f]{32})(?![0-9A-Za-z])"
            ),
            _twilio_token,
            0,
            line_scoped=True,
        ),
        Detector(
            rules.AWS_KEY,
            ("akia", "asia"),
            _c(r"(?P<secret>A(?:KIA|SIA)[A-Z0-9]{16})(?![A-Za-z0-9])"),
            _aws_key,
            boundary=True,
        ),
        Detector(
            rules.AWS_SECRET,
            ("secret",),
            _c(
                r"(?i:secret_?access_?key|aws_?secret(?:_?key)?|secret-access-key)[\"']?\s*[:=]\s*"
                r"[\"']?(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
            ),
            _aws_secret,
            0,
            line_scoped=True,
        ),
        Detector(
            rules.JWT,
            (),
            _c(r"(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})"),
            _jwt,
            3,
            boundary=True,
        ),
        Detector(
            rules.PASSWORD_URL,
            (),
            _c(
                r"://(?P<user>[^:@/\s\"'`<>]{0,64}):"
                r"(?P<secret>[^@/\s\"'`<>]{1,128})@(?P<host>[A-Za-z0-9._\[\]-]+)"
            ),
            _password_url,
            0,
            veto=False,
        ),
        Detector(
            rules.PASSWORD_URL,
            (" -u ", "--user"),
            _c(r"(?:\s-u\s*|\s--user[=\s])[\"']?(?P<user>[\w.@-]{1,64}):(?P<secret>[^\s\"'$]{6,128})[\"']?"),
            _password_url,
            0,
            veto=False,
        ),
        Detector(
            rules.PASSWORD_URL,
            ("password=", "pwd="),
            _c(r"(?i:(?<![\w-])(?:password|pwd)\s*=\s*)(?P<secret>[^;&\"'\s]{4,128})"),
            _conn_string,
            0,
            veto=False,
            line_scoped=True,
        ),
        Detector(
            rules.GENERIC,
            ("--password", " -p"),
            _c(r"(?:--password[=\s]+|\s-p\s?)[\"']?(?P<secret>[^\s\"'$`]{6,128})"),
            _cli_password,
            2,
            veto=False,
            line_scoped=True,
        ),
    )
