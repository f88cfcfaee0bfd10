"""Licence normalisation to SPDX (``license-expression``) and the licence policy."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from license_expression import ExpressionError, Licensing, get_spdx_licensing

from stackaudit.config.sections.supply_chain import LicencePolicy

# Trove classifiers and common free-text spellings -> SPDX ids (explicit table).
ALIASES: dict[str, str] = {
    "mit license": "MIT",
    "mit": "MIT",
    "apache software license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "bsd license": "BSD-3-Clause",
    "bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "isc license (iscl)": "ISC",
    "python software foundation license": "PSF-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "gnu general public license v2 (gplv2)": "GPL-2.0-only",
    "gnu general public license v3 (gplv3)": "GPL-3.0-only",
    "gnu general public license v2 or later (gplv2+)": "GPL-2.0-or-later",
    "gnu general public license v3 or later (gplv3+)": "GPL-3.0-or-later",
    "gnu affero general public license v3": "AGPL-3.0-only",
    "gnu lesser general public license v2 (lgplv2)": "LGPL-2.0-only",
    "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0-only",
    "gnu library or lesser general public license (lgpl)": "LGPL-2.0-or-later",
    "the unlicense (unlicense)": "Unlicense",
    "public domain": "LicenseRef-Public-Domain",
    "historical permission notice and disclaimer (hpnd)": "HPND",
    "zope public license": "ZPL-2.1",
}
STRONG_COPYLEFT_PREFIXES = ("GPL-", "AGPL-", "SSPL-", "EUPL-", "OSL-", "CC-BY-SA-")


class LicenceVerdict(StrEnum):
    OK = "ok"
    DENIED = "denied"
    COPYLEFT = "copyleft"
    REVIEW = "review"
    UNKNOWN = "unknown"
    NOT_ALLOWED = "not-allowed"


@cache
def _licensing() -> Licensing:
    return get_spdx_licensing()


def normalise(raw: str | None) -> str | None:
    """An SPDX expression for ``raw`` or None when it cannot be recognised."""
    if not raw or not raw.strip() or raw.strip().upper() == "UNKNOWN":
        return None
    parts = [ALIASES.get(p.strip().lower(), p.strip()) for p in raw.split(" OR ")]
    text = " OR ".join(parts)
    try:
        expr = _licensing().parse(text, validate=True, strict=False)
    except ExpressionError:
        return None
    if expr is None or _licensing().unknown_license_keys(expr):
        return None
    return str(expr.render())


def _alternatives(expression: str) -> list[list[str]]:
    """Each OR-alternative as the list of keys it needs (AND); good enough for policy checks."""
    return [[k for k in _licensing().license_keys(alt)] for alt in expression.split(" OR ")]


@dataclass(frozen=True, slots=True)
class LicenceCheck:
    verdict: LicenceVerdict
    expression: str | None
    offending: tuple[str, ...] = ()


def _classify(keys: list[str], policy: LicencePolicy) -> LicenceVerdict:
    if any(k in policy.denied for k in keys):
        return LicenceVerdict.DENIED
    if policy.proprietary and any(
        k.startswith(STRONG_COPYLEFT_PREFIXES) and k not in policy.allowed for k in keys
    ):
        return LicenceVerdict.COPYLEFT
    if any(k in policy.review for k in keys):
        return LicenceVerdict.REVIEW
    if policy.allowed and any(k not in policy.allowed for k in keys):
        return LicenceVerdict.NOT_ALLOWED
    return LicenceVerdict.OK


_WORST = (
    LicenceVerdict.DENIED,
    LicenceVerdict.COPYLEFT,
    LicenceVerdict.REVIEW,
    LicenceVerdict.NOT_ALLOWED,
    LicenceVerdict.OK,
)


def check(raw: str | None, policy: LicencePolicy) -> LicenceCheck:
    """The policy verdict: the best OR-alternative decides (the user may pick it)."""
    expression = normalise(raw)
    if expression is None:
        return LicenceCheck(LicenceVerdict.UNKNOWN, None, (raw,) if raw else ())
    verdicts = [(_classify(keys, policy), keys) for keys in _alternatives(expression)]
    best = max(verdicts, key=lambda v: _WORST.index(v[0]))
    return LicenceCheck(best[0], expression, tuple(best[1]))
