"""Value types of the service map. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class AuthLevel(IntEnum):
    """Who can reach an endpoint, as far as the code shows. Ordered: a lower level is more exposed."""

    ANONYMOUS = 0
    AUTHENTICATED = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class ResourceKind(StrEnum):
    DATASTORE = "datastore"
    OUTBOUND = "outbound"  # a third party reached over the network (HTTP, SMTP, gRPC, cloud APIs)
    QUEUE = "queue"


@dataclass(frozen=True, slots=True)
class Handler:
    """The function that answers a request: ``module:qualname`` and where it is written."""

    module: str
    qualname: str  # "OrderView.get", "list_orders"
    path: str  # repo-relative file
    line: int
    end_line: int

    @property
    def ref(self) -> str:
        return f"{self.module}:{self.qualname}"


@dataclass(frozen=True, slots=True)
class Auth:
    """An auth level with the evidence that set it ("@login_required", "Depends(get_admin_user)")."""

    level: AuthLevel = AuthLevel.ANONYMOUS
    seen: tuple[str, ...] = ()

    def join(self, other: Auth) -> Auth:
        """The stricter of two requirements that both apply (a router's and a handler's)."""
        level = max(self.level, other.level)
        return Auth(level, tuple(dict.fromkeys((*self.seen, *other.seen))))


@dataclass(frozen=True, slots=True)
class Endpoint:
    framework: str  # flask, fastapi, starlette, django, drf, aiohttp
    methods: tuple[str, ...]  # ("GET",); ("*",) when any method
    path: str  # the full path with every prefix, in the framework's own syntax
    handler: Handler
    auth: Auth = field(default_factory=Auth)
    collection: bool = False  # answers with a list of records

    @property
    def label(self) -> str:
        """ "GET /orders": the form ``Finding.endpoint`` and runtime evidence use."""
        return f"{'|'.join(self.methods)} {self.path or '/'}"


@dataclass(frozen=True, slots=True)
class Resource:
    """A data store, a third party or a queue the code talks to."""

    kind: ResourceKind
    name: str  # "postgresql", "redis", "s3", "https://api.example.com", "celery:send_receipt"
    path: str  # where it is first seen
    line: int

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.name}"


@dataclass(frozen=True, slots=True)
class Edge:
    """A handler reaches a resource, directly or through the functions in ``via``."""

    handler: str  # Handler.ref
    resource: str  # Resource.key
    via: tuple[str, ...] = ()  # qualified names of the functions between them
    action: str = "uses"  # uses, produces, consumes, calls


@dataclass(frozen=True, slots=True)
class ServiceMap:
    endpoints: tuple[Endpoint, ...] = ()
    resources: tuple[Resource, ...] = ()
    edges: tuple[Edge, ...] = ()
    notes: tuple[str, ...] = ()  # what could not be read (dynamic URL confs, syntax errors)
