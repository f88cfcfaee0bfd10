"""Filling an object's items with request data taints its items, not its attributes.

``watch.update(form_fields)`` or ``watch["k"] = form_value`` on a clean object (a dict subclass
holding a record, say) puts request text into the items; ``watch.data_dir`` is still the server's
own attribute. Items read back (``watch.get("url")``, ``watch["url"]``, the whole object passed on)
stay tainted, and an object that was already tainted keeps tainting its attributes.
"""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

FLASK = (
    "import os, copy\nfrom flask import Flask, request\nfrom store import records\napp = Flask(__name__)\n"
)


def _rules_by_line(root: Path) -> dict[int, str]:
    return {f.location.line: f.rule_id for f in run_taint(root).findings}


def test_update_with_form_fields_taints_items_not_attributes(tmp_path: Path) -> None:
    body = (
        "@app.post('/p/<int:n>')\n"
        "def preview(n):\n"
        "    watch = copy.deepcopy(records.default)\n"
        "    fields = {k: v for k, v in request.form.items()}\n"
        "    watch.update(fields)\n"
        "    watch['note'] = request.form.get('note')\n"
        "    open(os.path.join(watch.data_dir, 'last.html'))\n"  # 11: the server's attribute
        "    open(watch.get('url'))\n"  # 12: an item the request filled
        "    open(watch['note'])\n"  # 13: an item the request filled
        "    return ''\n"
    )
    assert _rules_by_line(write(tmp_path, {"app.py": FLASK + body})) == {
        12: "sec.path-traversal",
        13: "sec.path-traversal",
    }


def test_an_object_tainted_before_it_is_filled_keeps_tainted_attributes(tmp_path: Path) -> None:
    body = (
        "@app.post('/q')\n"
        "def q():\n"
        "    doc = request.get_json()\n"
        "    doc.update({'seen': True})\n"
        "    open(doc.path)\n"  # 9: the request's own object
        "    return ''\n"
    )
    assert _rules_by_line(write(tmp_path, {"app.py": FLASK + body})) == {9: "sec.path-traversal"}


def test_items_filled_inside_a_helper_from_its_parameter(tmp_path: Path) -> None:
    """The object is built from another parameter (symbolic taint) and filled from a second one:
    the caller's request data reaches its items only."""
    helper = (
        "import copy, os\n"
        "def preview(datastore, uuid, form_data):\n"
        "    watch = copy.deepcopy(datastore.data['watching'].get(uuid))\n"
        "    watch.update({k: v for k, v in form_data.items()})\n"
        "    open(os.path.join(watch.data_dir, 'last.html'))\n"  # 5: the server's attribute
        "    open(watch['url']).close()\n"  # 6: an item the request filled
    )
    body = (
        "from helper import preview\n"
        "@app.post('/p/<uuid>')\n"
        "def p(uuid):\n"
        "    preview(records, uuid, request.form)\n"
        "    return ''\n"
    )
    findings = run_taint(write(tmp_path, {"app.py": FLASK + body, "helper.py": helper})).findings
    assert {(f.location.path, f.location.line) for f in findings} == {("helper.py", 6)}
