"""No secret leaks: plant known secrets in a repository and in its git history, run every
command and every output format, and search everything written (stdout, stderr, report files,
the store's bytes, the cache) for any full secret value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ("terminal", "json", "sarif", "markdown", "html")

# Built at run time so this file holds no literal secret (our own secrets scan stays clean).
AWS_ID = "AKIA" + "QYLPMN5HHHFPZAM2"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzEXAMPLEKEY9Q"
STRIPE = "sk_live_" + "51HbT2kLm9QwErTyUiOp4AsDf"
DB_PASSWORD = "Tr0ub4dor" + "-and-3-horses"
GH_TOKEN = "ghp_" + "R4nd0mL00k1ngT0k3nV4lu3F0rT3st1ng00"
HISTORY_ONLY = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SECRETS = (AWS_ID, AWS_SECRET, STRIPE, DB_PASSWORD, GH_TOKEN, HISTORY_ONLY)


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@x"
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "leaky"
    (repo / "app").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / "app" / "old.py").write_text(f'SLACK_TOKEN = "{HISTORY_ONLY}"\n')
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "first")
    (repo / "app" / "old.py").unlink()
    (repo / "app" / "settings.py").write_text(
        f'AWS_ACCESS_KEY_ID = "{AWS_ID}"\nAWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"\n'
        f'STRIPE_KEY = "{STRIPE}"\npassword = "{DB_PASSWORD}"\n'
        f'DATABASE_URL = "postgresql://app:{DB_PASSWORD}@db.internal:5432/shop"\n'
        f'GITHUB_TOKEN = "{GH_TOKEN}"\n'
    )
    (repo / "app" / "views.py").write_text(
        "import requests\n\n"
        "def call():\n"
        f'    return requests.get("https://api.example.com", headers={{"Authorization": "Bearer {GH_TOKEN}"}})\n'
    )
    (repo / "requirements.txt").write_text(f"git+https://bot:{GH_TOKEN}@github.com/org/private.git@main\n")
    (repo / ".env").write_text(f"DB_PASSWORD={DB_PASSWORD}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "second")
    return repo


def _run(*args: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "stackaudit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode in (0, 1), f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_no_full_secret_appears_in_any_output(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    db = f"sqlite:///{tmp_path / 'store.db'}"
    texts: dict[str, str] = {}
    pairs = [a for f in FORMATS for a in ("--format", f, "--output", str(out / f"audit.{f}"))]
    texts["audit"] = _run("audit", str(repo), "--db", db, *pairs, cwd=tmp_path)
    texts["audit again"] = _run("audit", str(repo), "--db", db, cwd=tmp_path)
    for fmt in FORMATS:
        texts[f"report {fmt}"] = _run("report", "latest", "--db", db, "--format", fmt, cwd=repo)
    texts["history"] = _run("history", "--db", db, cwd=repo)
    texts["secrets"] = _run("secrets", str(repo), cwd=tmp_path)
    texts["secrets --history"] = _run("secrets", str(repo), "--history", cwd=tmp_path)
    texts["sbom"] = _run("sbom", str(repo), "-o", str(out / "sbom.json"), cwd=tmp_path)
    for path in out.iterdir():
        texts[path.name] = path.read_text(errors="replace")
    texts["store bytes"] = (tmp_path / "store.db").read_bytes().decode("latin-1")
    for wal in tmp_path.glob("store.db-*"):
        texts[wal.name] = wal.read_bytes().decode("latin-1")
    leaks = [(where, s[:6]) for where, text in texts.items() for s in SECRETS if s in text]
    assert not leaks, f"full secret values written: {leaks}"
    # and the secrets were found: redacted, not silently dropped
    assert all(s[:4] in texts["audit.json"] for s in (AWS_ID, STRIPE)), "planted secrets not reported"
