"""Product search for the storefront's search box."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import text

from .db import get_session

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.get("/products")
def search_products() -> Any:
    term = request.args.get("q", "")
    session = get_session()
    rows = session.execute(
        text(f"SELECT id, sku, name, price_cents FROM products WHERE name LIKE '%{term}%' ORDER BY name LIMIT 50")
    ).all()
    return jsonify([dict(row._mapping) for row in rows])
