"""Find, read and validate the configuration.

Order: an explicit file (``--config`` / ``STACKAUDIT_CONFIG``), else ``stackaudit.toml``
at the root, else ``[tool.stackaudit]`` in the root's ``pyproject.toml``, else
defaults. Every error names the file, the key and the problem.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from stackaudit.config.schema import Config


class ConfigError(Exception):
    """The configuration cannot be used. The message names file and key."""


def _locate(root: Path, explicit: Path | None) -> tuple[Path | None, bool]:
    """Return (file, is_pyproject)."""
    if explicit is not None:
        return explicit, explicit.name == "pyproject.toml"
    own = root / "stackaudit.toml"
    if own.is_file():
        return own, False
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        return pyproject, True
    return None, False


def _read_table(path: Path, is_pyproject: bool) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if is_pyproject:
        table = data.get("tool", {}).get("stackaudit", {})
        return table if isinstance(table, dict) else {}
    # stackaudit.toml may use a bare table or the [tool.stackaudit] form.
    nested = data.get("tool", {}).get("stackaudit") if isinstance(data.get("tool"), dict) else None
    return nested if isinstance(nested, dict) else data


def _format_errors(path: Path, prefix: str, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration"]
    for err in exc.errors():
        key = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        if err["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key")
        else:
            lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)


def load_config(root: Path, explicit: Path | None = None) -> Config:
    path, is_pyproject = _locate(root, explicit)
    if path is None:
        return Config()
    table = _read_table(path, is_pyproject)
    prefix = "tool.stackaudit" if is_pyproject else ""
    try:
        return Config.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, prefix, exc)) from None


def config_source(root: Path, explicit: Path | None = None) -> Path | None:
    """The file the config would be read from, for messages."""
    return _locate(root, explicit)[0]
