"""Tenant-isolation rules. Each ``doc`` is the playbook: what is found, why it matters, the fix."""

from __future__ import annotations

from stackaudit.model import Category, Confidence, RuleMeta, Severity

_SAFE_WAYS = """
    Code is taken as scoped (not reported) when the model is scoped by default: a custom
    manager whose ``get_queryset`` filters by the tenant (``objects = TenantManager()``), a
    tenant base class or mixin (``TenantModel``, ``TenantScopedMixin``, django-multitenant), row-level
    security declared for its table in SQL (``CREATE POLICY … ON orders``), a SQLAlchemy
    ``with_loader_criteria`` filter (usually in a ``do_orm_execute`` listener), or a
    schema-per-tenant setup (django-tenants, django-tenant-schemas) that isolates everything.
"""

UNSCOPED_QUERY = RuleMeta(
    id="tenant.unscoped-query",
    title="Query on a tenant-scoped model without a tenant filter, on a request path",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(639, 284),
    impact=8,
    likelihood=6,
    effort=0.5,
    confidence=Confidence.MEDIUM,
    fix="Filter by the tenant (Order.objects.filter(tenant=request.tenant)), go through the tenant's "
    "relation (request.tenant.orders.all()), or scope the model by default (a tenant manager, RLS).",
    doc=f"""
    Finds queries in request handlers (views, view-set methods such as ``get_queryset``, route
    functions) on a model declared tenant-scoped (``[tenant] models``, or any model with the
    tenant key field) that do not filter by the tenant key: Django ``Order.objects.all()`` /
    ``.filter(status=…)`` / ``.get(…)``, SQLAlchemy ``select(Order)``,
    ``session.query(Order)``, ``Order.query``. Queries in helpers (a service layer, a
    repository module) count when a handler reaches them through the call graph (up to four
    calls, imports followed module to module): the finding sits at the query and names the
    handler, its endpoint and the calls in between. A helper that receives the tenant and
    filters on it, a result the caller filters or checks, and helpers reached only from tasks,
    management commands or staff views are not reported.

    Why it matters: in a shared-database multi-tenant service the tenant filter is the only
    thing between one customer and another customer's rows. One forgotten filter lists every
    tenant's orders (CWE-639, authorisation bypass through a user-controlled key).

    {_SAFE_WAYS}
    A filter applied later to the same variable (``qs = qs.filter(tenant=…)``) counts.

    Example::

        def order_list(request):
            return render(request, "orders.html", {{"orders": Order.objects.filter(paid=True)}})

    Fix: ``Order.objects.filter(tenant=request.tenant, paid=True)``, or better a default
    manager that reads the current tenant (set by middleware) so no query can forget it.
    """,
    tags=("tenant", "idor"),
)

IDOR_FETCH = RuleMeta(
    id="tenant.idor-fetch",
    title="Object fetched by a request-supplied id with no tenant check",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(639,),
    impact=8,
    likelihood=7,
    effort=0.5,
    confidence=Confidence.MEDIUM,
    fix="Fetch within the tenant (get_object_or_404(Order, pk=pk, tenant=request.tenant)) or check "
    "ownership right after the fetch (if order.tenant_id != request.tenant.id: raise 404).",
    doc=f"""
    Finds fetches of one tenant-scoped object by primary key where the key comes from the
    request (a handler parameter, a URL keyword, ``request.GET``/``request.args``/JSON body)
    and neither the query filters by the tenant nor the code after it checks ownership:
    ``Order.objects.get(pk=pk)``, ``get_object_or_404(Order, id=order_id)``,
    ``session.get(Order, order_id)``, ``Order.query.get(order_id)`` / ``get_or_404``.

    Why it matters: this is the IDOR shape (insecure direct object reference). Ids are
    sequential or leak in URLs; any signed-in user of tenant A reads or edits tenant B's
    object by changing a number in the URL.

    {_SAFE_WAYS}
    An ownership check after the fetch also counts: a comparison of the object's tenant key
    (``if order.tenant_id != request.tenant.id``), or passing the object to a permission check
    (``check_object_permissions``, ``has_perm``, a function named like ``authorize``/``owns``).

    Example::

        @app.get("/orders/<int:order_id>")
        def show(order_id):
            return render_template("order.html", order=Order.query.get_or_404(order_id))

    Fix: ``Order.query.filter_by(id=order_id, tenant_id=g.tenant.id).first_or_404()``.
    """,
    tags=("tenant", "idor"),
)

CACHE_KEY = RuleMeta(
    id="tenant.cache-key-without-tenant",
    title="Cache key for tenant-scoped data built without the tenant",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    cwe=(524, 639),
    impact=7,
    likelihood=5,
    effort=0.25,
    confidence=Confidence.MEDIUM,
    fix='Put the tenant in the key: cache.set(f"t{tenant.id}:orders:{order_id}", ...), or use a '
    "per-tenant key prefix / cache namespace.",
    doc="""
    Finds cache reads and writes (``cache.get/set/get_or_set/delete``, Redis
    ``get/set/setex/hget/hset``) in code that reads a tenant-scoped model, where the key is
    built at run time (f-string, ``%``, ``+``, ``.format``) and names no tenant (no variable,
    attribute or text containing the tenant key).

    Why it matters: two tenants asking for "order 42" or "the dashboard" share one cache
    entry: the second one is served the first one's data until the entry expires. Ids that
    are unique across tenants today stop being so after a data import or a sharding change.

    Example::

        data = cache.get(f"dashboard:{user_id}")

    Fix: ``cache.get(f"{request.tenant.id}:dashboard:{user_id}")``, or a key function that
    always adds the tenant (Django ``KEY_FUNCTION``, a per-tenant ``KEY_PREFIX``).
    """,
    tags=("tenant", "cache"),
)

RATE_LIMIT = RuleMeta(
    id="tenant.rate-limit-not-per-tenant",
    title="Rate limits keyed by client or user only, in a multi-tenant service",
    category=Category.SCALABILITY,
    severity=Severity.LOW,
    cwe=(770,),
    impact=5,
    likelihood=4,
    effort=0.5,
    confidence=Confidence.LOW,
    fix="Add a limit keyed by the tenant (key_func returning the tenant id, a DRF throttle whose "
    "get_cache_key uses the tenant) next to the per-client one.",
    doc="""
    In a project with tenant-scoped data, finds that every rate limiter declared is keyed by
    something other than the tenant: flask-limiter / slowapi ``Limiter(key_func=
    get_remote_address)``, django-ratelimit ``@ratelimit(key="ip")``, DRF
    ``DEFAULT_THROTTLE_CLASSES`` with only ``AnonRateThrottle`` / ``UserRateThrottle``. One
    finding per project, at the first limiter; nothing when any limiter's key names the tenant
    (a key function, key string or throttle class that reads it), and nothing when the project
    has no limiter at all (the ``rate-limit`` analyzer's question).

    Why it matters: one tenant with many users or many IP addresses (a batch import, a
    misbehaving integration) can spend the shared capacity of the database and workers, and
    every other tenant slows down (the noisy neighbour). Tenants behind one NAT share a
    per-IP budget and throttle each other.

    Example::

        limiter = Limiter(get_remote_address, app=app, default_limits=["100/minute"])

    Fix: a second limit keyed by tenant, ``Limiter(key_func=lambda: g.tenant.id, ...)`` or
    ``@limiter.limit("1000/minute", key_func=tenant_key)``; in DRF a ``SimpleRateThrottle``
    subclass whose ``get_cache_key`` returns the tenant id.
    """,
    tags=("tenant", "rate-limit"),
)

RULES: tuple[RuleMeta, ...] = (UNSCOPED_QUERY, IDOR_FETCH, CACHE_KEY, RATE_LIMIT)
