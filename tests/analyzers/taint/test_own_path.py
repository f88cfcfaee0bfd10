"""A redirect to the request's own path (pretalx's domain middleware, hyperkitty's /lists/ ->
/list/ rewrite) leaves the site only for a "//host" path: reported low, and not at all behind a
``startswith("/orga")`` check, which rules out a second slash."""

from __future__ import annotations

from pathlib import Path

from stackaudit.model import Confidence, Severity
from tests.analyzers.taint.helpers import run_taint, write

APP = (
    "from urllib.parse import urljoin\n"
    "from django.conf import settings\n"
    "from django.shortcuts import redirect\n"
    "def compat(request):\n"
    "    url = request.path.replace('/lists/', '/list/')\n"
    "    return redirect('%s?%s' % (url, request.GET.urlencode()))\n"  # 6: own path, low
    "class Domains:\n"
    "    def __call__(self, request):\n"
    "        if request.path.startswith('/orga'):\n"
    "            path = request.path\n"
    "            return redirect(urljoin(settings.SITE_URL, path))\n"  # 10: checked: on this site
    "        if request.path.startswith('//'):\n"
    "            return redirect(urljoin(settings.SITE_URL, request.path))\n"  # 13: a second slash: low
    "        return redirect(urljoin(settings.SITE_URL, request.get_full_path()))\n"  # 14: low
    "def nxt(request):\n"
    "    return redirect(request.GET['next'])\n"  # 16: a parameter
)

URLS = (
    "from django.urls import path\n"
    "from app import compat, nxt\n"
    "urlpatterns = [path('lists/<name>/', compat), path('next/', nxt)]\n"
)


def test_the_requests_own_path_is_reported_low(tmp_path: Path) -> None:
    found = {
        f.location.line: f
        for f in run_taint(write(tmp_path, {"app.py": APP, "urls.py": URLS})).findings
        if f.rule_id == "sec.open-redirect"
    }
    assert set(found) == {6, 13, 14, 16}
    assert {line for line, f in found.items() if f.severity is Severity.LOW} == {6, 13, 14}
    assert {line for line, f in found.items() if f.confidence is Confidence.LOW} == {6, 13, 14}


SITE = (
    "import requests\n"
    "from fastapi import FastAPI, Request\n"
    "from starlette.responses import RedirectResponse\n"
    "app = FastAPI()\n"
    "@app.get('/cb')\n"
    "async def cb(request: Request, configured: str = ''):\n"
    "    home = str(request.base_url).rstrip('/')\n"
    "    RedirectResponse(url=f'{home}/?error=1')\n"  # 8: the site the browser is on
    "    requests.get(str(request.base_url) + 'api/health')\n"  # 9: a forged Host: SSRF
    "    return RedirectResponse(url=request.query_params['next'])\n"  # 10
)


def test_a_redirect_to_the_requests_own_site_stays_there(tmp_path: Path) -> None:
    """open-webui's OAuth callback redirects to ``request.base_url``: the victim's browser sent
    the real Host. The same value fetched by the server is the attacker's choice of host."""
    found = {(f.location.line, f.rule_id) for f in run_taint(write(tmp_path, {"app.py": SITE})).findings}
    assert found == {(9, "sec.ssrf"), (10, "sec.open-redirect")}


QUERY = (
    "import requests\n"
    "from flask import Flask, redirect, request\n"
    "from app.models import Setting\n"
    "app = Flask(__name__)\n"
    "@app.get('/go')\n"
    "def go():\n"
    "    back = '%s?%s' % (request.path, request.query_string.decode())\n"
    "    redirect(back)\n"  # 8: the page's own path (low); the input is only its query
    "    redirect(f'{request.path}#{request.args[\"tab\"]}')\n"  # 9: back to this page (not reported)
    "    base = Setting.query.first().search_url\n"
    "    requests.get(base + '?q=' + request.args['q'], timeout=5)\n"  # 11: the query of a stored host
    "    redirect('%s?%s' % (request.args['next'], 'a=1'))\n"  # 12: the input chooses where
    "    return redirect(request.args['next'] + '?x=1')\n"  # 13: the input before the '?'
)


def test_input_in_the_query_or_fragment_chooses_no_destination(tmp_path: Path) -> None:
    """hyperkitty's ``"%s?%s" % (url, request.GET.urlencode())`` keeps the query of the page."""
    found = {
        (f.location.line, f.rule_id, f.severity)
        for f in run_taint(write(tmp_path, {"app.py": QUERY})).findings
    }
    assert {(line, rule) for line, rule, _ in found} == {
        (8, "sec.open-redirect"),
        (12, "sec.open-redirect"),
        (13, "sec.open-redirect"),
    }
    assert {line for line, _, severity in found if severity is Severity.LOW} == {8}


REPLACED = (
    "import os\n"
    "from flask import Flask, request\n"
    "app = Flask(__name__)\n"
    "@app.get('/l/<list_id>')\n"
    "def rename(list_id):\n"
    "    os.system('echo ' + 'mailing-list'.replace(list_id, 'x'))\n"  # 6: list_id is what goes
    "    os.system('echo ' + 'mailing-list'.replace('list', list_id))\n"  # 7: list_id comes in
    "    return ''\n"
)


def test_the_text_replaced_is_not_in_the_result(tmp_path: Path) -> None:
    """``request.path.replace(list_id, mlist.name)``: the route parameter is what is removed."""
    found = {f.location.line for f in run_taint(write(tmp_path, {"app.py": REPLACED})).findings}
    assert found == {7}
