"""A project's own SSRF guard, recognised by what it does: it resolves the host and screens the
addresses (itself or a few calls deep). Past a raising guard (also run in a thread), or on the
branch where a tested guard passed, the URL is clean for SSRF; other URLs stay reported, and a
helper that does not look at addresses is no guard."""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

NETCHECK = (
    "import ipaddress, socket\n"
    "from urllib.parse import urlparse\n"
    "def _assert_public(addresses):\n"
    "    for a in addresses:\n"
    "        if not ipaddress.ip_address(a).is_global:\n"
    "            raise ValueError('blocked')\n"
    "def validate_url(url):\n"
    "    host = urlparse(url).hostname\n"
    "    _assert_public([i[4][0] for i in socket.getaddrinfo(host, None)])\n"
    "    return True\n"
    "def is_private_hostname(host):\n"
    "    return any(ipaddress.ip_address(i[4][0]).is_private for i in socket.getaddrinfo(host, None))\n"
    "def check_format(url):\n"
    "    if ' ' in url:\n"
    "        raise ValueError('bad')\n"
)
APP = (
    "import asyncio, requests\n"
    "from urllib.parse import urlparse\n"
    "from flask import Flask, request, abort\n"
    "from netcheck import validate_url, is_private_hostname, check_format\n"
    "app = Flask(__name__)\n"
    "@app.get('/a')\n"
    "def a():\n"
    "    u = request.args['u']\n"
    "    validate_url(u)\n"
    "    return requests.get(u, timeout=5).text\n"  # 10: guarded
    "@app.get('/b')\n"
    "async def b():\n"
    "    u = request.args['u']\n"
    "    await asyncio.to_thread(validate_url, u)\n"
    "    return requests.get(u, timeout=5).text\n"  # 15: guarded in a thread
    "@app.get('/c')\n"
    "def c():\n"
    "    u = request.args['u']\n"
    "    if is_private_hostname(urlparse(u).hostname):\n"
    "        abort(400)\n"
    "    return requests.get(u, timeout=5).text\n"  # 21: refused when private
    "@app.get('/d')\n"
    "def d():\n"
    "    u = request.args['u']\n"
    "    check_format(u)\n"
    "    return requests.get(u, timeout=5).text\n"  # 26: no address check
    "@app.get('/e')\n"
    "def e():\n"
    "    u, v = request.args['u'], request.args['v']\n"
    "    validate_url(v)\n"
    "    return requests.get(u, timeout=5).text\n"  # 31: another URL was checked
)


def test_project_address_guards_clean_the_checked_url(tmp_path: Path) -> None:
    findings = run_taint(write(tmp_path, {"app.py": APP, "netcheck.py": NETCHECK})).findings
    assert {f.location.line for f in findings if f.rule_id == "sec.ssrf"} == {26, 31}


SAME_ORIGIN = (
    "from urllib.parse import urlparse\n"
    "import requests\n"
    "from flask import Flask, request\n"
    "app = Flask(__name__)\n"
    "BACKEND = 'http://comfy.internal:8188'\n"
    "def _is_same_origin(url, base_url):\n"
    "    def _port(scheme):\n"
    "        return 443 if scheme == 'https' else 80\n"
    "    parsed, trusted = urlparse(url), urlparse(base_url)\n"
    "    return parsed.hostname == trusted.hostname and _port(parsed.scheme) == _port(trusted.scheme)\n"
    "def _same_scheme(url, base_url):\n"
    "    return urlparse(url).scheme == urlparse(base_url).scheme\n"
    "@app.post('/img')\n"
    "def img():\n"
    "    url = request.json['url']\n"
    "    if _is_same_origin(url, BACKEND):\n"
    "        requests.get(url, timeout=5)\n"  # 17: the admin's host
    "    if _same_scheme(url, BACKEND):\n"
    "        requests.get(url, timeout=5)\n"  # 19: any host
    "    if _is_same_origin(url, request.json['base']):\n"
    "        requests.get(url, timeout=5)\n"  # 21: a host the request chose
    "    return ''\n"
)


def test_a_same_host_helper_against_a_configured_base_screens_the_url(tmp_path: Path) -> None:
    """open-webui fetches an image URL unvalidated only when ``_is_same_origin(url, base)`` with
    the admin-configured backend."""
    found = {
        f.location.line
        for f in run_taint(write(tmp_path, {"app.py": SAME_ORIGIN})).findings
        if f.rule_id == "sec.ssrf"
    }
    assert found == {19, 21}
