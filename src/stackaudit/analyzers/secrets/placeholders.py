"""Recognising values that are not secrets: placeholders and hard negatives.

Placeholders are values people write where a secret will go (``changeme``,
``${DB_PASSWORD}``, ``<your-key>``, ``AKIAIOSFODNN7EXAMPLE``). Hard negatives are
high-entropy strings that are not secrets (UUIDs, hex digests, lock-file
integrity hashes, base64 images, version strings, paths).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

PLACEHOLDER_WORDS: tuple[str, ...] = (
    "example",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "dummy",
    "fake",
    "sample",
    "placeholder",
    "redacted",
    "your_",
    "your-",
    "yourpass",
    "yoursecret",
    "insert",
    "replace",
    "todo",
    "fixme",
    "notreal",
    "not-a-real",
    "not_a_real",
    "mock",
    "test",
    "secret123",
    "password",
    "passw0rd",
    "hunter2",
    "tiger",  # scott:tiger, the classic sample credential
    "sensitive",
)

# Whole values that are never secrets.
PLACEHOLDER_VALUES: frozenset[str] = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "empty",
        "string",
        "str",
        "bytes",
        "required",
        "optional",
        "admin",
        "root",
        "user",
        "username",
        "pass",
        "default",
        "value",
        "xxx",
        "foo",
        "bar",
        "foobar",
        "hunter2",
        "letmein",
        "qwerty",
        "123456",
        "12345678",
        "abc123",
    }
)

_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "5": "s", "$": "s", "3": "e", "1": "i"})
_TEMPLATE = re.compile(
    r"""\$\{[^}]*\}|\$\(|\{\{.*?\}\}|\{%|<[^<>]{1,60}>|%\([a-z_]+\)s|%s|\$[A-Z_][A-Z0-9_]*\b|\{[a-z_]*\}|\{\d+\}|\[\[""",
)
_REPEATED = re.compile(r"(.)\1{5,}")  # xxxxxx, ******, 000000
_REPEATED_SHORT = re.compile(r"(.)\1{3,}")  # xxxx in a short value
_CODE_REF = re.compile(
    r"os\.environ|getenv|environ\[|environ\.get|settings\.|config\[|secrets\.|vault|keyring"
)
_CALL = re.compile(r"[A-Za-z_][\w.]*\(")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"(?:0x)?[0-9a-f]{32,}|(?:0x)?[0-9A-F]{32,}")
_INTEGRITY = re.compile(
    r"(?:sha1|sha256|sha384|sha512|md5)[-:=]|(?:pbkdf2_\w+|argon2\w*|bcrypt\w*|scrypt|crypt)\$", re.IGNORECASE
)
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,", re.IGNORECASE)
_VERSION = re.compile(r"v?\d+(?:\.\d+){1,3}(?:[-+.][0-9A-Za-z.]+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_PATHLIKE = re.compile(r"(?:[./~]|[A-Za-z]:\\)?[\w.-]*(?:/[\w.-]+){2,}/?")


@dataclass(frozen=True, slots=True)
class PlaceholderPolicy:
    """The placeholder words in force (built-in plus ``secrets.extra_placeholders``)."""

    words: tuple[str, ...] = PLACEHOLDER_WORDS

    @classmethod
    def with_extra(cls, extra: Iterable[str]) -> PlaceholderPolicy:
        more = tuple(w.lower() for w in extra if w.strip())
        return cls(PLACEHOLDER_WORDS + more)

    def is_placeholder(self, value: str) -> bool:
        """True when ``value`` is obviously not a real secret."""
        lowered = value.lower()
        if lowered.strip("\"'` ") in PLACEHOLDER_VALUES:
            return True
        if any(word in lowered for word in self.words):
            return True
        if "password" in lowered.translate(_LEET):  # p@ssw0rd, pa55word
            return True
        if _TEMPLATE.search(value) or _REPEATED.search(value):
            return True
        if len(value) < 24 and _REPEATED_SHORT.search(value):
            return True
        if _has_sequence(lowered):
            return True
        return "..." in value or "…" in value


def _has_sequence(lowered: str, run: int = 6) -> bool:
    """``abcdef``, ``123456``, ``bcdefghij``: keyboard-walk test values."""
    count = 1
    for prev, cur in itertools.pairwise(lowered):
        count = count + 1 if ord(cur) == ord(prev) + 1 else 1
        if count >= run:
            return True
    return False


def is_hard_negative(value: str, hex_is_digest: bool = True) -> bool:
    """High-entropy strings that are not secrets: UUIDs, digests, integrity strings, images.

    A bare hex string is a digest unless ``hex_is_digest`` is False (the caller
    knows it is assigned to a secret-named key such as ``api_key``).
    """
    if _UUID.fullmatch(value) or (hex_is_digest and _HEX.fullmatch(value)):
        return True
    if _INTEGRITY.match(value) or _DATA_URI.search(value):
        return True
    return bool(_VERSION.fullmatch(value))


def looks_like_code(value: str, quoted: bool = True) -> bool:
    """A reference to somewhere else rather than a literal secret (a call, when unquoted)."""
    return bool(_CODE_REF.search(value)) or (not quoted and bool(_CALL.match(value)))


def looks_like_identifier(value: str) -> bool:
    """A bare identifier or dotted name (``settings.SECRET_KEY``, ``get_token``)."""
    if not _IDENT.fullmatch(value):
        return False
    digits = sum(c.isdigit() for c in value)
    return digits / len(value) < 0.15 and ("_" in value or "." in value or value.islower())


def looks_like_path(value: str) -> bool:
    return bool(_PATHLIKE.fullmatch(value)) or value.startswith(("/", "./", "../", "~/"))
