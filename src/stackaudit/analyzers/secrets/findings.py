"""Turning ``SecretMatch``es into findings (shared by the tree, staged and history modes)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

import pathspec

from stackaudit.analyzers.secrets.placeholders import PlaceholderPolicy
from stackaudit.analyzers.secrets.scanner import Scanner, ScanSettings, SecretMatch
from stackaudit.config.schema import Config
from stackaudit.model import CodeContext, Finding, Location, Severity

CONFIG_LANGUAGES = frozenset(
    {"yaml", "json", "toml", "ini", "dotenv", "dockerfile", "terraform", "requirements", "lock", "pem"}
)
_TEST_PARTS = frozenset({"tests", "test", "testing", "fixtures", "testdata", "__tests__", "spec"})


def code_context(path: str, language: str) -> CodeContext:
    p = PurePosixPath(path)
    if _TEST_PARTS & set(p.parts[:-1]) or p.name.startswith("test_") or p.name == "conftest.py":
        return CodeContext.TEST
    if language in CONFIG_LANGUAGES:
        return CodeContext.CONFIG
    if language in {"shell", "make"} or "scripts" in p.parts:
        return CodeContext.SCRIPT
    return CodeContext.UNKNOWN


_DOC_PARTS = frozenset({"docs", "doc", "documentation", "examples", "example", "samples"})
_PROVEN = frozenset({"checksum", "decoded", "paired"})


def calibrated_severity(match: SecretMatch, path: str, context: CodeContext) -> Severity:
    """One step lower in tests, fixtures and documentation, unless the value proved itself
    (a checksum, a decoded token, an AWS key pair): those are mostly samples, but a real token
    pasted into a test is still a leak."""
    if match.verified in _PROVEN or match.severity <= Severity.LOW:
        return match.severity
    p = PurePosixPath(path)
    in_docs = p.suffix.lower() in {".md", ".rst", ".adoc"} or bool(_DOC_PARTS & set(p.parts[:-1]))
    if context is CodeContext.TEST or in_docs:
        return Severity(match.severity - 1)
    return match.severity


# Keys made to be embedded in web pages (Google Maps/Places/Firebase web keys): found in files
# served to browsers they are public by design, restricted by referrer; elsewhere a leak.
_BROWSER_KEYS = frozenset({"secret.gcp-api-key"})
_CLIENT_SIDE = frozenset({".js", ".mjs", ".cjs", ".map", ".jsx", ".tsx", ".vue", ".svelte", ".html", ".htm"})


def settings_from(config: Config) -> ScanSettings:
    section = config.secrets
    return ScanSettings(PlaceholderPolicy.with_extra(section.extra_placeholders), section.min_entropy)


def scanner_for(config: Config) -> Scanner:
    return Scanner(settings_from(config))


def excluded(config: Config, path: str) -> bool:
    """Paths the secret scanner skips (``secrets.exclude`` globs, gitignore syntax)."""
    patterns = config.secrets.exclude
    if not patterns:
        return False
    return pathspec.PathSpec.from_lines("gitignore", patterns).match_file(path)


def git_exclusions(config: Config) -> pathspec.PathSpec[pathspec.Pattern]:
    """For staged/history blobs, which discovery never filtered: global and secret excludes."""
    return pathspec.PathSpec.from_lines(
        "gitignore", [*config.exclude, *config.extend_exclude, *config.secrets.exclude]
    )


def to_finding(
    match: SecretMatch,
    path: str,
    language: str,
    extra: Sequence[tuple[str, str]] = (),
    where: str = "",
) -> Finding:
    """Build the finding; message and snippet carry only the redacted value."""
    message = f"{match.rule.title} {match.redacted} ({match.verified}){where}"
    severity = calibrated_severity(match, path, code_context(path, language))
    if match.rule.id in _BROWSER_KEYS and PurePosixPath(path).suffix.lower() in _CLIENT_SIDE:
        severity = Severity.LOW  # shipped to every browser by design: the risk is its restrictions
        message += "; in client-side code a browser key is public: check its referrer and API restrictions"
    props = (("detector", match.rule.id), ("verified", match.verified), ("secret_hash", match.value_hash))
    context = code_context(path, language)
    return match.rule.finding(
        Location(path, match.line, match.column, match.end_line, match.end_column),
        message,
        match.snippet,
        severity=severity,
        confidence=match.confidence,
        context=context,
        properties=(*props, *extra),
    )
