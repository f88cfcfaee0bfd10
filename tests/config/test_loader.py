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


def test_both_files_warn_naming_the_one_used(tmp_path: Path) -> None:
    from stackaudit.config.loader import load

    (tmp_path / "stackaudit.toml").write_text('fail_on = "low"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.stackaudit]\nfail_on = "critical"\n')
    loaded = load(tmp_path)
    assert loaded.config.fail_on == "low"
    assert loaded.source == tmp_path / "stackaudit.toml"
    assert len(loaded.warnings) == 1
    assert "stackaudit.toml is used" in loaded.warnings[0]
    assert "pyproject.toml is ignored" in loaded.warnings[0]


def test_the_ignored_pyproject_is_still_checked(tmp_path: Path) -> None:
    from stackaudit.config.loader import load

    (tmp_path / "stackaudit.toml").write_text('fail_on = "low"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.stackaudit]\nfail_onn = "critical"\n')
    (warning,) = load(tmp_path).warnings
    assert "tool.stackaudit.fail_onn: unknown key" in warning
    (tmp_path / "pyproject.toml").write_text("[tool.stackaudit\n")
    with pytest.raises(ConfigError, match=r"pyproject\.toml: invalid TOML"):
        load(tmp_path)


def test_misspelt_fail_on_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text('fail_on = "hihg"\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert "stackaudit.toml" in str(err.value)
    assert "fail_on: unknown severity 'hihg'" in str(err.value)


def test_unknown_rule_and_analyzer_names_are_errors_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.stackaudit]\ndisable = ["secret"]\n[tool.stackaudit.rules."scale.no-timeouts"]\nimpact = 3\n'
    )
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    text = str(err.value)
    assert "pyproject.toml" in text
    assert (
        "tool.stackaudit.rules: unknown rule 'scale.no-timeouts' (did you mean 'scale.no-timeout'?)" in text
    )
    assert "tool.stackaudit.disable: unknown analyzer 'secret' (did you mean 'secrets'?)" in text


def test_rule_severity_must_be_a_severity(tmp_path: Path) -> None:
    (tmp_path / "stackaudit.toml").write_text('[rules."scale.no-timeout"]\nseverity = "urgent"\n')
    with pytest.raises(ConfigError, match=r"rules\.scale\.no-timeout\.severity: unknown severity"):
        load_config(tmp_path)


def test_cache_key_of_an_analyzer_covers_only_its_own_section() -> None:
    from stackaudit.config.schema import Config

    base = Config()
    assert base.section_hash(None) == Config(fail_on="low").section_hash(None)
    assert base.section_hash(("taint",)) == Config.model_validate(
        {"secrets": {"min_entropy": 4.9}}
    ).section_hash(("taint",))
    changed = Config.model_validate({"taint": {"max_call_depth": 2}})
    assert base.section_hash(("taint",)) != changed.section_hash(("taint",))
    assert base.section_hash(None) != changed.section_hash(None)
