"""What an MD5/SHA-1 digest is for, judged from the names around the call.

A weak hash is a vulnerability only where a collision or a preimage buys an attacker
something: a password hash, a token, a signature, an HMAC key. On the review set's build
half every md5/sha1 call labelled was an HTTP ETag, a cache-busting checksum, a log-file
name or a stable message id (0 of 6 true), and projects say so in their ``# noqa``
comments. So the digest's use decides the finding:

* ``SECURITY``: the digest is assigned to, returned by, or built from a name that holds a
  credential or a signature (``password_hash = md5(...)``, ``def sign(...)``,
  ``md5(token)``): reported at the rule's severity.
* ``NOT_SECURITY``: ETags, caches, checksums, fingerprints, dedup keys, file and message
  ids: not reported, and proven safe so that ruff's S324 for the same call goes too.
* ``UNCLEAR``: neither: reported at low severity and low confidence (the OWASP-style
  benchmark's weak-hash cases hash a value into a plain ``hash`` variable).

The most specific name decides: the assignment target or returning function before the
enclosing scopes, then the names the hashed value is built from.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from enum import IntEnum


class Use(IntEnum):
    NOT_SECURITY = 0
    UNCLEAR = 1
    SECURITY = 2


SECURITY_WORDS = re.compile(
    r"passw|pwd|passphrase|token|secret|signature|signing|sign_|_sign$|^sign$|hmac|api_?key|private_?key|"
    r"secret_?key|credential|salt|nonce|otp|csrf|session_?id|auth",
    re.IGNORECASE,
)
NOT_SECURITY_WORDS = re.compile(
    r"etag|cache|checksum|check_?sum|fingerprint|dedup|content_?hash|file_?name|filename|"
    r"gravatar|avatar|identicon|colou?r|bucket|shard|partition|slug|version|message_?id|msg_?id|"
    r"unique_?id|lock_?(name|key)|log_?name|test_?name",
    re.IGNORECASE,
)


def _judge(name: str) -> Use | None:
    if NOT_SECURITY_WORDS.search(name):
        return Use.NOT_SECURITY
    if SECURITY_WORDS.search(name):
        return Use.SECURITY
    return None


def names_in(nodes: Iterable[ast.expr]) -> list[str]:
    """Variable and attribute names the hashed value is built from (constants are not names:
    ``config["SECRET_KEY"]`` in an ETag seed does not make the ETag a secret)."""
    out: list[str] = []
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                out.append(sub.id)
            elif isinstance(sub, ast.Attribute):
                out.append(sub.attr)
    return out


def digest_use(targets: Sequence[str], scopes: Sequence[str], arguments: Sequence[str]) -> Use:
    """``targets``: names the digest is assigned to or returned as (innermost first);
    ``scopes``: enclosing functions and classes, innermost first; ``arguments``: names in
    the hashed value."""
    for name in (*targets, *scopes):
        verdict = _judge(name)
        if verdict is not None:
            return verdict
    if any(SECURITY_WORDS.search(name) for name in arguments):
        return Use.SECURITY
    return Use.UNCLEAR
