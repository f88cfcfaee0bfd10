"""Shared facts of the real-code evaluation: where the cache is, which apps, how a finding is keyed.

The cache (downloaded sdists, unpacked sources, audit results) is never committed: by default
``.cache/realcode/`` in the repository root (git-ignored), or the directory named by
``STACKAUDIT_REALCODE_CACHE``. Labels and the last scored summary are committed beside this file.
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
CACHE_ENV = "STACKAUDIT_REALCODE_CACHE"
APPS_FILE = HERE / "apps.toml"
LABELS_DIR = HERE / "labels"
SUMMARY_FILE = HERE / "last_scored.json"
SAMPLE_SEED = 8  # issue 8: the random half of each app's sample is drawn with this seed
TOP_N = 20
RANDOM_N = 20

if str(REPO_ROOT / "src") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "src"))

from stackaudit.model.fingerprint import normalise_snippet  # noqa: E402


@dataclass(frozen=True, slots=True)
class App:
    """One pinned source distribution of the review set (or a peer tool)."""

    name: str
    version: str
    half: str  # build | judge | peer
    framework: str
    filename: str
    sha256: str

    @property
    def dirname(self) -> str:
        """The sdist's top-level directory (``name-version`` as the archive spells it)."""
        for suffix in (".tar.gz", ".zip"):
            if self.filename.endswith(suffix):
                return self.filename[: -len(suffix)]
        return f"{self.name}-{self.version}"  # a wheel has no top-level directory: we make one


def cache_dir(env: dict[str, str] | None = None) -> Path:
    """The cache root: the environment variable when set, else ``.cache/realcode`` in the repo."""
    import os

    value = (env if env is not None else dict(os.environ)).get(CACHE_ENV, "")
    return Path(value).expanduser() if value else REPO_ROOT / ".cache" / "realcode"


def load_apps(path: Path = APPS_FILE, table: str = "app") -> list[App]:
    """Read the pinned list; ``table`` is ``app`` for the review set or ``peer`` for the peers."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [App(**entry) for entry in data.get(table, [])]


def select(apps: list[App], names: list[str] | None) -> list[App]:
    """Keep the named apps (all when no names), failing loudly on an unknown name."""
    if not names:
        return apps
    known = {a.name: a for a in apps}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown app(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]


def app_source(cache: Path, app: App) -> Path:
    return cache / "apps" / app.dirname


def result_file(cache: Path, app: App) -> Path:
    return cache / "results" / f"{app.name}.json"


def meta_file(cache: Path, app: App) -> Path:
    return cache / "results" / f"{app.name}.meta.json"


def label_key(rule: str, path: str, code: str) -> tuple[str, str, str]:
    """A label's identity: rule, path and normalised code; never the line, so labels survive edits."""
    return (rule, path.replace("\\", "/"), normalise_snippet(code))


def finding_key(finding: dict[str, Any]) -> tuple[str, str, str]:
    """The same identity for a finding of the JSON report (the fingerprint's inputs, minus occurrence)."""
    code = finding.get("snippet") or finding.get("message") or ""
    return label_key(str(finding["rule_id"]), str(finding["location"]["path"]), str(code))


def load_findings(path: Path) -> list[dict[str, Any]]:
    """The findings of a stored JSON report, highest score first (ties keep the report's order)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    findings: list[dict[str, Any]] = list(data.get("findings", []))
    return sorted(findings, key=lambda f: -float((f.get("score") or {}).get("value") or 0.0))
