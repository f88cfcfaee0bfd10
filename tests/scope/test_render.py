"""``stackaudit map``: the formats, escaping of repository strings, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from stackaudit.scope.build import build_map
from stackaudit.scope.render import to_html, to_json, to_mermaid
from tests.scope.helpers import write_app

REPO = Path(__file__).resolve().parents[2]
HOSTILE = """
from flask import Flask
app = Flask(__name__)

@app.get('/x"><script>alert(1)</script>')
def evil():
    return "x"
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "stackaudit", "map", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_json_mermaid_and_html_of_the_example_service(tmp_path: Path) -> None:
    done = _run(str(REPO / "examples" / "shop"), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["schema"] == "stackaudit.service-map/v1"
    assert data["summary"]["endpoints"] == 9
    assert {"handler": "shop.orders:list_orders", "resource": "datastore:sql (SQLAlchemy)"}.items() <= next(
        e for e in data["edges"] if e["handler"] == "shop.orders:list_orders"
    ).items()
    mermaid = _run(str(REPO / "examples" / "shop"), "-f", "mermaid").stdout
    assert mermaid.startswith("flowchart LR") and "-->|uses|" in mermaid
    out = tmp_path / "map.html"
    assert _run(str(REPO / "examples" / "shop"), "-f", "html", "-o", str(out)).returncode == 0
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "/orders/&lt;int:order_id&gt;/pay" in page


def test_strings_from_the_repository_are_escaped(tmp_path: Path) -> None:
    write_app(tmp_path, {"app.py": HOSTILE})
    smap = build_map(tmp_path, ["app.py"])
    assert len(smap.endpoints) == 1
    assert "<script>" not in to_html(smap)
    assert "<script>" not in to_mermaid(smap) and '"><' not in to_mermaid(smap)
    assert json.loads(to_json(smap))["endpoints"][0]["path"].startswith('/x"><script>')


def test_bad_input_is_a_note_and_the_map_goes_on(tmp_path: Path) -> None:
    write_app(tmp_path, {"app.py": HOSTILE, "broken.py": "def (:\n"})
    smap = build_map(tmp_path, ["app.py", "broken.py"])
    assert len(smap.endpoints) == 1
    assert any("broken.py" in n and "syntax" in n for n in smap.notes)
    assert _run(str(tmp_path / "missing")).returncode != 0
    assert "unknown format" in _run(str(tmp_path), "-f", "dot").stderr
