"""The labelled service maps: what a reader of each app's code finds, written by reading it.

Endpoint: (methods, full path, handler ``module:qualname``, auth level, lists a collection).
Edge: (handler, resource key). The ideal answer is written even where the map misses it today
(the payment client's host comes from a constructor default the map does not follow).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

Endpoint = tuple[str, str, str, str, bool]
Edge = tuple[str, str]
SQLA = "datastore:sql (SQLAlchemy)"
ORM = "datastore:sql (Django ORM)"

SHOP: dict[str, object] = {
    "root": REPO / "examples" / "shop",
    "endpoints": [
        ("GET", "/health", "shop.webhooks:health", "anonymous", False),
        ("GET", "/orders", "shop.orders:list_orders", "anonymous", True),
        ("GET", "/orders/<int:order_id>", "shop.orders:show_order", "anonymous", False),
        ("POST", "/orders/<int:order_id>/pay", "shop.orders:pay_order", "anonymous", False),
        ("GET", "/products", "shop.catalog:list_products", "anonymous", True),
        ("GET", "/products/<sku>", "shop.catalog:show_product", "anonymous", False),
        ("GET", "/search/products", "shop.search:search_products", "anonymous", True),
        ("POST", "/webhooks/carrier", "shop.webhooks:carrier_update", "anonymous", False),
        ("POST", "/webhooks/carrier/v2", "shop.webhooks:carrier_update_v2", "anonymous", False),
    ],
    "edges": [
        ("shop.catalog:list_products", SQLA),
        ("shop.catalog:show_product", SQLA),
        ("shop.orders:list_orders", SQLA),
        ("shop.orders:show_order", SQLA),
        ("shop.orders:pay_order", SQLA),
        ("shop.orders:pay_order", "outbound:https://api.payments.example.com"),
        ("shop.search:search_products", SQLA),
        ("shop.webhooks:carrier_update", "outbound:https://api.carrier.example.com"),
        ("shop.webhooks:carrier_update_v2", "outbound:https://api.carrier.example.com"),
    ],
}

DJANGO: dict[str, object] = {
    "root": FIXTURES / "djangoshop",
    "endpoints": [
        ("*", "/", "library.views:home", "anonymous", False),
        ("*", "/health/", "library.views:health", "anonymous", False),
        ("*", "/reports/(?P<year>[0-9]{4})/", "library.views:report", "authenticated", False),
        ("GET", "/books/", "library.views:BookList", "anonymous", True),
        ("GET", "/books/<int:pk>/", "library.views:BookDetail", "authenticated", False),
        ("POST", "/books/<int:pk>/borrow/", "library.views:borrow", "authenticated", False),
        ("GET", "/books/manage/", "library.views:ManageView.get", "admin", True),
        ("POST", "/books/manage/", "library.views:ManageView.post", "admin", False),
        ("*", "/books/export/", "library.views:export_all", "admin", False),
        ("POST", "/books/purge/", "library.views:PurgeView.post", "admin", False),
        ("GET", "/books/loans/", "library.views:LoanList", "authenticated", True),
        ("GET", "/books/staff/", "library.views:StaffPanel", "admin", False),
        ("GET", "/api/books/", "library.api:BookViewSet", "anonymous", True),
        ("POST", "/api/books/", "library.api:BookViewSet", "authenticated", False),
        ("GET", "/api/books/<pk>/", "library.api:BookViewSet", "anonymous", False),
        ("PUT", "/api/books/<pk>/", "library.api:BookViewSet", "authenticated", False),
        ("PATCH", "/api/books/<pk>/", "library.api:BookViewSet", "authenticated", False),
        ("DELETE", "/api/books/<pk>/", "library.api:BookViewSet", "authenticated", False),
        ("POST", "/api/books/<pk>/favourite/", "library.api:BookViewSet.favourite", "authenticated", False),
        ("GET", "/api/authors/", "library.api:AuthorViewSet", "admin", True),
        ("GET", "/api/authors/<pk>/", "library.api:AuthorViewSet", "admin", False),
        ("GET", "/api/stats/", "library.api:StatsView.get", "authenticated", False),
        ("GET", "/api/ping/", "library.api:ping", "anonymous", False),
        ("POST", "/api/sync/", "library.api:sync_catalogue", "authenticated", False),
    ],
    "edges": [
        ("library.views:report", ORM),
        ("library.views:borrow", ORM),
        ("library.views:borrow", "queue:celery:send_reminder"),
        ("library.views:ManageView.get", ORM),
        ("library.views:ManageView.post", ORM),
        ("library.views:ManageView.post", "outbound:https://catalogue.example.org"),
        ("library.views:export_all", ORM),
        ("library.views:export_all", "datastore:cache (Django)"),
        ("library.views:PurgeView.post", ORM),
        ("library.api:BookViewSet.favourite", "datastore:redis"),
        ("library.api:StatsView.get", ORM),
        ("library.api:StatsView.get", "datastore:redis"),
    ],
}

FASTAPI: dict[str, object] = {
    "root": FIXTURES / "fastshop",
    "endpoints": [
        ("GET", "/healthz", "app.main:healthz", "anonymous", False),
        ("POST", "/auth/token", "app.main:login", "anonymous", False),
        ("GET", "/api/items/", "app.routers.items:list_items", "anonymous", True),
        ("GET", "/api/items/{item_id}", "app.routers.items:get_item", "anonymous", False),
        ("POST", "/api/items/", "app.routers.items:create_item", "authenticated", False),
        ("GET", "/api/users/me", "app.routers.users:me", "authenticated", False),
        ("GET", "/api/users/", "app.routers.users:list_users", "admin", True),
        ("POST", "/api/users/{user_id}/welcome", "app.routers.users:welcome", "authenticated", False),
        ("POST", "/admin/ops/connections/test", "app.routers.admin:test_connection", "admin", False),
        ("DELETE", "/admin/ops/exports/{key}", "app.routers.admin:delete_export", "admin", False),
    ],
    "edges": [
        ("app.routers.items:list_items", SQLA),
        ("app.routers.items:get_item", SQLA),
        ("app.routers.items:create_item", SQLA),
        ("app.routers.items:create_item", "outbound:https://pricing.example.net"),
        ("app.routers.users:welcome", "queue:kafka"),
        ("app.routers.admin:delete_export", "datastore:s3"),
    ],
}

APPS = {"shop": SHOP, "django": DJANGO, "fastapi": FASTAPI}
