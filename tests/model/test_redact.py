"""Every finding's snippet and message is scrubbed of credential-shaped text, whatever rule built it."""

from __future__ import annotations

import pytest

from stackaudit.model import Category, Location, RuleMeta, Severity
from stackaudit.model.redact import scrub

RULE = RuleMeta(id="scale.x", title="x", category=Category.SCALABILITY, severity=Severity.LOW, doc="d")
GH = "ghp_" + "R4nd0mL00k1ngT0k3nV4lu3F0rT3st1ng00"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKl"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f'requests.get(url, headers={{"Authorization": "Bearer {GH}"}})', GH),
        (f"git+https://bot:{GH}@github.com/org/x.git", GH),
        ('DATABASE_URL = "postgresql://app:Tr0ub4dor-3@db:5432/shop"', "Tr0ub4dor-3"),
        ('password = "Tr0ub4dor-and-3"', "Tr0ub4dor-and-3"),
        (f"token={SLACK}", SLACK),
        ("AWS_ACCESS_KEY_ID = 'AKIA" + "QYLPMN5HHHFPZAM2'", "QYLPMN5HHHFPZAM2"),
    ],
)
def test_credentials_are_masked_in_snippets_and_messages(text: str, secret: str) -> None:
    finding = RULE.finding(Location("a.py", 1), f"call {text}", text)
    assert secret not in finding.snippet and secret not in finding.message
    assert "…sha256:" in finding.snippet


@pytest.mark.parametrize(
    "text",
    [
        'requests.get("https://api.example.com/v1/items", timeout=5)',
        "GITHUB_TOKEN = 'ghp_…1f2e'",  # already redacted by the secrets analyzer
        'token_type = "bearer"',
        "for row in Order.objects.all(): row.customer.name",
        "https://user@example.com/path",
    ],
)
def test_ordinary_code_is_left_alone(text: str) -> None:
    assert scrub(text) == text


def test_scrub_is_idempotent() -> None:
    once = scrub(f"Bearer {GH} and password='Tr0ub4dor-and-3'")
    assert scrub(once) == once
