"""action.yml: its `run:` steps executed as GitHub would (inputs substituted) against a scratch repo.

The install step really runs ``pip install`` of this checkout (``github.action_path``) into a
scratch virtualenv that sees the test environment's dependencies but not its stackaudit, so
the wheel, its package data and its console script are what the later steps use. Steps that
``uses:`` another action (setup-python, upload-sarif) are checked for their inputs only.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from tests.governance.gitrepo import ScriptedRepo

REPO = Path(__file__).resolve().parents[2]
VULNERABLE = (
    "import subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
    '@app.route("/run")\ndef run():\n    return subprocess.check_output(request.args["cmd"], shell=True)\n'
)
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _action() -> dict[str, object]:
    data = yaml.safe_load((REPO / "action.yml").read_text())
    assert isinstance(data, dict)
    return data


def _expand(value: str, context: Mapping[str, str]) -> str:
    return _EXPR.sub(lambda m: context[m.group(1)], value)


def _scratch_venv(tmp: Path) -> Path:
    """A venv with pip whose only view of the test dependencies excludes stackaudit itself."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    deps = tmp / "deps"
    deps.mkdir()
    shared = Path(sysconfig.get_paths()["purelib"])
    for entry in shared.iterdir():
        if (
            "stackaudit" in entry.name
            or entry.suffix == ".pth"
            or entry.name.startswith(("pip", "_distutils"))
        ):
            continue
        (deps / entry.name).symlink_to(entry)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "shared-deps.pth").write_text(f"{deps}\n")
    return venv


def _run_step(step: Mapping[str, object], context: dict[str, str], env: dict[str, str], cwd: Path) -> int:
    step_env = {k: _expand(str(v), context) for k, v in dict(step.get("env") or {}).items()}  # type: ignore[call-overload]
    script = cwd.parent / "step.sh"
    script.write_text(str(step["run"]))
    # GitHub runs `shell: bash` as: bash --noprofile --norc -eo pipefail {0}
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env={**env, **step_env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(step.get("name"), proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc.returncode


def test_action_inputs_reach_scripts_only_through_env() -> None:
    action = _action()
    runs = action["runs"]
    assert isinstance(runs, dict) and runs["using"] == "composite"
    for step in runs["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], step["name"]  # no template injection
    uses = [s["uses"] for s in runs["steps"] if "uses" in s]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert set(action["inputs"]) >= {"baseline", "fail-on", "path"}  # type: ignore[arg-type]


@pytest.mark.slow
def test_action_steps_gate_a_scratch_repo(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    repo = ScriptedRepo(scratch)
    base = repo.commit("base", "2025-01-01T00:00:00Z", "app.py", "x = 1\n")
    repo.commit("run commands", "2025-01-02T00:00:00Z", "app.py", VULNERABLE)
    venv = _scratch_venv(tmp_path)
    temp, output, summary = tmp_path / "runner-temp", tmp_path / "github_output", tmp_path / "step_summary"
    temp.mkdir()
    inputs = {
        "baseline": base,
        "fail-on": "high",
        "path": ".",
        "sarif-file": "stackaudit.sarif",
        "upload-sarif": "true",
    }
    context = {f"inputs.{k}": v for k, v in inputs.items()}
    context |= {"github.action_path": str(REPO), "runner.temp": str(temp)}
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}},
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "PIP_NO_INPUT": "1",
        "NO_COLOR": "1",
    }
    codes = {}
    for step in _action()["runs"]["steps"]:  # type: ignore[index]
        if "uses" in step:
            if "upload-sarif" in step["uses"]:
                sarif = scratch / _expand(step["with"]["sarif_file"], context)
                assert json.loads(sarif.read_text())["version"] == "2.1.0"
            continue
        outputs = dict(line.split("=", 1) for line in output.read_text().split()) if output.exists() else {}
        context |= {f"steps.gate.outputs.{k}": v for k, v in outputs.items()}
        codes[step["name"]] = _run_step(step, context, env, scratch)
    assert (venv / "bin" / "stackaudit").exists()  # installed from the action's own path
    # the wheel carries the templates (package data): init's scaffold reads them from the install
    probe = "import stackaudit.governance.scaffold as s, sys; s.scaffold(); print(s.__file__)"
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], env=env, capture_output=True, text=True
    )
    assert where.returncode == 0 and str(venv) in where.stdout, where.stderr
    assert codes["Install stackaudit"] == 0 and codes["Run the gate"] == 0
    assert "exit-code=1" in output.read_text()  # the new command injection is over the threshold
    assert "sec.command-injection" in summary.read_text()
    assert codes["Verdict"] == 1
