"""File name → language. A table, not a guess from content."""

from __future__ import annotations

from pathlib import PurePosixPath

_BY_SUFFIX: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
    ".conf": "ini",
    ".properties": "ini",
    ".sh": "shell",
    ".bash": "shell",
    ".zsh": "shell",
    ".ipynb": "notebook",
    ".tf": "terraform",
    ".tfvars": "terraform",
    ".hcl": "terraform",
    ".sql": "sql",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".go": "go",
    ".md": "markdown",
    ".rst": "text",
    ".txt": "text",
    ".xml": "xml",
    ".html": "html",
    ".htm": "html",
    ".jinja": "html",
    ".j2": "html",
    ".lock": "lock",
    ".env": "dotenv",
    ".pem": "pem",
    ".key": "pem",
}

_BY_NAME: dict[str, str] = {
    "dockerfile": "dockerfile",
    "containerfile": "dockerfile",
    "makefile": "make",
    ".env": "dotenv",
    "codeowners": "codeowners",
    "go.mod": "gomod",
    "go.sum": "gosum",
    "pipfile": "toml",
}


def language_of(path: str) -> str:
    p = PurePosixPath(path)
    name = p.name.lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.startswith(("dockerfile.", "containerfile.")) or name.endswith(".dockerfile"):
        return "dockerfile"
    if name.startswith(".env.") or name.endswith(".env"):
        return "dotenv"
    if name.startswith("requirements") and name.endswith((".txt", ".in")):
        return "requirements"
    return _BY_SUFFIX.get(p.suffix.lower(), "text")
