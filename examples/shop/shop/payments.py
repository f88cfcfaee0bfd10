"""Client for the payment provider's HTTP API."""

from __future__ import annotations

import logging
import os
from typing import Any

import requests

log = logging.getLogger(__name__)
PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "https://api.payments.example.com")


class PaymentError(Exception):
    pass


class PaymentClient:
    def __init__(self, api_key: str, base_url: str = PAYMENTS_URL, max_attempts: int = 3) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_attempts = max_attempts
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def charge(self, amount_cents: int, email: str, idempotency_key: str) -> dict[str, Any]:
        payload = {"amount": amount_cents, "currency": "eur", "receipt_email": email}
        headers = {"Idempotency-Key": idempotency_key}
        for attempt in range(self.max_attempts):
            try:
                resp = self.session.post(f"{self.base_url}/v1/charges", json=payload, headers=headers, timeout=10)
                resp.raise_for_status()
                return resp.json()
            except (requests.ConnectionError, requests.Timeout):
                log.warning("charge attempt %d failed, retrying", attempt + 1)
        raise PaymentError("payment provider unreachable")

    def get_charge(self, charge_id: str) -> dict[str, Any]:
        resp = self.session.get(f"{self.base_url}/v1/charges/{charge_id}")
        resp.raise_for_status()
        return resp.json()
