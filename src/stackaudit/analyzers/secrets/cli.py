"""Credentials on command lines and in documentation: flags, PowerShell, HTTP auth headers.

These values are literal passwords with no format of their own, so each detector checks
that the value is not a placeholder, a variable, the next flag or an English word.
"""

from __future__ import annotations

import base64
import binascii
import re

from stackaudit.analyzers.secrets import rules
from stackaudit.analyzers.secrets.checks import shannon_entropy
from stackaudit.analyzers.secrets.detectors import Detector, ScanContext, Verdict
from stackaudit.analyzers.secrets.placeholders import looks_like_identifier
from stackaudit.model import Confidence, Severity

_PLAIN_WORD = re.compile(r"[a-z]+(?:[-_][a-z]+)*|[A-Z][a-z]+")


def _literal(value: str, ctx: ScanContext, min_entropy: float = 2.5) -> bool:
    """A literal password: not a placeholder, variable, option name, path or plain word."""
    if (
        len(value) < 6
        or ctx.policy.is_placeholder(value)
        or value.startswith(("$", "%", "-", "/", "./", "<", "{"))
    ):
        return False
    if _PLAIN_WORD.fullmatch(value) or looks_like_identifier(value):
        return False
    return shannon_entropy(value) >= min_entropy


def _flag(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    return Verdict("context", Severity.HIGH, Confidence.MEDIUM) if _literal(m.group("secret"), ctx) else None


def _basic_auth(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    """``Authorization: Basic <base64 user:password>``: decoded, the password must be a literal."""
    raw = m.group("secret")
    try:
        decoded = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not decoded.isprintable() or not user or ctx.policy.is_placeholder(user):
        return None
    return Verdict("decoded", Severity.HIGH, Confidence.HIGH) if _literal(password, ctx, 2.0) else None


def _bearer(m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    value = m.group("secret")
    if value.startswith("eyJ") or not _literal(value, ctx, 3.5):
        return None  # JWTs are the JWT detector's (it knows the public samples)
    return Verdict("context", Severity.HIGH, Confidence.MEDIUM)


_Q = r"[\"']?"
_VALUE = r"(?P<secret>[^\s\"'`$|;&<>\\]{6,128})"  # no backslash: notebooks escape their newlines


def cli_detectors() -> tuple[Detector, ...]:
    """Command-line and documentation credential detectors (after the providers: least specific)."""
    g, u = rules.GENERIC, rules.PASSWORD_URL
    return (
        Detector(
            g,
            ("convertto-securestring",),
            re.compile(
                r"(?i:ConvertTo-SecureString)\s+(?:-String\s+)?[\"'](?P<secret>[^\"'$\r\n]{4,128})[\"']"
            ),
            _flag,
            2,
            veto=False,
            line_scoped=True,
        ),
        Detector(
            g,
            ("networkcredential", "pscredential"),
            re.compile(
                r"(?i:NetworkCredential|PSCredential)\(\s*[\"'][^\"']*[\"']\s*,\s*[\"'](?P<secret>[^\"']{4,128})[\"']"
            ),
            _flag,
            2,
            veto=False,
            line_scoped=True,
        ),
        Detector(
            g,
            (
                "sshpass",
                "redis-cli",
                "htpasswd",
                "smbclient",
                "sqlcmd",
                "ldapsearch",
                "ldapmodify",
                "ldapadd",
            ),
            re.compile(
                r"(?i:sshpass\s+-p|redis-cli\b[^\n]*?\s-a|sqlcmd\b[^\n]*?\s-P|ldap\w+\b[^\n]*?\s-w"
                r"|smbclient\b[^\n]*?%|htpasswd\s+(?:-\w+\s+)*-\w*b\w*\s+\S+\s+\S+)\s*" + _Q + _VALUE
            ),
            _flag,
            2,
            veto=False,
            line_scoped=True,
        ),
        Detector(
            g,
            (
                "--pass",
                "-pass",
                "--pwd",
                "--token",
                "--api-key",
                "--apikey",
                "--secret",
                "storepass",
                "keypass",
                "--auth-token",
                "--access-key",
                "--client-secret",
            ),
            re.compile(
                r"(?<![\w-])(?:--?(?:password|passwd|pass|pwd|store-?pass|key-?pass|storepass|keypass|token|auth-token"
                r"|api-?key|secret|secret-key|access-key|client-secret|secret-access-key))(?:=|\s+)"
                + _Q
                + _VALUE
            ),
            _flag,
            2,
            veto=False,
            line_scoped=True,
        ),
        Detector(
            g,
            ("login",),
            re.compile(
                r"echo\s+" + _Q + _VALUE + r"[\"']?\s*\|\s*(?:docker|podman|helm|oras|nerdctl)\s+[^\n|]*login"
            ),
            _flag,
            2,
            veto=False,
            line_scoped=True,
        ),
        Detector(
            u,
            ("basic ",),
            re.compile(r"(?i:\bbasic)\s+(?P<secret>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])"),
            _basic_auth,
            0,
            veto=False,
            line_scoped=True,
        ),
        Detector(
            g,
            ("bearer ",),
            re.compile(r"(?i:\bbearer)\s+(?P<secret>[A-Za-z0-9._~+/\-]{20,}=*)(?![A-Za-z0-9._~+/=\-])"),
            _bearer,
            2,
            veto=False,
            line_scoped=True,
        ),
    )
