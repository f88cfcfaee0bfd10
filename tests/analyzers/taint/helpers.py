"""Run the taint analyzer over real files, through its public RepoAnalyzer interface."""

from __future__ import annotations

from pathlib import Path

from stackaudit.analyzers.base import RepoContext, RepoResult, SourceFile
from stackaudit.analyzers.taint import TaintAnalyzer
from stackaudit.config.schema import Config
from stackaudit.config.sections.taint import TaintConfig


def run_taint(root: Path, config: TaintConfig | None = None) -> RepoResult:
    files = tuple(
        SourceFile(p.relative_to(root).as_posix(), p, p.stat().st_size, "python")
        for p in sorted(root.rglob("*.py"))
    )
    cfg = Config(taint=config) if config is not None else Config()
    return TaintAnalyzer().analyze_repo(RepoContext(root, files, cfg, is_git=False))


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
