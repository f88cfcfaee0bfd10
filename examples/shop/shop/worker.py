"""Background worker: sends a receipt e-mail for every paid order.

Run with ``python -m shop.worker``; the web process hands work over with ``enqueue_receipt``.
"""

from __future__ import annotations

import logging
import os
import queue
import smtplib
import threading
from email.message import EmailMessage

import redis
from sqlalchemy.orm import Session, selectinload

from .models import Order

log = logging.getLogger(__name__)
REDIS_URL = os.environ.get("SHOP_REDIS_URL", "redis://localhost:6379/0")
SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")

receipts: queue.Queue[int] = queue.Queue()


def enqueue_receipt(order_id: int) -> None:
    receipts.put(order_id)


class ReceiptSender:
    def __init__(self, session_factory: type[Session] | None = None) -> None:
        self.session_factory = session_factory
        self.seen = redis.Redis.from_url(REDIS_URL)

    def send(self, session: Session, order_id: int) -> None:
        if not self.seen.set(f"receipt:{order_id}", 1, nx=True, ex=86400):
            return  # already sent
        order = session.get(Order, order_id, options=[selectinload(Order.lines)])
        if order is None:
            return
        message = EmailMessage()
        message["To"] = order.customer.email
        message["From"] = "shop@example.com"
        message["Subject"] = f"Your order {order.id}"
        message.set_content(f"Total: {order.total_cents / 100:.2f} EUR")
        with smtplib.SMTP(SMTP_HOST, timeout=10) as smtp:
            smtp.send_message(message)


def run(stop: threading.Event, sender: ReceiptSender, session_factory: type[Session]) -> None:
    while not stop.is_set():
        try:
            order_id = receipts.get(timeout=1)
        except queue.Empty:
            continue
        with session_factory() as session:
            try:
                sender.send(session, order_id)
            except (smtplib.SMTPException, OSError):
                log.exception("receipt for order %s failed", order_id)
