"""An installed Python environment, read from its ``*.dist-info`` metadata.

The site-packages directory is located from the path; only when that fails is the
user's interpreter run, to print ``sysconfig.get_paths()`` (it never imports anything
from the environment being described).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from packaging.markers import InvalidMarker, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement

from stackaudit.inventory.deps.model import Dependency, Ecosystem, ParsedFile, Problem, normalise_name

_PROBE = "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"


class EnvironmentNotReadable(ValueError):
    """The path is not a Python environment we can read."""


def _from_layout(path: Path) -> list[Path]:
    base = path.parent.parent if path.is_file() else path
    if any(base.glob("*.dist-info")):
        return [base]
    found = sorted(base.glob("lib/python3*/site-packages")) + sorted(base.glob("Lib/site-packages"))
    return [p for p in found if p.is_dir()]


def site_packages(python: Path, timeout: float = 20.0) -> list[Path]:
    """Return the site-packages directories of an interpreter, venv root or site-packages dir."""
    if not python.exists():
        raise EnvironmentNotReadable(f"{python}: no such file or directory")
    found = _from_layout(python)
    if found or not python.is_file():
        if not found:
            raise EnvironmentNotReadable(f"{python}: no site-packages or *.dist-info found")
        return found
    try:
        out = subprocess.run(
            # -I: no user site, no environment variables; -S: no `site`, so the
            # environment's .pth files (which may run code) are never processed.
            [str(python), "-I", "-S", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
            cwd=python.parent,
        ).stdout
        paths = json.loads(out)
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
        raise EnvironmentNotReadable(f"{python}: cannot ask the interpreter for its paths: {exc}") from None
    dirs = {Path(paths[k]) for k in ("purelib", "platlib") if k in paths}
    return sorted(d for d in dirs if d.is_dir())


def _headers(text: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    last = ""
    for line in text.splitlines():
        if not line:
            break
        if line[0] in " \t" and last:
            fields[last][-1] += "\n" + line.strip()
            continue
        key, _, value = line.partition(":")
        last = key.strip().lower()
        fields.setdefault(last, []).append(value.strip())
    return fields


def _licence(fields: dict[str, list[str]]) -> str | None:
    if fields.get("license-expression"):
        return fields["license-expression"][0]
    classifiers = [
        c.rsplit("::", 1)[1].strip() for c in fields.get("classifier", []) if c.startswith("License ::")
    ]
    if classifiers:
        return " OR ".join(classifiers)
    text = (fields.get("license") or [""])[0].strip()
    return text.splitlines()[0][:120] if text and text.upper() != "UNKNOWN" else None


def _requires(fields: dict[str, list[str]]) -> list[str]:
    names = []
    for spec in fields.get("requires-dist", []):
        try:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
        except (InvalidRequirement, InvalidMarker, UndefinedEnvironmentName):
            continue
        names.append(normalise_name(Ecosystem.PYPI, req.name))
    return names


def _kind(dist: Path) -> str:
    direct = dist / "direct_url.json"
    if not direct.is_file():
        return "registry"
    try:
        data = json.loads(direct.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "url"
    if data.get("dir_info", {}).get("editable"):
        return "editable"
    return "vcs" if "vcs_info" in data else "path" if str(data.get("url", "")).startswith("file:") else "url"


def read_dist(dist: Path, label: str) -> tuple[Dependency, list[str]]:
    fields = _headers((dist / "METADATA").read_text(encoding="utf-8", errors="replace"))
    name, version = fields.get("name", [""])[0], fields.get("version", [""])[0]
    if not name or not version:
        raise EnvironmentNotReadable(f"{dist.name}: METADATA lacks Name or Version")
    top = dist / "top_level.txt"
    top_level = tuple(t for t in top.read_text().split() if t) if top.is_file() else ()
    dep = Dependency(
        name=name,
        ecosystem=Ecosystem.PYPI,
        source=label,
        version=version,
        direct=False,
        licence=_licence(fields),
        kind=_kind(dist),
        top_level=top_level,
    )
    return dep, _requires(fields)


def parse_environment(python: Path) -> ParsedFile:
    """Every installed distribution, with Requires-Dist edges; roots are the 'direct' ones."""
    label = f"environment:{python}"
    deps: list[Dependency] = []
    edges: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for site in site_packages(python):
        for dist in sorted(site.glob("*.dist-info")):
            try:
                dep, children = read_dist(dist, label)
            except (OSError, EnvironmentNotReadable) as exc:
                problems.append(Problem(f"{label}/{dist.name}", "malformed", str(exc)))
                continue
            deps.append(dep)
            edges += [(dep.key, c) for c in children]
    if not deps and not problems:
        raise EnvironmentNotReadable(f"{python}: no installed distributions found")
    return ParsedFile(
        path=label,
        kind="environment",
        dependencies=tuple(deps),
        edges=tuple(edges),
        problems=tuple(problems),
        is_lock=True,
        has_licences=True,
    )
