"""What cannot hold a path separator is one segment at most: the extension ``os.path.splitext``
returns, and what ``re.sub`` leaves of a character class without ``/``. Joined as the last part of
a path under the server's directory it cannot leave it; used as a directory itself (``..``) it can.
"""

from __future__ import annotations

from pathlib import Path

from tests.analyzers.taint.helpers import run_taint, write

APP = (
    "import os, re, shutil, uuid\n"
    "from flask import Flask, request\n"
    "app = Flask(__name__)\n"
    "TMP = '/srv/tmp'\n"
    "@app.post('/up')\n"
    "def up():\n"
    "    f = request.files['file']\n"
    "    root, ext = os.path.splitext(f.filename)\n"
    "    open(os.path.join(TMP, ext), 'wb')\n"  # 9: one segment, last part
    "    group = re.sub(r'[^A-Za-z0-9._-]', '', request.form['group'])\n"
    "    open(os.path.join(TMP, group))\n"  # 11: one segment, last part
    "    shutil.rmtree(os.path.join(TMP, group))\n"  # 12: '..' as a directory: the parent
    "    open(os.path.join(TMP, root))\n"  # 13: the root keeps its directories
    "    open(os.path.join(TMP, ext, 'x'))\n"  # 14: the extension as a directory
    "    name = request.args['n'].replace('/', '_')\n"
    "    open(os.path.join(TMP, name))\n"  # 16: no separator left
    "    shutil.rmtree(os.path.join(TMP, name))\n"  # 17: '..' as a directory
    "    return ''\n"
)


def test_one_segment_values_stay_under_the_directory(tmp_path: Path) -> None:
    findings = run_taint(write(tmp_path, {"app.py": APP})).findings
    assert {f.location.line for f in findings if f.rule_id == "sec.path-traversal"} == {12, 13, 14, 17}


NAMES = (
    "import os, shutil, uuid\n"
    "from flask import Flask, request\n"
    "app = Flask(__name__)\n"
    "TMP = '/srv/tmp'\n"
    "@app.post('/up')\n"
    "def up():\n"
    "    f = request.files['file']\n"
    "    ext = f.filename.split('.')[-1].lower()\n"
    "    open(os.path.join(TMP, uuid.uuid4().hex + '.' + ext))\n"  # 9: after a server value, no dot
    "    last = f.filename.rsplit('.', 1)[-1]\n"
    "    open(os.path.join(TMP, 'cover.' + last))\n"  # 11: after a constant, no dot
    "    open(os.path.join(TMP, last))\n"  # 12: may be absolute ('/etc/passwd' has no dot)
    "    open(os.path.join(TMP, '/' + last))\n"  # 13: '/' first: absolute
    "    head = f.filename.rsplit('.', 1)[0]\n"
    "    open(os.path.join(TMP, 'x' + head))\n"  # 15: the part before the last dot keeps '..'
    "    base = f.filename.split('/')[-1]\n"
    "    open(os.path.join(TMP, base))\n"  # 17: one segment
    "    seg = request.form['title'].replace('/', '_')\n"
    "    shutil.rmtree(os.path.join(TMP, seg + ' (7)', 'x'))\n"  # 19: not '..': a directory of its own
    "    shutil.rmtree(os.path.join(TMP, f'{seg}-copy'))\n"  # 20: not '..'
    "    open(os.path.join(TMP, seg + '/passwd'))\n"  # 21: '..' + '/passwd' leaves TMP
    "    shutil.rmtree(os.path.join(TMP, seg + '..'))\n"  # 22: may still be '..'
    "    return ''\n"
)


def test_what_follows_the_last_dot_and_named_segments_stay_under_the_directory(tmp_path: Path) -> None:
    """zou's ``instance_id + "." + name.split(".")[-1]`` and calibre-web's ``title + " (id)"``:
    the input cannot name a parent or an absolute path there; one wrong step and it can."""
    findings = run_taint(write(tmp_path, {"app.py": NAMES})).findings
    assert {f.location.line for f in findings if f.rule_id == "sec.path-traversal"} == {12, 13, 15, 21, 22}


CREATED = (
    "import os\n"
    "from flask import Flask, request\n"
    "from app.models import Attachment\n"
    "app = Flask(__name__)\n"
    "TMP = '/srv/tmp'\n"
    "@app.post('/att')\n"
    "def att():\n"
    "    f = request.files['file']\n"
    "    row = Attachment.create(name=f.filename, size=0)\n"
    "    open(os.path.join(TMP, str(row.id)), 'wb')\n"  # 10: the database's id
    "    named = Attachment.create(id=request.form['id'], name=f.filename)\n"
    "    open(os.path.join(TMP, str(named.id)), 'wb')\n"  # 12: the caller chose it
    "    spread = Attachment.create(**request.form)\n"
    "    open(os.path.join(TMP, str(spread.id)), 'wb')\n"  # 14: may be the caller's
    "    open(os.path.join(TMP, row.name), 'wb')\n"  # 15: the upload's name
    "    return ''\n"
)


def test_the_id_of_a_row_just_created_is_the_databases(tmp_path: Path) -> None:
    """zou names temp files after the attachment row it created from the upload."""
    findings = run_taint(write(tmp_path, {"app.py": CREATED})).findings
    assert {f.location.line for f in findings if f.rule_id == "sec.path-traversal"} == {12, 14, 15}
