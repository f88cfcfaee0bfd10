"""The generic ``password=`` / ``secret=`` / ``token=`` / ``api_key`` assignment detector.

Keyword hits are found with plain substring search; only the lines that hold a
hit are matched against the assignment pattern. Values are kept when they are
literals with enough entropy that are not placeholders, references, UUIDs,
digests, versions or paths.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from stackaudit.analyzers.secrets.checks import shannon_entropy
from stackaudit.analyzers.secrets.placeholders import (
    PlaceholderPolicy,
    is_hard_negative,
    looks_like_code,
    looks_like_identifier,
    looks_like_path,
)

KEYWORDS: tuple[str, ...] = ("pass", "pwd", "secret", "token", "credential", '"auth"', "_auth=", "identified")
# "key" is common; only occurrences preceded by one of these count (api_key, signingKey, …)
KEY_PREFIXES: tuple[str, ...] = (
    "api",
    "access",
    "auth",
    "private",
    "signing",
    "encryption",
    "fernet",
    "master",
    "hmac",
    "secret",
)

_KEY = (
    r"(?P<key>[A-Za-z0-9_.\-]*(?i:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key"
    r"|auth[_-]?key|private[_-]?key|credentials?|(?:signing|encryption|fernet|master|hmac)[_-]?key)"
    r"[A-Za-z0-9_.\-]*|(?<![\w.-])_?auth(?![\w.-])"
    r"|[A-Za-z0-9_.\-]*[_.\-](?i:pass)(?![A-Za-z])[A-Za-z0-9_.\-]*|(?<![\w.-])(?i:pass)(?![\w.-]))"
)
_VALUE = (
    r"(?:(?P<q>\\?[\"'`])(?P<qv>[^\s\"'`\\]{6,512})(?P=q)"
    r"|(?P<uv>[^\s\"'`\\,;(){}\[\]<>]{6,200})(?=[\s,;)}\]\"']|$))"
)
ASSIGNMENT = re.compile(_KEY + r"(?:\\?[\"'])?\]?\s*(?::=|=>|(?<![=!<>])[:=](?!=))\s*" + _VALUE)
# <password>…</password> (Maven settings.xml, Spring XML) and <add key="DbPassword" value="…"/> (.NET)
_XML_KEY = r"[\w.:-]*(?i:password|passwd|pwd|secret|token|api[_-]?key|apikey)[\w.:-]*"
XML_ELEMENT = re.compile(rf"<(?P<key>{_XML_KEY})>(?P<q>)(?P<qv>[^<\s]{{6,200}})</")
XML_ADD_KEY = re.compile(rf"<add\s+key=\"(?P<key>{_XML_KEY})\"\s+value=(?P<q>\")(?P<qv>[^\"]{{6,200}})\"")
# PHP define('DB_PASSWORD', '…') (wp-config.php) and SQL CREATE/ALTER USER … IDENTIFIED BY / PASSWORD '…'
PHP_DEFINE = re.compile(
    r"define\(\s*['\"](?P<key>[\w.-]*(?i:password|passwd|pwd|secret|token|api_?key|auth_?key|_salt|_key))['\"]"
    r"\s*,\s*(?P<q>['\"])(?P<qv>[^'\"\s]{6,512})(?P=q)"
)
SQL_PASSWORD = re.compile(
    r"(?i:\b(?:create|alter)\s+(?:user|role|login)\b[^;\n]*?\b(?P<key>identified\s+by|password))"
    r"\s*=?\s*(?P<q>')(?P<qv>[^'\s]{6,200})'"
)
# Prose in docs and comments: "the password is `Xk8s2…`", "password `Xk8s2…`", "API key: set to Xk8s2…"
# (unquoted values need the verb and a digit, so "the token is expired" stays prose)
_PROSE_KEY = r"(?P<key>(?i:password|passphrase|passwd|api[ _-]?key|access token|secret key))"
PROSE = re.compile(
    _PROSE_KEY + r"(?:\s+(?P<verb>(?i:is|was|will be|should be|set to|to|of))\b)?(?::\s*|\s+)"
    r"(?:(?P<q>[`\"'])(?P<qv>[^\s`\"']{6,200})(?P=q)|(?<=\s)(?P<uv>[^\s`\"',;()<>.]{6,200})(?=[\s,;.)]|$))"
)
DOCKER_ENV = re.compile(r"^\s*(?:ENV|ARG)\s+" + _KEY + r"\s+" + _VALUE, re.IGNORECASE)

# Key names that hold something other than a secret value.
_KEY_NOISE = re.compile(
    r"(?i)url|uri|endpoint|expir|timeout|ttl|length|_len|_max|max_|_min|min_|type|name|file|path|dir|header"
    r"|field|prefix|suffix|format|hasher|validator|param|regex|pattern|label|help|placeholder"
    r"|count|limit|policy|mode|reset|template|view|form|_id$|_ids$|storage|class|backend|generator|rotation"
    r"|(?:^|[_.-])source(?:$|[_.-])|env$"
)
# Languages where a secret literal must be quoted (unquoted text there is code).
QUOTED_LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "terraform", "html", "markdown"})


@dataclass(frozen=True, slots=True)
class GenericHit:
    start: int  # offset of the value in the text
    end: int
    key: str
    value: str
    entropy: float


def _lines_with_keywords(text: str, lowered: str, has: Callable[[str], bool]) -> Iterator[tuple[int, int]]:
    starts: set[int] = set()
    for kw in KEYWORDS:
        if not has(kw):
            continue
        pos = lowered.find(kw)
        while pos >= 0:
            starts.add(text.rfind("\n", 0, pos) + 1)
            pos = lowered.find(kw, pos + len(kw))
    if has("key"):
        pos = lowered.find("key")
        while pos >= 0:
            if lowered[max(0, pos - 12) : pos].rstrip("_-. ").endswith(KEY_PREFIXES):
                starts.add(text.rfind("\n", 0, pos) + 1)
            pos = lowered.find("key", pos + 3)
    for start in sorted(starts):
        end = text.find("\n", start)
        yield start, (end if end >= 0 else len(text))


_VALUE_WORDS = re.compile(r"(?i)token|secret|passw|api_?key|credential")  # "Bad-Token", "my-secret-value"
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")  # FORBIDDEN_VALUE2: a constant's name
_FILENAME = re.compile(r"\.(?:html?|txt|json|ya?ml|py|js|css|pem|key|crt|cfg|ini|toml|xml|csv|sql|j2)$")
# A type or schema name (GraphQL ``UUIDFilterInput``, TypeScript ``string``, OpenAPI ``String!``):
# CamelCase words of letters only, optionally a list or non-null marker.
_TYPE_NAME = re.compile(r"\[?(?:[A-Z]+(?=[A-Z][a-z]{2})|[A-Z]?[a-z]{2,}|[A-Z]+(?=\]|!|\?|$))+\]?[!?]?")
_WORDS = re.compile(r"[A-Za-z][a-z]+(?:[-_][A-Za-z][a-z]+)+")
_SNAKE_NAME = re.compile(r"[a-z]+(?:_[a-z]+){2,}")  # webauthn_user_verification: a name, quoted or not
# a user/login name assigned within a few lines: the password next to it is a credential pair
_USER_KEY = re.compile(r"(?i)(?:user(?:name)?|login|e-?mail|account|uid|user_?id|client_?id)[\"']?\s*[:=]")
_PASSWORD_KEY = re.compile(r"(?i)pass|pwd")
_DIGEST_KEY = re.compile(r"(?i)hash|digest|sha|checksum|fingerprint|md5|etag|commit|rev|salt|nonce")


def _char_classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() and c not in "_-." for c in value),
        )
    )


@dataclass(frozen=True, slots=True)
class ValueFilter:
    """What decides whether an assigned literal is a secret."""

    language: str
    policy: PlaceholderPolicy
    min_entropy: float

    def keep(self, key: str, value: str, quoted: bool, paired: bool = False) -> bool:
        """``paired``: a user name sits on a neighbouring line, so a weaker password still counts."""
        if len(value) < (6 if paired else 8) or value.isdigit() or self.policy.is_placeholder(value):
            return False
        if (
            _TYPE_NAME.fullmatch(value)
            or _SNAKE_NAME.fullmatch(value)
            or (not quoted and (not value.isascii() or _WORDS.fullmatch(value)))
        ):
            return False  # a type name; unquoted prose ("Challenge-Response", translated text)
        if _VALUE_WORDS.search(value) or _CONSTANT.fullmatch(value) or _FILENAME.search(value):
            return False
        if any(ch.isalpha() and not ch.isascii() for ch in value):
            return False  # letters of another script or accented ones: translated UI text; keys are ASCII
        if any(word in key.lower() for word in ("test", "fake", "dummy", "example", "sample", "mock")):
            return False
        if is_hard_negative(value, hex_is_digest=bool(_DIGEST_KEY.search(key))):
            return False
        if looks_like_code(value, quoted) or looks_like_path(value):
            return False
        classes = _char_classes(value)
        prose_pair = self.language == "markdown" and (classes >= 3 or (paired and classes >= 2))
        if (
            not quoted
            and not prose_pair
            and (self.language in QUOTED_LANGUAGES or looks_like_identifier(value))
        ):
            return False  # unquoted code is not a literal; prose "user: x / password: y" in docs is
        if value.startswith(("http:", "https:", "!", "&", "*", "@", "-", "#")):
            return False
        entropy = shannon_entropy(value)
        if paired and _char_classes(value) >= 2 and entropy >= 2.0:
            return True
        if _char_classes(value) < 2 and not (len(value) >= 20 and entropy >= 3.8):
            return False  # one character class: a word or a name, not a credential
        # a short random value cannot reach the full threshold: n characters carry at most log2(n) bits
        return entropy >= min(self.min_entropy, math.log2(len(value)) - 0.7)


# (pattern, lower-case literal the line must hold for the pattern to be tried)
_PATTERNS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (ASSIGNMENT, ()),
    (XML_ELEMENT, ("</",)),
    (XML_ADD_KEY, ("<add",)),
    (PHP_DEFINE, ("define",)),
    (SQL_PASSWORD, ("create", "alter")),
    (
        PROSE,
        (
            "password ",
            "passphrase ",
            "passwd ",
            "api key ",
            "api_key ",
            "api-key ",
            "access token ",
            "secret key ",
        ),
    ),
)


def _user_nearby(text: str, start: int, end: int, lines: int = 3) -> bool:
    """A user/login key on this line or up to ``lines`` lines above or below."""
    lo = start
    for _ in range(lines):
        lo = text.rfind("\n", 0, max(0, lo - 1)) + 1
    hi = end
    for _ in range(lines):
        nxt = text.find("\n", hi + 1)
        hi = len(text) if nxt < 0 else nxt
    return bool(_USER_KEY.search(text, lo, hi))


def find_generic(
    text: str,
    lowered: str,
    has: Callable[[str], bool],
    language: str,
    policy: PlaceholderPolicy,
    min_entropy: float,
) -> Iterator[GenericHit]:
    """Assignments of literal secrets on the lines that hold a keyword (``has`` tests presence)."""
    docker: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = ((DOCKER_ENV, ()),)
    patterns = (*docker, *_PATTERNS) if language == "dockerfile" else _PATTERNS
    values = ValueFilter(language, policy, min_entropy)
    for start, end in _lines_with_keywords(text, lowered, has):
        line = text[start:end]
        if len(line) > 2000:
            line = line[:2000]
        low = lowered[start : start + len(line)]
        for pattern, trigger in patterns:
            if trigger and not any(t in low for t in trigger):
                continue  # the rarer syntaxes run only on lines that can hold them
            for m in pattern.finditer(line):
                quoted = m.group("q") is not None
                key, group = m.group("key"), ("qv" if quoted else "uv")
                value = m.group(group)
                if (
                    pattern is PROSE
                    and not quoted
                    and not (m.group("verb") and any(c.isdigit() for c in value))
                ):
                    continue
                if _KEY_NOISE.search(key) or "badge.svg?token=" in line:
                    continue  # codecov-style badge tokens are public read-only graph tokens
                paired = bool(_PASSWORD_KEY.search(key)) and _user_nearby(text, start, end)
                if not values.keep(key, value, quoted, paired):
                    continue
                entropy = shannon_entropy(value)
                yield GenericHit(start + m.start(group), start + m.end(group), key, value, entropy)
