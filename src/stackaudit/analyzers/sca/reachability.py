"""Reachability: which top-level modules the audited code imports (``ast`` only, never imported)."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from stackaudit.inventory.deps.model import Dependency, Ecosystem

# Distributions whose import name differs from their name (explicit table; top_level.txt wins).
IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    "pyyaml": ("yaml",),
    "pillow": ("PIL",),
    "beautifulsoup4": ("bs4",),
    "scikit-learn": ("sklearn",),
    "python-dateutil": ("dateutil",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "psycopg2-binary": ("psycopg2",),
    "psycopg-binary": ("psycopg",),
    "pyjwt": ("jwt",),
    "pycryptodome": ("Crypto",),
    "pymysql": ("pymysql",),
    "python-multipart": ("multipart",),
    "protobuf": ("google",),
    "attrs": ("attr", "attrs"),
    "setuptools": ("setuptools", "pkg_resources"),
    "msgpack-python": ("msgpack",),
    "python-jose": ("jose",),
    "djangorestframework": ("rest_framework",),
    "pyopenssl": ("OpenSSL",),
    "dnspython": ("dns",),
    "gitpython": ("git",),
}


def import_names(dep: Dependency) -> tuple[str, ...]:
    if dep.top_level:
        return dep.top_level
    return IMPORT_NAMES.get(dep.key, (dep.key.replace("-", "_"),))


@dataclass(frozen=True, slots=True)
class ImportIndex:
    """Top-level module name -> first file importing it."""

    modules: dict[str, str]
    files_scanned: int

    @classmethod
    def scan(cls, root: Path, paths: Iterable[str], max_size: int = 2_000_000) -> ImportIndex:
        modules: dict[str, str] = {}
        count = 0
        for rel in paths:
            try:
                source = (root / rel).read_bytes()
                if len(source) > max_size:
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(source)
            except (OSError, SyntaxError, ValueError, RecursionError):
                continue
            count += 1
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    modules.setdefault(name.split(".", 1)[0], rel)
        return cls(modules, count)

    def reachable(self, dep: Dependency) -> tuple[bool | None, str]:
        """(reachable, reason). Unknown for non-Python packages or when there is no code to scan."""
        if dep.ecosystem != Ecosystem.PYPI or not self.files_scanned:
            return None, "reachability unknown (no Python code scanned)"
        for name in import_names(dep):
            if name in self.modules:
                return True, f"imported as {name!r} in {self.modules[name]}"
        if not dep.direct:
            return None, "transitive dependency, not imported directly (may be used by its parent)"
        return False, f"not imported by the audited code (looked for {', '.join(import_names(dep))})"
