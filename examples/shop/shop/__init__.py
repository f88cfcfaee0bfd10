"""A small order service: Flask + SQLAlchemy, a payment API client and a receipt worker.

Written for stackaudit's examples: it works, and it has real, documented problems
(see ../PLANTED.md). ``create_app`` builds the WSGI app.
"""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy.orm import sessionmaker

from .db import DATABASE_URL, Base, make_engine


def create_app(database_url: str | None = None) -> Flask:
    from . import catalog, orders, search

    app = Flask(__name__)
    engine = make_engine(database_url or DATABASE_URL)
    Base.metadata.create_all(engine)
    app.extensions["shop.engine"] = engine
    app.extensions["shop.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    app.register_blueprint(orders.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(search.bp)
    return app
