"""Bad input at the command line: clear messages, exit 2, nothing stored is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

STACKAUDIT = [sys.executable, "-m", "stackaudit"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([*STACKAUDIT, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_corrupt_db_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    db = tmp_path / ".stackaudit" / "stackaudit.db"
    db.parent.mkdir()
    junk = os.urandom(4096)
    db.write_bytes(junk)
    proc = _run("audit", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "stackaudit.db" in proc.stderr
    assert db.read_bytes() == junk


def test_broken_config_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text("fail_on = 3\nunknown_thing = true\n")
    proc = _run("audit", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "stackaudit.toml" in proc.stderr and "unknown_thing: unknown key" in proc.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert _run("audit", "does-not-exist", cwd=tmp_path).returncode == 2
    assert _run("audit", ".", "--fail-on", "bogus", cwd=tmp_path).returncode == 2
    assert _run("audit", ".", "-f", "json", "-f", "sarif", "-o", "x.json", cwd=tmp_path).returncode == 2
    assert _run("explain", "no.such-rule", cwd=tmp_path).returncode == 2


def test_version() -> None:
    proc = _run("--version", cwd=Path.cwd())
    assert proc.returncode == 0 and proc.stdout.startswith("stackaudit ")


def test_env_vars_mirror_flags(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    cfg = tmp_path / "elsewhere.toml"
    cfg.write_text("bogus_key = 1\n")
    env = {**os.environ, "STACKAUDIT_CONFIG": str(cfg)}
    proc = subprocess.run(
        [*STACKAUDIT, "audit", "."], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 2 and "elsewhere.toml" in proc.stderr
    db = tmp_path / "custom.db"
    env = {**os.environ, "STACKAUDIT_DB": f"sqlite:///{db}"}
    proc = subprocess.run(
        [*STACKAUDIT, "audit", "."], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert db.is_file() and not (tmp_path / ".stackaudit" / "stackaudit.db").exists()


def test_only_accepts_commas_and_rejects_unknown_names(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import requests\nrequests.get('http://x')\n")
    proc = _run("audit", ".", "--only", "python-rules,nosuch", cwd=tmp_path)
    assert proc.returncode == 2 and "nosuch" in proc.stderr and "python-rules" in proc.stderr
    proc = _run(
        "audit", ".", "--only", "python-rules,secrets", "-f", "json", "--fail-on", "none", cwd=tmp_path
    )
    assert proc.returncode == 0
    import json

    names = {a["name"] for a in json.loads(proc.stdout)["run"]["analyzers"]}
    assert names == {"python-rules", "secrets"}


def test_terminal_prints_while_the_other_formats_go_to_their_files(tmp_path: Path) -> None:
    from stackaudit.commands.common import pair_outputs

    json_out, md_out = tmp_path / "r.json", tmp_path / "r.md"
    assert pair_outputs(["terminal", "json", "markdown"], [json_out, md_out]) == [
        ("terminal", None),
        ("json", json_out),
        ("markdown", md_out),
    ]
    assert pair_outputs(["json", "terminal"], [json_out]) == [("json", json_out), ("terminal", None)]
    import pytest
    import typer

    with pytest.raises(typer.Exit):
        pair_outputs(["json", "markdown"], [json_out])  # one file for two formats: ambiguous
