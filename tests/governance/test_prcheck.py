"""pr-check: the checklist read from a PR body, demanded item by item by a real git diff."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stackaudit.governance.checklist import BY_KEY, ItemKey, pr_template, satisfied_by
from stackaudit.governance.prcheck import check, demanded_items
from tests.governance.gitrepo import ScriptedRepo

ROUTES = (
    'from flask import Flask\napp = Flask(__name__)\n\n@app.route("/orders")\ndef orders():\n    return []\n'
)
CLIENT = "import requests\n\ndef fetch():\n    return requests.get('https://example.com', timeout=3)\n"
AUTH = "import jwt\n\ndef decode(t, key):\n    return jwt.decode(t, key, algorithms=['HS256'])\n"
FULL_BODY = """## Summary
Adds orders.

- [x] Latency impact noted: one indexed query, p95 unchanged in the load test
- [x] Threat vectors addressed
## Migrations
Downgrade drops the new column; tested with alembic downgrade -1.

### Rollback plan
Revert the PR; the migration's downgrade runs first.
"""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "stackaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _none(_: str) -> str | None:
    return None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("- [x] Rollback plan: revert", "ticked box: Rollback plan: revert"),
        ("* [X] roll back by redeploying v1.2", "ticked box: roll back by redeploying v1.2"),
        ("## Rollback plan\n\nRedeploy the previous tag.\n", "section: Rollback plan"),
        ("## Rollback plan\r\n\r\nRedeploy.\r\n", "section: Rollback plan"),  # GitHub sends CRLF bodies
        ("## Rollback plan\n<!-- How to undo -->\n\n## Other\ntext", None),
        ("## Rollback plan\nTBD\n", None),
        ("## Rollback plan\nN/A\n- [ ] Rollback plan\n", None),
        ("- [ ] Rollback plan", None),
        ("```\n## Rollback plan\nnot a heading\n```\n", None),
        ("", None),
    ],
)
def test_satisfied_by(body: str, expected: str | None) -> None:
    assert satisfied_by(body, BY_KEY[ItemKey.ROLLBACK]) == expected


def test_demanded_items_follow_the_diff() -> None:
    sources = {"app/views/orders.py": ROUTES, "app/client.py": CLIENT, "app/tokens.py": AUTH}

    def demanded(*paths: str) -> set[ItemKey]:
        return set(demanded_items(paths, sources.get))

    assert demanded("docs/guide.md", "README.md", "CHANGELOG") == set()
    assert demanded("app/client.py") == {ItemKey.ROLLBACK}  # requests.get is a call, not a route
    assert demanded("app/views/orders.py") == {ItemKey.ROLLBACK, ItemKey.LATENCY}
    assert demanded("app/migrations/0002_add_total.py") == {ItemKey.ROLLBACK, ItemKey.MIGRATIONS}
    assert demanded("db/V3__orders.sql") == {ItemKey.ROLLBACK, ItemKey.MIGRATIONS}
    assert demanded("requirements.txt") == {ItemKey.ROLLBACK, ItemKey.THREATS}
    assert demanded("uv.lock") == {ItemKey.ROLLBACK, ItemKey.THREATS}
    assert demanded("app/tokens.py") == {ItemKey.ROLLBACK, ItemKey.THREATS}  # path and `import jwt`
    assert demanded("app/shop/urls.py") == {ItemKey.ROLLBACK, ItemKey.LATENCY}  # Django urls by name
    assert demanded("app/auth/forms.html", ".env.example") == {ItemKey.ROLLBACK, ItemKey.THREATS}
    assert demanded("app/author_bio.html", "app/tokenizer.html") == {ItemKey.ROLLBACK}  # not auth words
    assert demanded("AUTHORS") == set()


def test_reading_a_secret_from_the_environment_demands_threat_vectors() -> None:
    code = {
        "app/settings.py": "import os\nSECRET = os.environ['DJANGO_SECRET_KEY']\n",
        "app/mail.py": "import os\nHOST = os.getenv('SMTP_API_TOKEN', '')\n",
        "app/plain.py": "import os\nDEBUG = os.getenv('DEBUG')\n",
    }
    for path, want in (("app/settings.py", True), ("app/mail.py", True), ("app/plain.py", False)):
        reasons = demanded_items([path], code.get)
        assert (ItemKey.THREATS in reasons) is want, path


def test_the_template_init_writes_is_what_pr_check_reads() -> None:
    changed = ["app/views/orders.py", "app/migrations/0002.py", "requirements.txt"]
    sources = {"app/views/orders.py": ROUTES}
    untouched = check(pr_template(), changed, sources.get)
    assert {v.item.key for v in untouched.missing} == set(ItemKey)  # empty sections satisfy nothing
    ticked = pr_template().replace("- [ ] ", "- [x] ")
    assert check(ticked, changed, sources.get).passed


def _pr_repo(root: Path) -> tuple[ScriptedRepo, str, str]:
    repo = ScriptedRepo(root)
    base = repo.commit("base", "2025-01-01T00:00:00Z", "README.md", "# app\n")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("routes", "2025-01-02T00:00:00Z", "app/views/orders.py", ROUTES)
    repo.commit("migration", "2025-01-02T01:00:00Z", "app/migrations/0002_total.py", "def upgrade(): ...\n")
    head = repo.commit("deps", "2025-01-02T02:00:00Z", "requirements.txt", "flask==3.0.0\n")
    return repo, base, head


def _event(path: Path, body: str | None, base: str, head: str) -> Path:
    event = {"action": "opened", "pull_request": {"body": body, "base": {"sha": base}, "head": {"sha": head}}}
    path.write_text(json.dumps(event))
    return path


def test_event_with_null_body_lists_every_demanded_item(tmp_path: Path) -> None:
    _, base, head = _pr_repo(tmp_path / "repo")
    event = _event(tmp_path / "event.json", None, base, head)
    summary = tmp_path / "summary.md"
    proc = _cli(
        "pr-check",
        "--event",
        str(event),
        "--repo",
        "repo",
        "-f",
        "markdown",
        "-o",
        str(summary),
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count("MISSING") == 4
    assert "the pull request body is empty" in proc.stdout
    text = summary.read_text()
    assert "failed: 4 item(s) missing" in text
    assert "`app/views/orders.py: route handler orders()`" in text
    assert "`app/migrations/0002_total.py: migration`" in text


def test_event_with_full_body_passes(tmp_path: Path) -> None:
    _, base, head = _pr_repo(tmp_path / "repo")
    event = _event(tmp_path / "event.json", FULL_BODY, base, head)
    proc = _cli("pr-check", "--event", str(event), "--repo", "repo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MISSING" not in proc.stdout and "section: Migrations" in proc.stdout


def test_body_file_mode_and_doc_only_change(tmp_path: Path) -> None:
    repo, base, _ = _pr_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "-b", "docs", base)
    repo.commit("docs", "2025-01-03T00:00:00Z", "docs/guide.md", "how to\n")
    (tmp_path / "body.md").write_text("")
    proc = _cli("pr-check", "--body-file", "body.md", "--base", "main", "--repo", "repo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # nothing applies to a docs-only change
    assert "n/a Rollback plan" in proc.stdout
    repo.git("checkout", "-q", "feature")
    proc = _cli("pr-check", "--body-file", "missing.md", "--base", "main", "--repo", "repo", cwd=tmp_path)
    assert proc.returncode == 1 and "body file not found" in proc.stderr


def test_bad_input_exits_2(tmp_path: Path) -> None:
    _pr_repo(tmp_path / "repo")
    (tmp_path / "push.json").write_text(json.dumps({"ref": "refs/heads/main"}))
    proc = _cli("pr-check", "--event", "push.json", "--repo", "repo", cwd=tmp_path)
    assert proc.returncode == 2 and "not a pull_request event" in proc.stderr
    (tmp_path / "junk.json").write_text("{")
    assert _cli("pr-check", "--event", "junk.json", "--repo", "repo", cwd=tmp_path).returncode == 2
    event = _event(tmp_path / "e.json", "", "0" * 40, "1" * 40)
    proc = _cli("pr-check", "--event", str(event), "--repo", "repo", cwd=tmp_path)
    assert proc.returncode == 2 and "fetch-depth: 0" in proc.stderr
    assert _cli("pr-check", cwd=tmp_path).returncode == 2


def test_unparsable_python_falls_back_to_the_path() -> None:
    """Found by the fuzz campaign: deep brackets make CPython's parser raise MemoryError."""
    deep = "i" + "{" * 300 + "\n"
    assert set(demanded_items(["app/views.py"], lambda _p: deep)) == {ItemKey.ROLLBACK, ItemKey.LATENCY}
    assert set(demanded_items(["app/helpers.py"], lambda _p: deep)) == {ItemKey.ROLLBACK}
