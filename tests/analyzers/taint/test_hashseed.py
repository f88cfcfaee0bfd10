"""A finding's message names the same source whatever PYTHONHASHSEED is: taints live in sets,
and the flow recorded first at a sink names it (sinks.pick orders them by their keys). Its
fingerprint never depended on the seed; its message did (``parameter second`` in one process,
``parameter third`` in the next)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.analyzers.taint.helpers import write

LIB = """import subprocess


def run(first, second, third):
    subprocess.run(first + second + third, shell=True)
"""

SCRIPT = """import json, sys
from pathlib import Path
from tests.analyzers.taint.helpers import run_taint
result = run_taint(Path(sys.argv[1]))
print(json.dumps(sorted([f.fingerprint, f.message] for f in result.findings)))
"""


def _messages(root: Path, seed: int) -> list[list[str]]:
    repo = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    env["PYTHONPATH"] = os.pathsep.join([str(repo / "src"), str(repo), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(root)],
        env=env,
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    found: list[list[str]] = json.loads(out.stdout)
    return found


def test_messages_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    root = write(tmp_path, {"lib.py": LIB})
    runs = [_messages(root, seed) for seed in (1, 2, 3)]
    assert runs[0] == runs[1] == runs[2]
    assert [message for _, message in runs[0]] == [
        "OS command injection: parameter first reaches subprocess.run"
    ]
