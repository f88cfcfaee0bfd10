"""An audit whose config has ``[dora]``: DORA in its JSON (schema-valid), Markdown and HTML reports,
stored with the run; bad DORA input never fails the audit; the config section is validated."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from stackaudit.config.loader import ConfigError, load_config
from stackaudit.config.sections.dora import KNOWN_BAND_YEARS
from stackaudit.governance.dora import bands
from stackaudit.report.json_v1 import load_schema
from stackaudit.storage.store import Store, default_url, project_key
from tests.governance.gitrepo import ScriptedRepo
from tests.governance.test_dora import _cli

HOSTILE_GLOB = "v*<script>*"


def _repo(root: Path, config: str) -> ScriptedRepo:
    repo = ScriptedRepo(root)
    repo.commit("init", "2025-01-01T00:00:00Z", "app.py", "import os\n")
    repo.tag("v1<script>a", "2025-01-02T00:00:00Z")
    repo.commit("feature", "2025-01-05T00:00:00Z", "app.py", "import os\nimport sys\n")
    repo.tag("v2<script>b", "2025-01-06T00:00:00Z")  # lead time 1 day
    (root / "stackaudit.toml").write_text(config)
    return repo


def _audit(root: Path, *extra: str) -> tuple[int, str]:
    out = [root.parent / f"{root.name}.{s}" for s in ("json", "md", "html")]
    args = ["audit", ".", "--only", "python-rules", "--fail-on", "none"]
    for fmt, path in zip(("json", "markdown", "html"), out, strict=True):
        args += ["--format", fmt, "--output", str(path)]
    proc = _cli(*args, *extra, cwd=root)
    return proc.returncode, proc.stderr


def test_audit_with_dora_config_reports_and_stores_it_with_the_run(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    _repo(root, f'[dora]\ntags = "{HOSTILE_GLOB}"\nmonths = 120\nband_year = 2023\n')
    code, err = _audit(root)
    assert code == 0, err
    doc = json.loads((tmp_path / "svc.json").read_text())
    jsonschema.validate(doc, load_schema())
    dora = doc["dora"]
    assert (dora["band_year"], dora["window"]["deployments"], dora["window"]["changes"]) == (2023, 2, 1)
    assert dora["window"]["lead_time_median_s"] == 86400
    assert dora["source"] == f"annotated git tags matching '{HOSTILE_GLOB}'"
    with Store.open(default_url(root)) as store:
        stored = store.latest_dora(project_key(root))
    assert stored is not None and stored.run_id == doc["run"]["id"]
    assert stored.result.window.lead_time_median is not None
    assert stored.result.window.lead_time_median.total_seconds() == 86400
    markdown = (tmp_path / "svc.md").read_text()
    assert "## DORA metrics" in markdown and "DORA 2023 report" in markdown and "<script>" not in markdown
    html = (tmp_path / "svc.html").read_text()
    section = html.split('<section id="dora">', 1)[1].split("</section>", 1)[0]
    assert "<script" not in section and "v*&lt;script&gt;*" in section
    assert "median 1d, p90 1d" in section and "(2023)" in section


def test_bad_dora_input_is_reported_and_the_audit_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    _repo(root, '[dora]\ndeploys = "missing.csv"\n')
    code, err = _audit(root)
    assert code == 0
    assert "DORA ([dora] in the config) not computed" in err and "missing.csv" in err
    doc = json.loads((tmp_path / "svc.json").read_text())
    assert "dora" not in doc and doc["run"]["id"]
    with Store.open(default_url(root)) as store:
        assert store.latest_dora(project_key(root)) is None
        assert len(store.runs(project_key(root))) == 1


def test_an_audit_without_the_section_has_no_dora(tmp_path: Path) -> None:
    root = tmp_path / "svc"
    _repo(root, "")
    assert _audit(root)[0] == 0
    assert "dora" not in json.loads((tmp_path / "svc.json").read_text())
    assert '<section id="dora">' not in (tmp_path / "svc.html").read_text()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('tags = "v*"\ndeploys = "d.csv"', "dora: give exactly one of tags"),
        ("months = 3", "dora: give exactly one of tags"),
        (
            'tags = "v*"\nband_year = 2019',
            "dora.band_year: no DORA bands for 2019 (known report years: 2023, 2024)",
        ),
        ('deploys = "../d.csv"', "dora.deploys: '../d.csv': give a path inside the audited directory"),
        ('tags = "v*"\nmonths = 0', "dora.months"),
        ('tags = "v*"\nwindow = 3', "dora.window: unknown key"),
    ],
)
def test_config_section_errors_name_the_file_and_key(tmp_path: Path, section: str, message: str) -> None:
    (tmp_path / "stackaudit.toml").write_text(f"[dora]\n{section}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "stackaudit.toml" in str(caught.value) and message in str(caught.value)


def test_config_band_years_are_the_band_tables() -> None:
    assert set(KNOWN_BAND_YEARS) == set(bands.BAND_TABLES)
