"""The generic ``password=`` / ``secret=`` / ``token=`` / ``api_key`` assignment detector.

Keyword hits are found with plain substring search; only the lines that hold a
hit are matched against the assignment pattern. Values are kept when they are
literals with enough entropy that are not placeholders, references, UUIDs,
digests, versions or paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from stackaudit.analyzers.secrets.checks import shannon_entropy
from stackaudit.analyzers.secrets.placeholders import (
    PlaceholderPolicy,
    is_hard_negative,
    looks_like_code,
    looks_like_identifier,
    looks_like_path,
)

KEYWORDS: tuple[str, ...] = (
    "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "api-key",
    "access_key", "auth_key", "private_key", "credential",
)

_KEY = (
    r"(?P<key>[A-Za-z0-9_.\-]*(?i:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key"
    r"|auth[_-]?key|private[_-]?key|credentials?)[A-Za-z0-9_.\-]*)"
)
_VALUE = r"(?P<q>\\?[\"'`])?(?P<secret>[^\s\"'`\\,;]{6,200})(?(q)(?P=q)|(?=[\s,;)}\]]|$))"
ASSIGNMENT = re.compile(_KEY + r"(?:\\?[\"'])?\]?\s*(?::=|=>|(?<![=!<>])[:=](?!=))\s*" + _VALUE)
DOCKER_ENV = re.compile(r"^\s*(?:ENV|ARG)\s+" + _KEY + r"\s+" + _VALUE, re.IGNORECASE)

# Key names that hold something other than a secret value.
_KEY_NOISE = re.compile(
    r"(?i)url|uri|endpoint|expir|timeout|ttl|length|_len|_max|max_|_min|min_|type|name|file|path|dir|header"
    r"|field|prefix|suffix|format|hasher|validator|param|regex|pattern|label|help|placeholder"
    r"|count|limit|policy|mode|reset|_id$|_ids$|storage|class|backend|generator|rotation|source|env$"
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


def _lines_with_keywords(text: str, lowered: str) -> Iterator[tuple[int, int]]:
    starts: set[int] = set()
    for kw in KEYWORDS:
        pos = lowered.find(kw)
        while pos >= 0:
            starts.add(text.rfind("\n", 0, pos) + 1)
            pos = lowered.find(kw, pos + len(kw))
    for start in sorted(starts):
        end = text.find("\n", start)
        yield start, (end if end >= 0 else len(text))


def keep_value(
    value: str, quoted: bool, language: str, policy: PlaceholderPolicy, min_entropy: float
) -> bool:
    if len(value) < 8 or value.isdigit() or policy.is_placeholder(value):
        return False
    if is_hard_negative(value) or looks_like_code(value) or looks_like_path(value):
        return False
    if not quoted and (language in QUOTED_LANGUAGES or looks_like_identifier(value)):
        return False
    if value.startswith(("http:", "https:", "!", "&", "*", "@", "-", "#")):
        return False
    return shannon_entropy(value) >= min_entropy


def find_generic(
    text: str, lowered: str, language: str, policy: PlaceholderPolicy, min_entropy: float
) -> Iterator[GenericHit]:
    patterns = (DOCKER_ENV, ASSIGNMENT) if language == "dockerfile" else (ASSIGNMENT,)
    for start, end in _lines_with_keywords(text, lowered):
        line = text[start:end]
        if len(line) > 2000:
            line = line[:2000]
        for pattern in patterns:
            for m in pattern.finditer(line):
                key, value = m.group("key"), m.group("secret")
                if _KEY_NOISE.search(key):
                    continue
                if not keep_value(value, m.group("q") is not None, language, policy, min_entropy):
                    continue
                yield GenericHit(
                    start + m.start("secret"), start + m.end("secret"), key, value, shannon_entropy(value)
                )
