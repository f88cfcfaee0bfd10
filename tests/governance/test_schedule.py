"""stackaudit schedule: a cron line cron can run and a workflow GitHub can parse, for the quarterly report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stackaudit.governance.schedule import ScheduleOptions, cron_line, validate_cron, workflow


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


def _bash_syntax_ok(script: str) -> bool:
    return subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True).returncode == 0


def test_cron_line_is_valid_and_escapes_percent() -> None:
    line = cron_line(ScheduleOptions(path="/srv/my app", tags="v*"))
    fields = line.split(" ", 5)
    assert " ".join(fields[:5]) == "0 6 1 1,4,7,10 *"
    command = fields[5]
    assert "%" not in command.replace("\\%", "")  # cron turns a bare % into a newline
    assert command.startswith("cd '/srv/my app' && stackaudit audit . --fail-on none")
    assert "stackaudit report latest --root . --compare-to \"$(date -u -d '3 months ago' +\\%F)\"" in command
    assert "stackaudit dora . --tags 'v*' --since" in command
    assert _bash_syntax_ok(command.replace("\\%", "%"))  # what cron hands to the shell


def test_workflow_parses_and_runs_the_report_on_the_schedule() -> None:
    text = workflow(ScheduleOptions(cron="30 5 1 */3 *", months=6, action="acme/stackaudit", rev="v2"))
    data = yaml.safe_load(text)
    assert data[True]["schedule"] == [{"cron": "30 5 1 */3 *"}]  # YAML 1.1 reads `on` as True
    assert "workflow_dispatch" in data[True]
    steps = data["jobs"]["quarterly"]["steps"]
    assert any(s.get("uses") == "acme/stackaudit@v2" for s in steps)
    run = next(s["run"] for s in steps if "run" in s)
    assert 'git rev-list -1 --before="6 months ago" HEAD' in run
    assert 'stackaudit report latest --root . --compare-to "$base"' in run
    assert _bash_syntax_ok(run)


@pytest.mark.parametrize(
    "expr", ["0 6 1 1,4,7,10", "61 6 1 1 *", "0 6 1 13 *", "0 6 * * MON#1", "0 6 1 1,4,7,10 * *"]
)
def test_bad_cron_is_rejected(expr: str) -> None:
    with pytest.raises(ValueError, match="cron"):
        validate_cron(expr)


def test_cli(tmp_path: Path) -> None:
    proc = _cli("schedule", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "0 6 1 1,4,7,10 * cd . && stackaudit audit" in proc.stdout
    assert "name: stackaudit quarterly" in proc.stdout
    github = _cli("schedule", "--show", "github", cwd=tmp_path)
    assert yaml.safe_load(github.stdout)["name"] == "stackaudit quarterly"
    assert _cli("schedule", "--cron", "every quarter", cwd=tmp_path).returncode == 2
    assert _cli("schedule", "--tags", "v*\nrm -rf /", cwd=tmp_path).returncode == 2
