from __future__ import annotations

import os
import subprocess
from pathlib import Path

from stackaudit.config.schema import Config
from stackaudit.discovery.files import discover
from stackaudit.discovery.languages import language_of
from stackaudit.model import NotAnalysedReason


def _reasons(root: Path, config: Config | None = None) -> dict[str, NotAnalysedReason]:
    return {n.path: n.reason for n in discover(root, config or Config()).not_analysed}


def test_walk_honours_gitignore_and_excludes(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("build/\n*.log\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "x.py").write_text("x = 1\n")
    (tmp_path / "a.log").write_text("log\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "m.js").write_text("1\n")
    found = {f.path for f in discover(tmp_path, Config()).files}
    assert found == {".gitignore", "app.py"}


def test_git_ls_files_includes_untracked_not_ignored(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("secret.txt\n")
    (tmp_path / "secret.txt").write_text("x\n")
    (tmp_path / "new.py").write_text("x = 1\n")
    d = discover(tmp_path, Config())
    assert d.is_git
    assert {f.path for f in d.files} == {".gitignore", "new.py"}


def test_oversized_and_symlinks_recorded(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("secret\n")
    os.symlink(outside, tmp_path / "leak.txt")
    os.symlink(tmp_path / "loop_a", tmp_path / "loop_b")
    os.symlink(tmp_path / "loop_b", tmp_path / "loop_a")
    reasons = _reasons(tmp_path, Config(max_file_size=100))
    assert reasons["big.py"] == NotAnalysedReason.TOO_LARGE
    assert reasons["leak.txt"] == NotAnalysedReason.SYMLINK_OUTSIDE
    assert reasons["loop_a"] == NotAnalysedReason.SYMLINK_LOOP


def test_include_glob(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("x = 1\n")
    assert {f.path for f in discover(tmp_path, Config(include=["src/**"])).files} == {"src/a.py"}


def test_languages_table() -> None:
    assert language_of("a/b.py") == "python"
    assert language_of("Dockerfile") == "dockerfile"
    assert language_of("deploy/Dockerfile.prod") == "dockerfile"
    assert language_of(".env.production") == "dotenv"
    assert language_of("requirements-dev.txt") == "requirements"
    assert language_of("x.unknown") == "text"


def test_tree_ignored_by_enclosing_repo_is_walked(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("vendor/\n")
    vendored = tmp_path / "vendor" / "lib"
    vendored.mkdir(parents=True)
    (vendored / "mod.py").write_text("x = 1\n")
    d = discover(vendored, Config())
    assert not d.is_git
    assert [f.path for f in d.files] == ["mod.py"]
