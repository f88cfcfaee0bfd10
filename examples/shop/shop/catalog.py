"""Product catalogue: keyset-paginated list and detail."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from .db import get_session
from .models import Product

bp = Blueprint("catalog", __name__, url_prefix="/products")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _product_json(product: Product) -> dict[str, Any]:
    return {"id": product.id, "sku": product.sku, "name": product.name, "price_cents": product.price_cents}


@bp.get("")
def list_products() -> Any:
    after = request.args.get("after", 0, type=int)
    limit = min(request.args.get("limit", PAGE_SIZE, type=int), MAX_PAGE_SIZE)
    stmt = select(Product).where(Product.id > after).order_by(Product.id).limit(limit)
    products = get_session().scalars(stmt).all()
    return jsonify(
        {
            "items": [_product_json(p) for p in products],
            "next_after": products[-1].id if len(products) == limit else None,
        }
    )


@bp.get("/<sku>")
def show_product(sku: str) -> Any:
    product = get_session().scalars(select(Product).where(Product.sku == sku)).one_or_none()
    if product is None:
        abort(404)
    return jsonify(_product_json(product))
