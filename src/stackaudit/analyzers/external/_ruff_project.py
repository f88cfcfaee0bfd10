"""What the audited project decided about ruff: its ignores and its Python version.

We choose which rules ruff runs (``SELECT``); the project decides where they do not
apply. ruff's own configuration handles ``per-file-ignores`` and ``# noqa`` when we run
it without ``--isolated``, but a ``--select`` on the command line replaces the
configuration's rule selection *including its ``ignore`` list* (ruff 0.17: the CLI is a
later layer, and ignores carry over only from layers without a ``select``). So the
project's ``ignore``/``extend-ignore`` are read here and passed back as
``--extend-ignore``. Only the root configuration is read (nested ``ruff.toml`` files
keep their per-file-ignores, which ruff applies itself; ``extend = ...`` is not followed).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_CONFIGS = (".ruff.toml", "ruff.toml", "pyproject.toml")  # ruff's own precedence
_LOWER_BOUND = re.compile(r"(?:>=|~=|==|\^|>)\s*3\.(\d+)")
_OLDEST, _NEWEST = 7, 14  # the versions ruff accepts for --target-version
_CODE = re.compile(r"^[A-Z]+[0-9]*$")


@dataclass(frozen=True, slots=True)
class ProjectRuff:
    config: str | None  # the root config file ruff will read, repo-relative; None: none
    ignores: tuple[str, ...] = ()  # rule selectors the project switched off
    target: str | None = None  # "py310", from requires-python
    error: str = ""  # why the configuration cannot be read (then ruff runs --isolated)


def target_version(requires_python: str) -> str | None:
    """The lowest Python a ``requires-python`` specifier allows, as ruff's ``pyXY``."""
    minors = [int(m) for m in _LOWER_BOUND.findall(requires_python)]
    if not minors:
        return None
    return f"py3{min(max(min(minors), _OLDEST), _NEWEST)}"


def _ruff_table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        table = tool.get("ruff") if isinstance(tool, dict) else None
        return table if isinstance(table, dict) else None
    return data


def _ignores(table: dict[str, Any]) -> tuple[str, ...]:
    lint = table.get("lint")
    lint = lint if isinstance(lint, dict) else {}
    found: list[str] = []
    for scope in (table, lint):
        for key in ("ignore", "extend-ignore"):
            value = scope.get(key)
            if isinstance(value, list):
                found += [str(v).strip().upper() for v in value if _CODE.match(str(v).strip().upper())]
    return tuple(dict.fromkeys(found))


def _requires_python(root: Path) -> str | None:
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    project = data.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    if isinstance(spec, str):
        return target_version(spec)
    poetry = data.get("tool", {}).get("poetry", {})
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    spec = deps.get("python") if isinstance(deps, dict) else None
    return target_version(spec) if isinstance(spec, str) else None


def read_project(root: Path) -> ProjectRuff:
    target = _requires_python(root)
    for name in _CONFIGS:
        path = root / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            return ProjectRuff(name, target=target, error=f"{name}: {type(exc).__name__}")
        except tomllib.TOMLDecodeError as exc:
            return ProjectRuff(name, target=target, error=f"{name}: invalid TOML ({exc})")
        table = _ruff_table(path, data)
        if table is None:
            continue  # a pyproject.toml without [tool.ruff]: ruff ignores it too
        return ProjectRuff(name, _ignores(table), target)
    return ProjectRuff(None, target=target)
