"""Two Flask apps with the same routes: one with planted problems, one clean twin.

Planted in ``vulnerable()``: no security headers on HTML, a session cookie with neither
HttpOnly nor SameSite, CORS that echoes any Origin with credentials, TRACE answered, the
Werkzeug debugger on errors (``/api/items/0`` divides by zero), the werkzeug version banner,
and ``/api/me`` declared as secured in the OpenAPI document but served without a check.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, jsonify, request
from werkzeug.debug import DebuggedApplication

PAGE = "<!doctype html><html><head><title>shop</title></head><body><h1>shop</h1></body></html>"

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "shop", "version": "1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/items/{item_id}": {
            "get": {
                "parameters": [
                    {
                        "name": "item_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "an item",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"id": {"type": "integer"}, "share": {"type": "integer"}},
                                    "required": ["id", "share"],
                                }
                            }
                        },
                    },
                    "404": {"description": "no such item"},
                },
            }
        },
        "/api/me": {
            "get": {
                "security": [{"bearer": []}],
                "responses": {"200": {"description": "the caller"}, "401": {"description": "no credentials"}},
            }
        },
    },
}


def _routes(app: Flask, *, clean: bool) -> None:
    @app.route("/", methods=["GET", "TRACE"] if not clean else ["GET"])
    def home() -> Response:
        if request.method == "TRACE":
            echoed = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
            return Response(f"TRACE / HTTP/1.1\r\n{echoed}", mimetype="message/http")
        resp = Response(PAGE, mimetype="text/html")
        flags: dict[str, Any] = (
            {"httponly": True, "samesite": "Lax", "secure": request.is_secure} if clean else {}
        )
        resp.set_cookie("session_id", "s3cr3t-session-value", **flags)
        return resp

    @app.get("/api/items/<int:item_id>")
    def item(item_id: int) -> Response:
        if clean and item_id == 0:
            abort(404)
        return jsonify(id=item_id, share=100 // item_id)

    @app.get("/api/me")
    def me() -> Response:
        if clean and not request.headers.get("Authorization", "").startswith("Bearer "):
            abort(401)
        return jsonify(name="alice")


def vulnerable() -> Any:
    app = Flask("shop_vulnerable")
    app.config["PROPAGATE_EXCEPTIONS"] = True  # what debug=True does: errors reach the debugger
    _routes(app, clean=False)

    @app.after_request
    def reflect_cors(resp: Response) -> Response:
        origin = request.headers.get("Origin")
        if origin:
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Credentials"] = "true"
        return resp

    return DebuggedApplication(app, evalex=False)


def clean() -> Any:
    app = Flask("shop_clean")
    _routes(app, clean=True)

    @app.after_request
    def harden(resp: Response) -> Response:
        resp.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if request.is_secure:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.headers.get("Origin") == "https://shop.example":
            resp.headers["Access-Control-Allow-Origin"] = "https://shop.example"
            resp.headers["Access-Control-Allow-Credentials"] = "true"
        return resp

    return app
