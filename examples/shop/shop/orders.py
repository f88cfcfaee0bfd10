"""Order endpoints."""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, abort, jsonify
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from . import worker
from .db import get_session
from .models import Order
from .payments import PaymentClient, PaymentError

bp = Blueprint("orders", __name__, url_prefix="/orders")


def _line_json(line: Any) -> dict[str, int]:
    return {"product_id": line.product_id, "quantity": line.quantity, "unit_price_cents": line.unit_price_cents}


@bp.get("")
def list_orders() -> Any:
    """Every order with its lines, for the back-office table."""
    session = get_session()
    orders = session.scalars(select(Order).order_by(Order.id.desc())).all()
    return jsonify(
        [
            {
                "id": order.id,
                "status": order.status,
                "lines": [_line_json(line) for line in order.lines],
            }
            for order in orders
        ]
    )


@bp.get("/<int:order_id>")
def show_order(order_id: int) -> Any:
    session = get_session()
    stmt = (
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.lines), joinedload(Order.customer))
    )
    order = session.scalars(stmt).one_or_none()
    if order is None:
        abort(404)
    return jsonify(
        {
            "id": order.id,
            "status": order.status,
            "customer": order.customer.email,
            "lines": [_line_json(line) for line in order.lines],
            "total_cents": order.total_cents,
        }
    )


@bp.post("/<int:order_id>/pay")
def pay_order(order_id: int) -> Any:
    session = get_session()
    order = session.get(Order, order_id, options=[selectinload(Order.lines), joinedload(Order.customer)])
    if order is None:
        abort(404)
    if order.status == "paid":
        return jsonify({"id": order.id, "status": order.status})
    client = PaymentClient(api_key=os.environ.get("PAYMENTS_API_KEY", ""))
    try:
        charge = client.charge(order.total_cents, order.customer.email, idempotency_key=f"order-{order.id}")
    except PaymentError as exc:
        return jsonify({"error": str(exc)}), 402
    order.status = "paid"
    session.commit()
    worker.enqueue_receipt(order.id)
    return jsonify({"id": order.id, "status": order.status, "charge": charge["id"]})
