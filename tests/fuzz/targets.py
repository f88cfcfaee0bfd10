"""Every parser that reads a user's files, as a fuzz target: seed inputs and the call.

A target's ``call(text, workdir)`` must return, or raise one of ``allowed`` (the parser's
documented "bad input" error, which the caller turns into a "not analysed" entry). Anything
else is a crash; running past ``HANG_SECONDS`` is a hang.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stackaudit.analyzers.base import FileInput, NotAnalysable, SourceFile
from stackaudit.config.loader import ConfigError
from stackaudit.config.schema import Config

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
HANG_SECONDS = 10.0  # the per-file bound the runner gives an analyzer (Config.file_timeout_s order)
CONFIG = Config()


@dataclass(frozen=True)
class Target:
    name: str
    seeds: tuple[str, ...]
    call: Callable[[str, Path], object]
    allowed: tuple[type[BaseException], ...] = ()


def _read(*globs: str) -> tuple[str, ...]:
    texts = []
    for pattern in globs:
        for path in sorted(ROOT.glob(pattern))[:12]:
            try:
                texts.append(path.read_text(encoding="utf-8")[:20_000])
            except (OSError, UnicodeDecodeError):
                continue
    return tuple(texts) or ("",)


def _file_analyzers(text: str, workdir: Path) -> object:
    from stackaudit.analyzers.registry import file_analyzers

    results = []
    for analyzer in file_analyzers():
        source = FileInput(SourceFile("pkg/views.py", workdir / "views.py", len(text), "python"), text)
        results.append(analyzer().analyze(source, CONFIG))
    return results


def _audit_trail(text: str, workdir: Path) -> object:
    from stackaudit.analyzers.audit_trail.analyzer import audit_files

    (workdir / "views.py").write_text(text, encoding="utf-8", errors="strict")
    files = [SourceFile("views.py", workdir / "views.py", len(text), "python")]
    return audit_files(files, CONFIG)


def _dependency_file(name: str) -> Callable[[str, Path], object]:
    def call(text: str, workdir: Path) -> object:
        from stackaudit.inventory.deps import parse_file

        (workdir / name).write_text(text, encoding="utf-8", errors="strict")
        parsed = parse_file(workdir, name)
        for dep in parsed.dependencies:
            assert dep.name, "a dependency without a name"
        return parsed.graph().paths()

    return call


def _config(name: str) -> Callable[[str, Path], object]:
    def call(text: str, workdir: Path) -> object:
        from stackaudit.config.loader import load_config

        for stale in ("pyproject.toml", "stackaudit.toml"):
            (workdir / stale).unlink(missing_ok=True)
        (workdir / name).write_text(text, encoding="utf-8", errors="strict")
        return load_config(workdir)

    return call


def _codeowners(text: str, workdir: Path) -> object:
    from stackaudit.inventory.codeowners import CodeOwners

    owners = CodeOwners.parse(text)
    return [owners.owners_for(p) for p in ("src/app.py", "docs/x.md", "a/b/c/d.txt")]


def _osv(text: str, workdir: Path) -> object:
    from stackaudit.vulndb.sources import parse_records

    batch = parse_records(
        [
            ("GHSA-x.json", text.encode("utf-8", "strict")),
            ("PYSEC-x.yaml", text.encode("utf-8", "strict")),
        ]
    )
    return batch.rows


def _kev(text: str, workdir: Path) -> object:
    from stackaudit.vulndb.osv import SchemaError
    from stackaudit.vulndb.sources import read_kev

    try:
        data = json.loads(text)
    except ValueError:
        return None  # not JSON: the importer says so before read_kev
    try:
        return read_kev(data) if isinstance(data, dict) else None
    except SchemaError:
        return None


def _epss(text: str, workdir: Path) -> object:
    from stackaudit.vulndb.sources import EpssData, read_epss_text

    data = EpssData()
    read_epss_text(text, data)
    return data


def _workflow(text: str, workdir: Path) -> object:
    from stackaudit.analyzers.ci.sbom import check_workflow

    return check_workflow(".github/workflows/ci.yml", text)


def _dockerfile(text: str, workdir: Path) -> object:
    from stackaudit.analyzers.ci.docker import check_dockerfile
    from stackaudit.analyzers.ci.hashes import check_installs

    return check_dockerfile("Dockerfile", text), check_installs("Dockerfile", text, frozenset())


def _lock_hashes(text: str, workdir: Path) -> object:
    from stackaudit.analyzers.ci.hashes import check_lockfile

    return [
        check_lockfile(name, text) for name in ("requirements.txt", "poetry.lock", "Pipfile.lock", "uv.lock")
    ]


PY_SEEDS = _read(
    "tests/analyzers/python/fixtures/*/positive/*.py",
    "tests/analyzers/taint/**/*.py",
    "tests/analyzers/audit_trail/fixtures/positive/*.py",
    "examples/shop/shop/*.py",
)

TARGETS: tuple[Target, ...] = (
    Target("python: file analyzers", PY_SEEDS, _file_analyzers, (NotAnalysable,)),
    Target("python: audit-trail", PY_SEEDS, _audit_trail),
    Target(
        "requirements.txt",
        _read("tests/inventory/fixtures/reqs/*.txt", "examples/shop/requirements.txt"),
        _dependency_file("requirements.txt"),
    ),
    Target("poetry.lock", _read("tests/inventory/fixtures/*/poetry.lock"), _dependency_file("poetry.lock")),
    Target("uv.lock", _read("tests/inventory/fixtures/uv/uv.lock"), _dependency_file("uv.lock")),
    Target("pdm.lock", _read("tests/inventory/fixtures/pdm/pdm.lock"), _dependency_file("pdm.lock")),
    Target(
        "Pipfile.lock",
        _read("tests/inventory/fixtures/pipenv/Pipfile.lock"),
        _dependency_file("Pipfile.lock"),
    ),
    Target("Pipfile", _read("tests/inventory/fixtures/pipenv/Pipfile"), _dependency_file("Pipfile")),
    Target(
        "pyproject.toml (deps)",
        _read("tests/inventory/fixtures/*/pyproject.toml"),
        _dependency_file("pyproject.toml"),
    ),
    Target(
        "package-lock.json",
        _read("tests/inventory/fixtures/npm*/package-lock.json"),
        _dependency_file("package-lock.json"),
    ),
    Target(
        "package.json", _read("tests/inventory/fixtures/npm2/package.json"), _dependency_file("package.json")
    ),
    Target(
        "pnpm-lock.yaml",
        _read("tests/inventory/fixtures/pnpm/pnpm-lock.yaml"),
        _dependency_file("pnpm-lock.yaml"),
    ),
    Target("yarn.lock", _read("tests/inventory/fixtures/yarn*/yarn.lock"), _dependency_file("yarn.lock")),
    Target("bun.lock", _read("tests/inventory/workspaces/bun/bun.lock"), _dependency_file("bun.lock")),
    Target("go.mod", _read("tests/inventory/fixtures/gomod/go.mod"), _dependency_file("go.mod")),
    Target(
        "stackaudit.toml", _read("examples/shop/stackaudit.toml"), _config("stackaudit.toml"), (ConfigError,)
    ),
    Target("pyproject.toml (config)", _read("pyproject.toml"), _config("pyproject.toml"), (ConfigError,)),
    Target(
        "CODEOWNERS",
        (
            *_read("tests/inventory/**/CODEOWNERS", ".github/CODEOWNERS"),
            "* @org/all\n/src/ @a @b\n*.md docs@x.io\n",
        ),
        _codeowners,
    ),
    Target(
        "OSV record", _read("tests/**/osv/**/*.json", "tests/**/*GHSA*.json", "tests/**/*PYSEC*.yaml"), _osv
    ),
    Target(
        "KEV catalog",
        (
            json.dumps(
                {
                    "dateReleased": "2026-01-01T00:00:00Z",
                    "vulnerabilities": [
                        {
                            "cveID": "CVE-2021-44228",
                            "knownRansomwareCampaignUse": "Known",
                            "dateAdded": "2021-12-10",
                            "vulnerabilityName": "Log4Shell",
                        }
                    ],
                }
            ),
        ),
        _kev,
    ),
    Target(
        "EPSS",
        (
            "#model_version:v2025.03.14,score_date:2026-01-01T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.94,0.99\nCVE-2023-4863;0.5;0.9\n",
        ),
        _epss,
    ),
    Target(
        "GitHub workflow",
        _read(
            "tests/analyzers/ci/fixtures/corpus/**/*.yml",
            "tests/analyzers/external/**/*.yml",
            ".github/workflows/*.yml",
        ),
        _workflow,
        (NotAnalysable,),
    ),
    Target(
        "Dockerfile",
        (
            *_read("tests/analyzers/ci/fixtures/corpus/**/Dockerfile*"),
            "FROM python:3.12@sha256:" + "a" * 64 + "\nRUN pip install -r requirements.txt\n",
        ),
        _dockerfile,
    ),
    Target(
        "lock hashes",
        _read("tests/inventory/fixtures/*/poetry.lock", "tests/inventory/fixtures/reqs/*.txt"),
        _lock_hashes,
        (NotAnalysable,),
    ),
)
