"""Auth levels: what sets them, and the look-alikes that must not."""

from __future__ import annotations

from pathlib import Path

from tests.scope.helpers import auth_of, write_app

FLASK = """
from flask import Blueprint, abort
from flask_login import current_user, login_required
from .perms import admin_required, check_token

bp = Blueprint("x", __name__, url_prefix="/x")

@bp.get("/open")
def open_page():
    return "hi"

@bp.get("/mine")
@login_required
def mine():
    return "mine"

@bp.post("/config")
@admin_required
def config():
    return "ok"

@bp.get("/status")
def status():
    err = check_token()            # decides what to show, refuses nothing
    return "full" if err is None else "short"

@bp.get("/guest-only")
def guest_only():
    if not current_user.is_anonymous:  # refuses signed-in users: no requirement
        abort(400)
    return "welcome"

@bp.get("/mail-test")
def mail_test():
    if not settings.ADMINS:        # a setting, not who the user is
        abort(404)
    return "sent"

@bp.post("/purge")
def purge():
    if not current_user.is_admin:
        abort(403)
    return "purged"

@bp.get("/optional")
@login_required_if_no_anonymous
def optional():
    return "maybe"
"""

PERMS = """
def admin_required(f):
    return f

def check_token():
    return None

def login_required_if_no_anonymous(f):
    return f
"""


def test_flask_levels_and_look_alikes(tmp_path: Path) -> None:
    scope = write_app(tmp_path, {"app/views.py": FLASK, "app/perms.py": PERMS, "app/__init__.py": ""})
    assert auth_of(scope, "GET /x/open") == "anonymous"
    assert auth_of(scope, "GET /x/mine") == "authenticated"
    assert auth_of(scope, "POST /x/config") == "admin"
    assert auth_of(scope, "POST /x/purge") == "admin"
    assert auth_of(scope, "GET /x/status") == "anonymous"
    assert auth_of(scope, "GET /x/guest-only") == "anonymous"
    assert auth_of(scope, "GET /x/mail-test") == "anonymous"
    assert auth_of(scope, "GET /x/optional") == "anonymous"


AIOHTTP = """
from aiohttp import web
from .auth import check_token

routes = web.RouteTableDef()

@web.middleware
async def auth(request, handler):
    if request.path.startswith("/auth/") or request.path == "/features":
        return await handler(request)
    err = check_token(request)
    if err is not None:
        return err
    return await handler(request)

@routes.get("/instances")
async def instances(request):
    return web.json_response([])

@routes.post("/auth/login")
async def login(request):
    return web.json_response({})

def init():
    app = web.Application(middlewares=[auth])
    app.add_routes(routes)
    return app
"""
AIOHTTP_AUTH = """
def is_valid(token):
    return get_config().is_admin(token)

def check_token(request):
    if not is_valid(request.headers.get("Authorization")):
        return "denied"
    return None
"""


def test_aiohttp_middleware_guards_all_but_exempt_paths(tmp_path: Path) -> None:
    scope = write_app(tmp_path, {"api/__init__.py": AIOHTTP, "api/auth.py": AIOHTTP_AUTH})
    assert auth_of(scope, "GET /instances") == "admin"  # the token check asks is_admin
    assert auth_of(scope, "POST /auth/login") == "anonymous"


def test_a_middleware_that_checks_no_token_guards_nothing(tmp_path: Path) -> None:
    text = AIOHTTP.replace("err = check_token(request)", "err = None")
    scope = write_app(tmp_path, {"api/__init__.py": text, "api/auth.py": AIOHTTP_AUTH})
    assert auth_of(scope, "GET /instances") == "anonymous"


FASTAPI = """
from fastapi import APIRouter, Depends, FastAPI
from .deps import get_admin_user, get_optional_user, get_verified_user

app = FastAPI()
router = APIRouter(dependencies=[Depends(get_verified_user)])

@router.get("/chats")
def chats():
    return []

@app.get("/public")
def public(user=Depends(get_optional_user)):
    return {}

@app.post("/configs")
def configs(user=Depends(get_admin_user)):
    return {}

app.include_router(router, prefix="/api")
"""
DEPS = """
def get_verified_user(): ...
def get_admin_user(): ...
def get_optional_user(): ...
"""


def test_fastapi_dependencies(tmp_path: Path) -> None:
    scope = write_app(tmp_path, {"svc/main.py": FASTAPI, "svc/deps.py": DEPS, "svc/__init__.py": ""})
    assert auth_of(scope, "GET /api/chats") == "authenticated"
    assert auth_of(scope, "POST /configs") == "admin"
    assert auth_of(scope, "GET /public") == "anonymous"  # an optional user is no requirement


def test_request_query_is_not_a_database_query(tmp_path: Path) -> None:
    from stackaudit.scope.build import build_map

    text = (
        AIOHTTP + '\n@routes.get("/search")\nasync def search(request):\n    return request.query.get("q")\n'
    )
    write_app(tmp_path, {"api/__init__.py": text, "api/auth.py": AIOHTTP_AUTH})
    smap = build_map(tmp_path, ["api/__init__.py", "api/auth.py"])
    assert not [e for e in smap.edges if e.handler.endswith(":search")]


DJANGO_SETTINGS = """
ROOT_URLCONF = "site_urls"
MIDDLEWARE = ["django.contrib.auth.middleware.LoginRequiredMiddleware"]
"""
DJANGO_URLS = """
from django.urls import path
from django.contrib.auth.decorators import login_not_required

@login_not_required
def login(request):
    return None

def dashboard(request):
    return None

urlpatterns = [path("login/", login), path("dashboard/", dashboard)]
"""


def test_django_login_required_middleware_covers_every_view_but_the_exempt(tmp_path: Path) -> None:
    scope = write_app(tmp_path, {"settings.py": DJANGO_SETTINGS, "site_urls.py": DJANGO_URLS})
    assert auth_of(scope, "* /dashboard/") == "authenticated"
    assert auth_of(scope, "* /login/") == "anonymous"
    quiet = write_app(
        tmp_path / "plain", {"settings.py": 'ROOT_URLCONF = "site_urls"\n', "site_urls.py": DJANGO_URLS}
    )
    assert auth_of(quiet, "* /dashboard/") == "anonymous"


def test_patterns_added_under_a_feature_flag_count(tmp_path: Path) -> None:
    urls = DJANGO_URLS + "\nif FEATURE:\n    urlpatterns += [path('extra/', dashboard)]\n"
    scope = write_app(tmp_path, {"settings.py": 'ROOT_URLCONF = "site_urls"\n', "site_urls.py": urls})
    assert auth_of(scope, "* /extra/") == "anonymous"


def test_self_and_mutually_referencing_pattern_lists_end(tmp_path: Path) -> None:
    urls = DJANGO_URLS + (
        "\nurlpatterns = urlpatterns + [path('more/', dashboard)]\n"
        "a = b + [path('a/', dashboard)]\nb = a + [path('b/', dashboard)]\nurlpatterns += a\n"
    )
    scope = write_app(tmp_path, {"settings.py": 'ROOT_URLCONF = "site_urls"\n', "site_urls.py": urls})
    assert auth_of(scope, "* /more/") == "anonymous"
    assert auth_of(scope, "* /dashboard/") == "anonymous"


LOOKUP = """
from flask import Flask, abort
from flask_login import current_user
app = Flask(__name__)

@app.post("/reset")
def reset():
    user = find(request.json["email"])
    if not user["active"]:          # the looked-up account, not the caller
        return {"sent": True}
    return {"sent": True}

@app.get("/inbox")
def inbox():
    if not current_user.is_authenticated:
        return redirect_to_login()
    return {}
"""


def test_a_looked_up_account_is_not_the_caller(tmp_path: Path) -> None:
    scope = write_app(tmp_path, {"app.py": LOOKUP})
    assert auth_of(scope, "POST /reset") == "anonymous"
    assert auth_of(scope, "GET /inbox") == "authenticated"


BEFORE = """
from flask import Blueprint
from .auth import check_auth_token, user_required

token_bp = Blueprint("token", __name__, url_prefix="/token")
open_bp = Blueprint("open", __name__, url_prefix="/open")

@token_bp.before_request
@user_required
def before_token_request():
    pass

@token_bp.get("/")
def list_tokens():
    return []

@open_bp.get("/")
def hello():
    return "hi"
"""
BEFORE_AUTH = """
def check_auth_token(required_role=None):
    pass

def user_required(f):
    def inner(*args, **kwargs):
        check_auth_token(required_role=["user", "admin"])
        return f(*args, **kwargs)
    return inner
"""


def test_a_blueprint_before_request_hook_guards_its_routes(tmp_path: Path) -> None:
    scope = write_app(tmp_path, {"pi/__init__.py": "", "pi/api.py": BEFORE, "pi/auth.py": BEFORE_AUTH})
    assert auth_of(scope, "GET /token/") == "authenticated"  # users and admins: not admin-only
    assert auth_of(scope, "GET /open/") == "anonymous"


STARLETTE = """
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.routing import Mount, Route
from .auth import requires_login

async def homepage(request):
    return None

@requires_login
async def account(request):
    return None

class Users(HTTPEndpoint):
    async def get(self, request):
        return None

    async def post(self, request):
        return None

api = [Route("/users", Users), Route("/account", account, methods=["GET", "POST"])]
app = Starlette(routes=[Route("/", homepage), Mount("/api", routes=api)])
"""


def test_starlette_route_tables(tmp_path: Path) -> None:
    scope = write_app(
        tmp_path,
        {"web/__init__.py": "", "web/app.py": STARLETTE, "web/auth.py": "def requires_login(f): ...\n"},
    )
    labels = {e.label for e in scope.endpoints}
    assert labels >= {"GET /", "GET /api/users", "POST /api/users", "GET|POST /api/account"}
    assert auth_of(scope, "GET|POST /api/account") == "authenticated"
    assert auth_of(scope, "GET /") == "anonymous"
