"""The provider table turned into detectors: one compiled pattern and one shared validator per row."""

from __future__ import annotations

import math
import re
from functools import partial

from stackaudit.analyzers.secrets.checks import CHECKS, shannon_entropy
from stackaudit.analyzers.secrets.detectors import Detector, ScanContext, Verdict
from stackaudit.analyzers.secrets.providers import PROVIDERS, Provider
from stackaudit.analyzers.secrets.rules import PROVIDER_RULES
from stackaudit.model import Confidence

# A failed check rejects the match only where the check is certain to pass on every real token
# (a bech32 checksum; a Discord bot id in base64). Elsewhere a failed decode only lowers confidence.
STRICT_CHECKS = frozenset({"bech32", "discord"})
# rows whose keyword is a context word that may sit on another line than the token
KEYWORD_ANYWHERE = frozenset({"octopus", "infisical", "salesforce", "dropbox", "beamer", "discord"})
_TAIL = r"(?![A-Za-z0-9_\-])"


def _random_part(value: str, keywords: tuple[str, ...]) -> str:
    """The token without its literal prefix (``dop_v1_``): placeholder words are looked for there."""
    lowered = value.lower()
    for kw in keywords:
        if lowered.startswith(kw):
            return value[len(kw) :]
    return value


def _char_classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )


def _validate(provider: Provider, m: re.Match[str], ctx: ScanContext) -> Verdict | None:
    value = m.group("secret")
    body = _random_part(value, provider.keywords)
    if ctx.policy.is_placeholder(body) or shannon_entropy(body) < min(2.8, math.log2(len(body)) - 0.6):
        return None
    if provider.near and (_char_classes(body) < 2 or shannon_entropy(body) < 3.0):
        return None  # an anonymous value: a word or a run of one class is not a key
    if provider.check:
        if CHECKS[provider.check](value):
            return Verdict(
                "checksum" if provider.check == "bech32" else "decoded", provider.severity, Confidence.HIGH
            )
        if provider.check in STRICT_CHECKS:
            return None
        return Verdict("format", provider.severity, Confidence.MEDIUM)
    confidence = Confidence.MEDIUM if provider.near else Confidence.HIGH
    return Verdict("context" if provider.near else "format", provider.severity, confidence)


def _compile(provider: Provider) -> re.Pattern[str]:
    pattern = provider.pattern
    if "(?P<secret>" not in pattern:
        pattern = f"(?P<secret>{pattern}){_TAIL}"
    return re.compile(pattern)


def table_detectors() -> tuple[Detector, ...]:
    """One detector per provider row, in table order."""
    return tuple(
        Detector(
            PROVIDER_RULES[p.id],
            p.keywords,
            _compile(p),
            partial(_validate, p),
            prefix_len=0 if p.near else 4,
            boundary=not p.near,
            line_scoped=p.id not in KEYWORD_ANYWHERE,
        )
        for p in PROVIDERS
    )
