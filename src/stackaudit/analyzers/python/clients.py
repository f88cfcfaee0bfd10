"""What a call talks to: HTTP libraries, AWS SDK, sync database drivers, ORM sessions.

Classification is syntactic: the callee's import-resolved name, or, for a method call, the
constructor its receiver was assigned from (``s = requests.Session()`` ... ``s.get(u)``), in the
same scope, the module, or ``self.attr`` anywhere in the file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from stackaudit.analyzers.python.names import dotted

if TYPE_CHECKING:
    from stackaudit.analyzers.python.walker import Walk


class Lib(StrEnum):
    REQUESTS = "requests"
    HTTPX = "httpx"
    AIOHTTP = "aiohttp"
    URLLIB = "urllib"
    BOTO3 = "boto3"
    SYNC_DB = "db-driver"


HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
CLIENT_METHODS = HTTP_METHODS | {"send", "stream"}
BOTO3_NOT_CALLS = frozenset({"get_paginator", "get_waiter", "can_paginate", "close", "meta"})
MODULE_CALLS: dict[str, Lib] = {
    **{f"requests.{m}": Lib.REQUESTS for m in HTTP_METHODS},
    **{f"requests.api.{m}": Lib.REQUESTS for m in HTTP_METHODS},
    **{f"httpx.{m}": Lib.HTTPX for m in HTTP_METHODS | {"stream"}},
    "urllib.request.urlopen": Lib.URLLIB,
    "urllib2.urlopen": Lib.URLLIB,
    "aiohttp.request": Lib.AIOHTTP,
}
CLIENT_CLASSES: dict[str, tuple[Lib, bool]] = {  # constructor -> library, is async
    "requests.Session": (Lib.REQUESTS, False),
    "requests.session": (Lib.REQUESTS, False),
    "requests.sessions.Session": (Lib.REQUESTS, False),
    "httpx.Client": (Lib.HTTPX, False),
    "httpx.AsyncClient": (Lib.HTTPX, True),
    "aiohttp.ClientSession": (Lib.AIOHTTP, True),
}
BOTO3_FACTORIES = frozenset({"boto3.client", "boto3.resource"})
BOTO3_SESSIONS = frozenset({"boto3.Session", "boto3.session.Session"})
DB_CONNECT = frozenset(
    {
        "psycopg2.connect",
        "psycopg.connect",
        "sqlite3.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "mysql.connector.connect",
        "cx_Oracle.connect",
        "oracledb.connect",
    }
)
DB_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "fetchone",
        "fetchall",
        "fetchmany",
        "commit",
        "rollback",
        "cursor",
    }
)


@dataclass(frozen=True, slots=True)
class Outbound:
    """A call that leaves the process (or blocks on a driver)."""

    lib: Lib
    is_async: bool  # an awaitable client (httpx.AsyncClient, aiohttp)
    client: str | None  # receiver expression ("self.session") for client method calls; None for module calls
    method: str  # "get", "urlopen", "put_object", "execute" …


def constructor(walk: Walk, node: ast.expr) -> str | None:
    """The resolved name of the call that produced ``node`` (following assignments)."""
    value = walk.resolve(node)
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call):
        return walk.qualname(value.func) or _method_of_produced(walk, value)
    return None


def _method_of_produced(walk: Walk, call: ast.Call) -> str | None:
    """``boto3.Session().client(...)`` / ``conn.cursor()``: describe as ``<ctor>().<method>``."""
    if isinstance(call.func, ast.Attribute):
        inner = constructor(walk, call.func.value)
        if inner:
            return f"{inner}().{call.func.attr}"
    return None


def classify(walk: Walk, call: ast.Call) -> Outbound | None:
    name = walk.qualname(call.func)
    if name in MODULE_CALLS:
        lib = MODULE_CALLS[name]
        return Outbound(lib, lib is Lib.AIOHTTP, None, name.rsplit(".", 1)[-1])
    if name in DB_CONNECT:
        return Outbound(Lib.SYNC_DB, False, None, "connect")
    if not isinstance(call.func, ast.Attribute):
        return None
    method = call.func.attr
    if method not in CLIENT_METHODS and method not in DB_METHODS and "boto3" not in walk.imports.roots:
        return None  # only boto3 clients have arbitrary method names; skip resolving the receiver
    ctor = constructor(walk, call.func.value)
    if ctor is None:
        return None
    client = dotted(call.func.value)
    if ctor in CLIENT_CLASSES and method in CLIENT_METHODS:
        lib, is_async = CLIENT_CLASSES[ctor]
        return Outbound(lib, is_async, client, method)
    if _is_boto3_client(ctor) and method not in BOTO3_NOT_CALLS and not method.startswith("_"):
        return Outbound(Lib.BOTO3, False, client, method)
    if method in DB_METHODS and _is_db_connection(ctor):
        return Outbound(Lib.SYNC_DB, False, client, method)
    return None


def _is_boto3_client(ctor: str) -> bool:
    if ctor in BOTO3_FACTORIES:
        return True
    return any(ctor == f"{s}().{kind}" for s in BOTO3_SESSIONS for kind in ("client", "resource"))


def _is_db_connection(ctor: str) -> bool:
    return ctor in DB_CONNECT or any(ctor == f"{c}().cursor" for c in DB_CONNECT)
