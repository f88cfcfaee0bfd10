"""Carrier webhooks (FastAPI, async): shipment updates pushed by the delivery company."""

from __future__ import annotations

import os
from typing import Any

import httpx
import requests
from fastapi import FastAPI

CARRIER_API = os.environ.get("CARRIER_API", "https://api.carrier.example.com")
app = FastAPI(title="shop webhooks")


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@app.post("/webhooks/carrier")
async def carrier_update(event: dict[str, Any]) -> dict[str, Any]:
    tracking = requests.get(f"{CARRIER_API}/v2/tracking/{event['tracking_id']}", timeout=5)
    tracking.raise_for_status()
    return {"order": event["order_id"], "state": tracking.json()["state"]}


@app.post("/webhooks/carrier/v2")
async def carrier_update_v2(event: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=CARRIER_API, timeout=5) as client:
        tracking = await client.get(f"/v2/tracking/{event['tracking_id']}")
    tracking.raise_for_status()
    return {"order": event["order_id"], "state": tracking.json()["state"]}
