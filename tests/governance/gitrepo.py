"""A scripted git repository: every commit and tag at a chosen time, so figures are known."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class ScriptedRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Test")
        self.git("config", "user.email", "test@example.com")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "tag.gpgsign", "false")
        self._n = 0

    def git(self, *args: str, when: str | None = None) -> str:
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        if when is not None:
            env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        proc = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=True
        )
        return proc.stdout.strip()

    def commit(self, message: str, when: str, path: str | None = None, content: str | None = None) -> str:
        self._n += 1
        name = path or f"file{self._n}.txt"
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content if content is not None else f"{message}\n{self._n}\n")
        self.git("add", name)
        self.git("commit", "-q", "-m", message, when=when)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, when: str, *, annotated: bool = True) -> None:
        if annotated:
            self.git("tag", "-a", name, "-m", f"release {name}", when=when)
        else:
            self.git("tag", name)
