"""A repository class's data attribute is a value: ``Loader.id_cache.get(plugin_id)`` reads a
mapping (the key selects, the value is the mapping's), it is not a library function that passes
every argument through. Methods of such a value that do carry their argument still do."""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

APP = (
    "import os\n"
    "from aiohttp import web\n"
    "from loader import Loader\n"
    "routes = web.RouteTableDef()\n"
    "@routes.put('/plugin/{id}')\n"
    "async def put_plugin(request):\n"
    "    plugin_id = request.match_info['id']\n"
    "    plugin = Loader.id_cache.get(plugin_id)\n"
    "    os.remove(plugin.path)\n"  # 9: the loaded plugin's own file
    "    os.remove(Loader.base_dir.format(plugin_id))\n"  # 10: the request's text in a path
    "    return web.Response()\n"
)
LOADER = (
    "class Loader:\n"
    "    id_cache: dict[str, 'Loader'] = {}\n"
    "    base_dir = '/srv/plugins/{}.zip'\n"
    "    path = ''\n"
    "    def get(self, key):\n"
    "        return key\n"
)


def test_a_mapping_class_attribute_selects_by_key(tmp_path: Path) -> None:
    findings = run_taint(write(tmp_path, {"app.py": APP, "loader.py": LOADER})).findings
    assert {(f.location.line, f.rule_id) for f in findings} == {(10, "sec.path-traversal")}
