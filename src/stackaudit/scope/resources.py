"""Data stores, third parties and queues a function talks to, read from its calls.

A client built at module level (``cache = redis.Redis(...)``, ``s3 = boto3.client("s3")``) is
followed to the functions that use its name. Outbound HTTP names its host when the URL is a
constant (or a module constant, or an environment default): ``https://api.example.com``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from stackaudit.scope.model import ResourceKind
from stackaudit.scope.source import Func, Index, Module, dotted, leaf

D, OUT, Q = ResourceKind.DATASTORE, ResourceKind.OUTBOUND, ResourceKind.QUEUE
CLIENTS: dict[str, tuple[ResourceKind, str]] = {  # qualified constructor or call -> resource
    "redis.Redis": (D, "redis"),
    "redis.StrictRedis": (D, "redis"),
    "redis.from_url": (D, "redis"),
    "redis.Redis.from_url": (D, "redis"),
    "redis.asyncio.Redis": (D, "redis"),
    "redis.asyncio.from_url": (D, "redis"),
    "pymongo.MongoClient": (D, "mongodb"),
    "motor.motor_asyncio.AsyncIOMotorClient": (D, "mongodb"),
    "elasticsearch.Elasticsearch": (D, "elasticsearch"),
    "elasticsearch.AsyncElasticsearch": (D, "elasticsearch"),
    "sqlalchemy.create_engine": (D, "sql (SQLAlchemy)"),
    "sqlalchemy.ext.asyncio.create_async_engine": (D, "sql (SQLAlchemy)"),
    "flask_sqlalchemy.SQLAlchemy": (D, "sql (SQLAlchemy)"),
    "sqlalchemy.orm.sessionmaker": (D, "sql (SQLAlchemy)"),
    "sqlalchemy.ext.asyncio.async_sessionmaker": (D, "sql (SQLAlchemy)"),
    "smtplib.SMTP": (OUT, "smtp"),
    "smtplib.SMTP_SSL": (OUT, "smtp"),
    "grpc.insecure_channel": (OUT, "grpc"),
    "grpc.secure_channel": (OUT, "grpc"),
    "kafka.KafkaProducer": (Q, "kafka"),
    "kafka.KafkaConsumer": (Q, "kafka"),
    "aiokafka.AIOKafkaProducer": (Q, "kafka"),
    "aiokafka.AIOKafkaConsumer": (Q, "kafka"),
    "confluent_kafka.Producer": (Q, "kafka"),
    "confluent_kafka.Consumer": (Q, "kafka"),
    "pika.BlockingConnection": (Q, "rabbitmq"),
    "aio_pika.connect_robust": (Q, "rabbitmq"),
    "kombu.Connection": (Q, "rabbitmq"),
}
HTTP_ROOTS = ("requests", "httpx", "aiohttp.ClientSession", "urllib.request.urlopen", "urllib3")
HTTP_VERBS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "request",
    "stream",
    "Session",
    "Client",
    "AsyncClient",
    "ClientSession",
    "urlopen",
    "PoolManager",
}
SQL_ATTRS = re.compile(
    r"\.session\.(query|execute|add|add_all|commit|delete|get|scalars|scalar|merge)$|\.query\.(filter|filter_by|get|all|first|order_by|join|count)$|\.objects\.\w+$"
)
SQL_ROOTS = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")
AWS_QUEUES = {"sqs": "aws-sqs", "sns": "aws-sns", "kinesis": "aws-kinesis"}
QUEUE_CALLS = {"basic_publish": "rabbitmq", "basic_consume": "rabbitmq", "xadd": "redis-stream"}
Use = tuple[ResourceKind, str, str, int]  # kind, name, action, line


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _constant_url(mod: Module, node: ast.expr | None, depth: int = 0) -> str | None:
    if node is None or depth > 3:
        return None
    text = _string(node)
    if text is None and isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        text = _string(first) if isinstance(first, ast.Constant) else None
        if text is None and isinstance(first, ast.FormattedValue):
            return _constant_url(mod, first.value, depth + 1)
    if text is None and isinstance(node, ast.Name) and node.id in mod.assigns:
        return _constant_url(mod, mod.assigns[node.id], depth + 1)
    if text is None and isinstance(node, ast.Call) and leaf(node) in ("get", "getenv") and len(node.args) > 1:
        return _constant_url(mod, node.args[1], depth + 1)  # os.environ.get("X", "https://...")
    if text is None and isinstance(node, ast.BinOp):
        return _constant_url(mod, node.left, depth + 1)
    if text and text.startswith(("http://", "https://")):
        parts = urlsplit(text)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else None
    return None


def _client(index: Index, mod: Module, call: ast.Call) -> tuple[ResourceKind, str] | None:
    qual = index.qualified(mod, call)
    if qual in CLIENTS:
        return CLIENTS[qual]
    if qual in ("boto3.client", "boto3.resource", "boto3.session.Session.client") and call.args:
        service = _string(call.args[0]) or ""
        if service == "s3":
            return (D, "s3")
        if service in AWS_QUEUES:
            return (Q, AWS_QUEUES[service])
        return (OUT, f"aws-{service}") if service else None
    if qual.startswith(HTTP_ROOTS) and qual.rsplit(".", 1)[-1] in HTTP_VERBS:
        host = _constant_url(mod, call.args[0] if call.args else _kw(call, "url") or _kw(call, "base_url"))
        return (OUT, host or "http")
    return None


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def module_clients(index: Index, mod: Module) -> dict[str, tuple[ResourceKind, str]]:
    """Module-level names bound to a client: ``cache = redis.Redis(...)``."""
    out: dict[str, tuple[ResourceKind, str]] = {}
    for name, value in mod.assigns.items():
        if isinstance(value, ast.Call):
            found = _client(index, mod, value)
            if found is not None:
                out[name] = found
    return out


def uses(
    index: Index,
    func: Func,
    nodes: list[ast.AST],
    clients: dict[str, dict[str, tuple[ResourceKind, str]]],
    tasks: set[str],
) -> Iterator[Use]:
    mod = index.modules[func.module]
    sql_names = {n for n, t in mod.aliases.items() if t.startswith(SQL_ROOTS)}
    cache_names = {n for n, t in mod.aliases.items() if t.startswith("django.core.cache")}
    own = clients.get(mod.name, {})
    for node in nodes:
        line = getattr(node, "lineno", func.node.lineno)
        if isinstance(node, ast.Call):
            found = _client(index, mod, node)
            if found is not None:
                yield (*found, "calls" if found[0] == OUT else "uses", line)
            yield from _queue_call(index, mod, node, tasks, line)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in own:
                yield (*own[node.id], "uses", line)
            elif node.id in sql_names:
                yield (D, "sql (SQLAlchemy)", "uses", line)
            elif node.id in cache_names:
                yield (D, "cache (Django)", "uses", line)
            else:
                target = _imported_client(index, mod, node.id, clients)
                if target is not None:
                    yield (*target, "uses", line)
        elif isinstance(node, ast.Attribute) and (sql := _sql_chain(node)) is not None:
            yield (D, sql, "uses", line)


def _sql_chain(node: ast.Attribute) -> str | None:
    """``db.session.query``, ``Model.query.filter``, ``Model.objects.filter`` (not ``request.query.get``)."""
    text = dotted(node) or ""
    head, _, rest = text.partition(".")
    if (
        not rest
        or (head in ("request", "self") and rest.startswith(("query", "request")))
        or ".request." in text
    ):
        return None
    if not SQL_ATTRS.search("." + rest):
        return None
    return "sql (Django ORM)" if ".objects." in "." + rest else "sql (SQLAlchemy)"


def _imported_client(
    index: Index, mod: Module, name: str, clients: dict[str, dict[str, tuple[ResourceKind, str]]]
) -> tuple[ResourceKind, str] | None:
    if name not in mod.aliases:
        return None
    found = index.resolve(mod, name)
    if found is None or not found[1]:
        return None
    return clients.get(found[0].name, {}).get(found[1])


def _queue_call(index: Index, mod: Module, node: ast.Call, tasks: set[str], line: int) -> Iterator[Use]:
    verb = leaf(node)
    if verb in ("delay", "apply_async", "s", "si") and isinstance(node.func, ast.Attribute):
        func = index.func(mod, node.func.value)
        if func is not None and func.ref in tasks:
            yield (Q, f"celery:{func.node.name}", "produces", line)
    elif verb == "send_task" and node.args and (name := _string(node.args[0])):
        yield (Q, f"celery:{name.rsplit('.', 1)[-1]}", "produces", line)
    elif verb in QUEUE_CALLS and isinstance(node.func, ast.Attribute):
        action = "consumes" if "consume" in verb else "produces"
        yield (Q, QUEUE_CALLS[verb], action, line)


def celery_tasks(index: Index) -> dict[str, Func]:
    """``@shared_task`` / ``@app.task`` functions: consumers of a queue."""
    out: dict[str, Func] = {}
    for mod in index.modules.values():
        if "task" not in mod.text:
            continue
        for func in mod.funcs.values():
            for dec in func.node.decorator_list:
                name = leaf(dec)
                if name in ("shared_task", "task", "periodic_task") and "celery" in index.qualified(
                    mod, dec
                ) + " ".join(mod.aliases.values()):
                    out[func.ref] = func
    return out
