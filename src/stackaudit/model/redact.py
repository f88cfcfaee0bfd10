"""Never print a secret: one redaction for every string a finding carries.

Analyzers redact the secrets they detect. But a secret also sits on lines that other rules
report (``requests.get(url, headers={"Authorization": "Bearer ghp_…"})`` is a timeout finding
too), and in messages built from manifests (a requirement URL with a token in it). ``scrub``
is the last line of defence, applied to every finding's snippet and message when it is
built: it masks credential-shaped substrings whatever rule reported the line.
"""

from __future__ import annotations

import hashlib
import re

# Substrings that are credentials by their shape alone: provider prefixes with enough
# entropy behind them, URL userinfo passwords, HTTP auth headers, private key bodies.
_TOKEN = re.compile(
    r"""(?x)
    \b(?:
        gh[pousr]_[A-Za-z0-9]{30,}                 # GitHub
      | github_pat_[A-Za-z0-9_]{40,}
      | glpat-[A-Za-z0-9_-]{20,}                   # GitLab
      | xox[abposr]-[A-Za-z0-9-]{10,}              # Slack
      | (?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}   # Stripe
      | sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}       # OpenAI, Anthropic
      | (?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}   # AWS key ids
      | AIza[A-Za-z0-9_-]{35}                      # Google API keys
      | npm_[A-Za-z0-9]{36}
      | pypi-[A-Za-z0-9_-]{50,}
      | hf_[A-Za-z0-9]{30,}
      | SG\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}  # SendGrid
      | eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}  # JWTs
    )"""
)
_USERINFO = re.compile(r"(?<=://)([^/@\s:'\"]+):([^/@\s'\"]+)(?=@)")
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic|token)\s+([A-Za-z0-9+/._~=-]{12,})")
_ASSIGNED = re.compile(
    r"""(?ix)
    \b([a-z0-9_.-]*(?:passw(?:or)?d|secret|api_?key|access_?key|private_?key|auth_?token|token)[a-z0-9_]*)
    (\s*[:=]\s*|["']\s*:\s*)
    (["'])([^"'\s]{8,})\3
    """
)


def value_hash(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def redact(value: str) -> str:
    """A short prefix (at most a quarter of the value, at most 4) + ``…`` + a hash."""
    shown = min(4, len(value) // 4)
    return f"{value[:shown]}…{value_hash(value)}"


def _is_redacted(value: str) -> bool:
    """Already masked, by us or by the analyzer that found it (``ghp_…1f2e``, ``***``)."""
    return "…" in value or "***" in value or value.startswith("sha256:")


def scrub(text: str) -> str:
    """``text`` with every credential-shaped substring redacted (idempotent)."""
    if not text:
        return text
    text = _TOKEN.sub(lambda m: m.group(0) if _is_redacted(m.group(0)) else redact(m.group(0)), text)
    text = _USERINFO.sub(
        lambda m: f"{m.group(1)}:{redact(m.group(2))}" if not _is_redacted(m.group(2)) else m.group(0), text
    )
    text = _AUTH_HEADER.sub(
        lambda m: m.group(0) if _is_redacted(m.group(2)) else f"{m.group(1)} {redact(m.group(2))}", text
    )
    return _ASSIGNED.sub(
        lambda m: (
            m.group(0)
            if _is_redacted(m.group(4))
            else f"{m.group(1)}{m.group(2)}{m.group(3)}{redact(m.group(4))}{m.group(3)}"
        ),
        text,
    )
