"""Every provider-table row: a sample drawn from its own regex is found under its own rule, and the
same sample with a placeholder body, or (context rows) without the provider word, is not."""

from __future__ import annotations

import base64
import json
import random
import re
import string
from re import _parser as sre  # type: ignore[attr-defined]

import pytest

from stackaudit.analyzers.secrets.checks import _BECH32, _bech32_polymod
from stackaudit.analyzers.secrets.providers import PROVIDERS, Provider
from stackaudit.analyzers.secrets.scanner import Scanner

R = random.Random(11)
_CATEGORY = {
    sre.CATEGORY_DIGIT: string.digits,
    sre.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre.CATEGORY_SPACE: " ",
}


def _choices(items: list[tuple[object, object]]) -> str:
    chars = ""
    for op, arg in items:
        if op is sre.LITERAL:
            chars += chr(arg)  # type: ignore[arg-type]
        elif op is sre.RANGE:
            lo, hi = arg  # type: ignore[misc]
            chars += "".join(chr(c) for c in range(lo, hi + 1))
        elif op is sre.CATEGORY:
            chars += _CATEGORY[arg]
    return chars


def sample(parsed: object) -> str:
    """A random string matching a parsed regex (the subset the provider table uses)."""
    out = []
    for op, arg in parsed:  # type: ignore[attr-defined]
        if op is sre.LITERAL:
            out.append(chr(arg))
        elif op is sre.IN:
            out.append(R.choice(_choices(arg)))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            lo, hi, sub = arg
            n = lo if hi == sre.MAXREPEAT or op is sre.MIN_REPEAT else R.randint(lo, min(hi, lo + 8))
            n = max(n, 1) if lo == 0 and op is sre.MAX_REPEAT and hi == sre.MAXREPEAT else n
            out.extend(sample(sub) for _ in range(n))
        elif op is sre.SUBPATTERN:
            out.append(sample(arg[-1]))
        elif op is sre.BRANCH:
            out.append(sample(arg[1][0]))
        elif op is sre.CATEGORY:
            out.append(R.choice(_CATEGORY[arg]))
    return "".join(out)


def _age() -> str:
    hrp, data = "age-secret-key-", [R.randrange(32) for _ in range(52)]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    mod = _bech32_polymod(expanded + data + [0] * 6) ^ 1
    checksum = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(_BECH32[d] for d in data + checksum)).upper()


def _b64json(prefix: str, size: int) -> str:
    blob = json.dumps({"k": "".join(R.choice(string.ascii_letters) for _ in range(size))}).encode()
    return prefix + base64.b64encode(blob).decode().rstrip("=")


SPECIAL = {
    "age": _age,
    "1password-sa": lambda: _b64json("ops_", 220),
    "grafana-cloud": lambda: _b64json("glc_", 60),
    "sentry-org": lambda: _b64json("sntrys_", 60) + "_" + "Qz8" * 14,
    "discord": lambda: base64.b64encode(b"812345678901234567").decode().rstrip("=") + ".GkP3xQ." + "aZ9_" * 8,
}


def sample_for(provider: Provider) -> str:
    R.seed(f"11:{provider.id}")  # per provider: the same sample whatever order the tests run in
    if provider.id in SPECIAL:
        return SPECIAL[provider.id]()
    for _ in range(50):  # redraw the rare sample that is a keyboard run or a placeholder by chance
        text = sample(sre.parse(provider.pattern))
        m = re.search(provider.pattern, text)
        if m and len(set(text)) > 8:
            return text
    raise AssertionError(provider.id)


def line_for(provider: Provider) -> str:
    value = sample_for(provider)
    if provider.near:
        return value
    if any(kw in value.lower() for kw in provider.keywords):
        return f'CREDENTIAL = "{value}"'
    return f'{provider.keywords[0].upper()}_CREDENTIAL = "{value}"'  # a context-gated prefix row


SCANNER = Scanner()


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.id for p in PROVIDERS])
def test_row_sample_is_found_under_its_rule(provider: Provider) -> None:
    text = line_for(provider) + "\n"
    found = {m.rule.id for m in SCANNER.scan(text, "text")}
    assert f"secret.{provider.id}" in found, (text, found)


@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.id for p in PROVIDERS])
def test_row_placeholder_is_not(provider: Provider) -> None:
    text = line_for(provider)
    m = re.search(provider.pattern, text)
    assert m is not None
    group = "secret" if "secret" in m.re.groupindex else 0
    start, end = m.span(group)
    blanked = text[:start] + text[start : start + 4] + "x" * (end - start - 4) + text[end:]
    found = {f.rule.id for f in SCANNER.scan(blanked + "\n", "text")}
    assert f"secret.{provider.id}" not in found, blanked


def test_at_least_120_providers_and_unique_ids() -> None:
    assert len(PROVIDERS) >= 120
    assert len({p.id for p in PROVIDERS}) == len(PROVIDERS)
    assert all(p.keywords and all(k == k.lower() for k in p.keywords) for p in PROVIDERS)


def test_strict_checks_reject_a_corrupted_token() -> None:
    good = _age()
    bad = good[:-1] + ("Q" if good[-1] != "Q" else "P")
    assert [m.verified for m in SCANNER.scan(f"key = {good}\n")] == ["checksum"]
    assert SCANNER.scan(f"key = {bad}\n") == []
