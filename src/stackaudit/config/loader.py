"""Find, read and validate the configuration.

Order: an explicit file (``--config`` / ``STACKAUDIT_CONFIG``), else ``stackaudit.toml``
at the root, else ``[tool.stackaudit]`` in the root's ``pyproject.toml``, else
defaults. Every error names the file, the key and the problem. When both files hold a
stackaudit config, ``stackaudit.toml`` wins and a warning names both (the other is still
checked, so a typo in it never hides). Rule ids under ``rules`` and analyzer names under
``disable`` are checked against the registry, with the nearest known name suggested.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from stackaudit.config.schema import Config


class ConfigError(Exception):
    """The configuration cannot be used. The message names file and key."""


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """The config, the file it came from (None: defaults) and warnings to show the user."""

    config: Config
    source: Path | None
    warnings: tuple[str, ...] = ()


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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _read_table(path: Path, is_pyproject: bool) -> dict[str, Any]:
    data = _read_toml(path)
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
            lines.append(f"  {key}: {str(err['msg']).removeprefix('Value error, ')}")
    return "\n".join(lines)


def _unknown(names: Iterable[str], known: set[str], key: str) -> list[str]:
    lines = []
    for name in sorted(set(names) - known):
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        lines.append(f"  {key}: unknown {'rule' if key.endswith('rules') else 'analyzer'} {name!r}{hint}")
    return lines


def _check_names(path: Path, prefix: str, config: Config) -> None:
    """Rule ids and analyzer names must exist: a typo would silently change nothing."""
    if not config.rules and not config.disable:
        return  # the registry imports every analyzer: only pay that when there is something to check
    from stackaudit.analyzers import registry

    dot = f"{prefix}." if prefix else ""
    lines = _unknown(config.rules, set(registry.rule_index().rules), f"{dot}rules")
    lines += _unknown(config.disable, {a.name for a in registry.all_analyzers()}, f"{dot}disable")
    if lines:
        raise ConfigError("\n".join([f"{path}: invalid configuration", *lines]))


def _validate(path: Path, is_pyproject: bool) -> Config:
    table = _read_table(path, is_pyproject)
    prefix = "tool.stackaudit" if is_pyproject else ""
    try:
        config = Config.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, prefix, exc)) from None
    _check_names(path, prefix, config)
    return config


def _shadowed(root: Path, used: Path) -> list[str]:
    """A ``[tool.stackaudit]`` in pyproject.toml that ``stackaudit.toml`` hides: warn, and check it."""
    pyproject = root / "pyproject.toml"
    if used.name != "stackaudit.toml" or not pyproject.is_file():
        return []
    tool = _read_toml(pyproject).get("tool", {})
    if not isinstance(tool, dict) or "stackaudit" not in tool:
        return []
    warning = f"{used} is used; [tool.stackaudit] in {pyproject} is ignored (keep one of the two)"
    try:
        _validate(pyproject, True)
    except ConfigError as exc:
        return [f"{warning}; it is also invalid:\n{exc}"]
    return [warning]


def load(root: Path, explicit: Path | None = None) -> LoadedConfig:
    """The config with its source and warnings; raises ``ConfigError`` naming file and key."""
    path, is_pyproject = _locate(root, explicit)
    if path is None:
        return LoadedConfig(Config(), None)
    config = _validate(path, is_pyproject)
    warnings = _shadowed(root, path) if explicit is None else []
    return LoadedConfig(config, path, tuple(warnings))


def load_config(root: Path, explicit: Path | None = None) -> Config:
    return load(root, explicit).config


def config_source(root: Path, explicit: Path | None = None) -> Path | None:
    """The file the config would be read from, for messages."""
    return _locate(root, explicit)[0]
