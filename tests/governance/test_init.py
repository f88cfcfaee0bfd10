"""stackaudit init: every file valid for the tool that reads it, nothing overwritten without --force."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from stackaudit.config.loader import load_config
from stackaudit.governance.checklist import pr_template

REPO = Path(__file__).resolve().parents[2]
FILES = (
    "stackaudit.toml",
    ".pre-commit-config.yaml",
    ".github/pull_request_template.md",
    ".github/workflows/stackaudit.yml",
)


def _cli(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "stackaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        input=stdin if stdin is not None else "",
    )


def test_init_yes_writes_valid_files(tmp_path: Path) -> None:
    proc = _cli("init", ".", "--yes", "--action", "acme/stackaudit", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert all((tmp_path / f).is_file() for f in FILES)
    config = load_config(tmp_path)  # the real loader: the SLO skeleton is valid
    assert set(config.slo) == {"home", "sign-in"}
    assert config.slo["home"].endpoint == "GET /" and config.slo["sign-in"].steps == [
        "GET /login",
        "POST /login",
    ]
    hooks = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    precommit = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    (entry,) = precommit["repos"]
    assert entry["repo"] == "https://github.com/acme/stackaudit" and entry["rev"] == "v1"
    assert [h["id"] for h in entry["hooks"]] == ["stackaudit-secrets"] and "stackaudit-secrets" in hooks
    assert (tmp_path / ".github/pull_request_template.md").read_text() == pr_template()
    workflow = yaml.safe_load((tmp_path / ".github/workflows/stackaudit.yml").read_text())
    steps = workflow["jobs"]["audit"]["steps"]
    gate = next(s for s in steps if s.get("uses", "").startswith("acme/stackaudit@"))
    assert gate["uses"] == "acme/stackaudit@v1" and "baseline" in gate["with"]
    assert workflow["jobs"]["audit"]["permissions"]["security-events"] == "write"
    assert any("stackaudit pr-check --event" in s.get("run", "") for s in steps)


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text("fail_on = 'critical'\n")
    proc = _cli("init", ".", "--yes", cwd=tmp_path)
    assert proc.returncode == 0 and "kept     stackaudit.toml" in proc.stdout
    assert (tmp_path / "stackaudit.toml").read_text() == "fail_on = 'critical'\n"
    proc = _cli("init", ".", "--yes", "--force", cwd=tmp_path)
    assert proc.returncode == 0 and "wrote    stackaudit.toml" in proc.stdout
    assert "[slo.home]" in (tmp_path / "stackaudit.toml").read_text()


def test_init_asks_and_respects_the_answers(tmp_path: Path) -> None:
    proc = _cli("init", ".", cwd=tmp_path, stdin="y\nn\ny\nn\n")
    assert proc.returncode == 0, proc.stderr
    written = [f for f in FILES if (tmp_path / f).exists()]
    assert written == ["stackaudit.toml", ".github/pull_request_template.md"]


def test_init_without_answers_or_yes_exits_2(tmp_path: Path) -> None:
    proc = _cli("init", ".", cwd=tmp_path, stdin="")
    assert proc.returncode == 2 and "--yes" in proc.stderr
    assert not (tmp_path / "stackaudit.toml").exists()
    assert _cli("init", "missing-dir", "--yes", cwd=tmp_path).returncode == 2
    assert _cli("init", ".", "--yes", "--action", "no-slash", cwd=tmp_path).returncode == 2
