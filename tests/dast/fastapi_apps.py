"""Two FastAPI apps with the same routes: one with planted problems, one clean twin.

Planted in ``vulnerable()``: no X-Content-Type-Options, a ``token`` cookie with no HttpOnly
and SameSite=None without Secure, CORS ``*`` with credentials (a hand-written middleware:
Starlette's own echoes the Origin in that configuration), a Python traceback in the
body of a 500 (``/items/{item_id}`` divides by zero at 0), ``/users/me`` declared with a
bearer scheme whose absence the handler ignores, and ``/stats`` answering a body that breaks
its documented schema. The document is served at ``/openapi.json`` (FastAPI's default).
"""

# No ``from __future__ import annotations``: FastAPI reads the annotations at runtime.
import traceback
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel


class Stats(BaseModel):
    count: int


class Item(BaseModel):
    id: int
    share: int


def _build(*, clean: bool) -> FastAPI:
    app = FastAPI(title="inventory")
    bearer = HTTPBearer(auto_error=clean)

    @app.get("/")
    def home(response: Response) -> dict[str, str]:
        if clean:
            response.set_cookie("token", "t0ken-value", httponly=True, samesite="lax")
        else:
            response.set_cookie("token", "t0ken-value", samesite="none")
        return {"service": "inventory"}

    @app.get("/items/{item_id}", responses={404: {"description": "no such item"}})
    def item(item_id: int) -> Item:
        if clean and item_id == 0:
            raise HTTPException(404)
        return Item(id=item_id, share=100 // item_id)

    @app.get("/users/me")
    def me(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> dict[str, str]:
        return {"name": "alice"}

    @app.get("/stats", response_model=None, responses={200: {"model": Stats}})
    def stats() -> JSONResponse:
        return JSONResponse({"count": 3 if clean else "many"})

    if not clean:

        @app.exception_handler(Exception)
        async def show_traceback(request: Request, exc: Exception) -> PlainTextResponse:
            return PlainTextResponse(traceback.format_exc(), status_code=500)

        @app.middleware("http")
        async def wildcard_cors(request: Request, call_next):  # type: ignore[no-untyped-def]
            response = await call_next(request)
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Credentials"] = "true"
            return response
    else:
        app.add_middleware(
            CORSMiddleware, allow_origins=["https://inventory.example"], allow_credentials=True
        )

        @app.middleware("http")
        async def nosniff(request: Request, call_next):  # type: ignore[no-untyped-def]
            response = await call_next(request)
            response.headers["X-Content-Type-Options"] = "nosniff"
            return response

    return app


def vulnerable() -> FastAPI:
    return _build(clean=False)


def clean() -> FastAPI:
    return _build(clean=True)
