"""fetch's checks, the runner end to end on a tiny app, and the peer matching (no network)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from bench.realcode.common import App, load_findings, meta_file, result_file
from bench.realcode.fetch import download, sha256_of, unpack
from bench.realcode.peers import PeerFinding, stackaudit_match, verdict_for
from bench.realcode.run import audit


def _sdist(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_cached_archive_with_the_wrong_sha256_is_refused_and_removed(tmp_path: Path) -> None:
    archive = tmp_path / "demo-1.0.tar.gz"
    _sdist(archive, {"demo-1.0/app.py": b"x = 1\n"})
    app = App("demo", "1.0", "judge", "flask", archive.name, "0" * 64)
    with pytest.raises(RuntimeError, match="sha256"):
        download(app, tmp_path)
    assert not archive.exists()


def test_a_cached_archive_with_the_recorded_sha256_is_kept(tmp_path: Path) -> None:
    archive = tmp_path / "demo-1.0.tar.gz"
    _sdist(archive, {"demo-1.0/app.py": b"x = 1\n"})
    app = App("demo", "1.0", "judge", "flask", archive.name, sha256_of(archive))
    assert download(app, tmp_path) == "cached"


def test_unpack_refuses_members_outside_the_target(tmp_path: Path) -> None:
    archive = tmp_path / "evil-1.0.tar.gz"
    _sdist(archive, {"evil-1.0/ok.py": b"", "../escaped.py": b""})
    with pytest.raises(tarfile.TarError):
        unpack(archive, tmp_path / "apps" / "evil-1.0")
    assert not (tmp_path / "escaped.py").exists()


@pytest.mark.slow
def test_run_audits_a_tiny_app_and_records_wall_time(tmp_path: Path) -> None:
    app = App("tiny", "1.0", "judge", "flask", "tiny-1.0.tar.gz", "")
    source = tmp_path / "apps" / "tiny-1.0"
    source.mkdir(parents=True)
    (source / "client.py").write_text("import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n")
    meta = audit(app, tmp_path, jobs=1)
    assert meta["exit_code"] in (0, 1) and float(str(meta["wall_s"])) > 0
    assert json.loads(meta_file(tmp_path, app).read_text())["findings"] == meta["findings"]
    rules = {f["rule_id"] for f in load_findings(result_file(tmp_path, app))}
    assert rules & {"scale.no-timeout", "ruff.S113"}  # the missing timeout is seen: the tree was read


def test_peer_labels_prefer_the_most_specific_entry() -> None:
    labels = [
        {"tool": "bandit", "code": "B602", "verdict": "debatable", "reason": ""},
        {"tool": "bandit", "code": "B602", "path": "a.py", "text": "call(cmd, shell=True)", "verdict": "true", "reason": ""},
        {"tool": "ruff", "code": "S602", "verdict": "false", "reason": ""},
    ]  # fmt: skip
    constant = PeerFinding("bandit", "B602", "a.py", 3, "call('ls', shell=True)")
    variable = PeerFinding("bandit", "B602", "a.py", 4, "call(cmd, shell=True)")
    other = PeerFinding("bandit", "B999", "a.py", 4, "x")
    assert (verdict_for(constant, labels) or {}).get("verdict") == "debatable"
    assert (verdict_for(variable, labels) or {}).get("verdict") == "true"
    assert verdict_for(other, labels) is None


def test_a_peer_case_is_found_when_a_finding_in_the_same_file_covers_its_line() -> None:
    ours = [{"rule_id": "r", "location": {"path": "a.py", "line": 10, "end_line": 12}}]
    assert stackaudit_match(PeerFinding("ruff", "S301", "a.py", 11, ""), ours)
    assert not stackaudit_match(PeerFinding("ruff", "S301", "a.py", 13, ""), ours)
    assert not stackaudit_match(PeerFinding("ruff", "S301", "b.py", 11, ""), ours)
