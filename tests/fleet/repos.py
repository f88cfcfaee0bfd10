"""Small generated git repositories with known findings, for the fleet tests and the benchmark.

Every repository makes HTTP calls without a timeout (one ``scale.no-timeout`` finding, its
calls grouped by root cause); even-numbered ones also run a shell command built from a parameter
(``sec.command-injection``). The fleet must store exactly these for each repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fleet Test",
    "GIT_AUTHOR_EMAIL": "fleet@example.org",
    "GIT_COMMITTER_NAME": "Fleet Test",
    "GIT_COMMITTER_EMAIL": "fleet@example.org",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin",
}


def calls(index: int) -> int:
    return index % 3 + 1


def expected_rules(index: int) -> list[str]:
    """The product's rules this generator plants in repository ``index`` (ci.* aside)."""
    return ["scale.no-timeout", *(["sec.command-injection"] if index % 2 == 0 else [])]


def _client_module(index: int) -> str:
    funcs = "\n\n".join(
        f"def fetch_{n}(url):\n    return requests.get(url + '/{n}')\n" for n in range(calls(index))
    )
    return f"import requests\n\n\n{funcs}"


SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
CLEAN = "def add(a, b):\n    return a + b\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True)


def make_repo(path: Path, index: int, extra_files: int = 0) -> Path:
    """A one-commit repository: a client module, a shell module, and ``extra_files`` clean ones."""
    path.mkdir(parents=True)
    (path / "client.py").write_text(_client_module(index), encoding="utf-8")
    if index % 2 == 0:
        (path / "shell.py").write_text(SHELL, encoding="utf-8")
    for n in range(extra_files):
        (path / f"util_{n}.py").write_text(CLEAN, encoding="utf-8")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", f"repository {index}")
    return path


def make_fleet(base: Path, count: int) -> list[Path]:
    return [make_repo(base / f"svc{i:02d}", i) for i in range(count)]
