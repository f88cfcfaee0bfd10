"""Licence normalisation to SPDX (``license-expression``) and the licence policy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first needed: ``stackaudit sbom`` pays for neither on common input
    from license_expression import Licensing

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
    "gnu lesser general public license v3 or later (lgplv3+)": "LGPL-3.0-or-later",
    "gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.0-or-later",
}
# SPDX ids that cover nearly every package's licence, as license-expression renders them:
# an expression made only of these (joined by AND/OR) needs no parse. Building the full SPDX
# licensing index costs about 0.5 s, most of ``stackaudit sbom``'s run time (bench_sbom.py).
COMMON_IDS = frozenset(
    [
        "MIT",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "0BSD",
        "ISC",
        "PSF-2.0",
        "Python-2.0",
        "MPL-2.0",
        "Zlib",
        "CC0-1.0",
        "Unlicense",
        "HPND",
        "ZPL-2.1",
        "LGPL-2.0-only",
        "LGPL-2.0-or-later",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "MIT-CMU",
        "BSL-1.0",
        "Artistic-2.0",
        "EPL-2.0",
        "Unicode-3.0",
    ]
)
_SIMPLE = re.compile(r"^[A-Za-z0-9.+-]+(?: (?:AND|OR) [A-Za-z0-9.+-]+)*$")
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
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def _common(text: str) -> bool:
    """Only common SPDX ids joined by one operator (AND or OR, so no precedence to render):
    already what license-expression would render."""
    words = text.split()
    if "AND" in words and "OR" in words:
        return False
    return _SIMPLE.match(text) is not None and all(
        word in COMMON_IDS for word in text.split() if word not in ("AND", "OR")
    )


def normalise(raw: str | None) -> str | None:
    """An SPDX expression for ``raw`` or None when it cannot be recognised."""
    if not raw or not raw.strip() or raw.strip().upper() == "UNKNOWN":
        return None
    parts = [ALIASES.get(p.strip().lower(), p.strip()) for p in raw.split(" OR ")]
    text = " OR ".join(parts)
    if _common(text):
        return text
    from license_expression import ExpressionError

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
