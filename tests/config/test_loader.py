from __future__ import annotations

from pathlib import Path

import pytest

from stackaudit.config.loader import ConfigError, load_config


def test_defaults_without_file(tmp_path: Path) -> None:
    assert load_config(tmp_path).max_file_size == 2_000_000


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.stackaudit]\nfail_on = "score>=20"\n[tool.stackaudit.slo.orders]\nendpoint = "GET /orders"\np95_ms = 250\n'
    )
    cfg = load_config(tmp_path)
    assert cfg.fail_on == "score>=20"
    assert cfg.slo["orders"].p95_ms == 250


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text("[taint]\nmax_call_dept = 3\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert "stackaudit.toml" in str(err.value)
    assert "taint.max_call_dept: unknown key" in str(err.value)


def test_bad_value_names_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.stackaudit]\nmax_file_size = -5\n")
    with pytest.raises(ConfigError, match=r"tool\.stackaudit\.max_file_size"):
        load_config(tmp_path)


def test_broken_toml(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text("[unclosed\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(tmp_path)


def test_ignore_needs_reason(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text('[[ignore]]\nrule = "perf.*"\nreason = " "\n')
    with pytest.raises(ConfigError, match=r"ignore\.0\.reason"):
        load_config(tmp_path)
