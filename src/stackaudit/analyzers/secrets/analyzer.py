"""The ``secrets`` file analyzer: every text file of the working tree."""

from __future__ import annotations

from typing import ClassVar

from stackaudit.analyzers.base import FileAnalyzer, FileInput, FileResult
from stackaudit.analyzers.secrets.findings import excluded, scanner_for, to_finding
from stackaudit.analyzers.secrets.rules import RULES
from stackaudit.config.schema import Config
from stackaudit.model import RuleMeta


class SecretsAnalyzer(FileAnalyzer):
    """Provider tokens (checksum-verified where possible), keys, JWTs, URL passwords, generic assignments."""

    name: ClassVar[str] = "secrets"
    config_keys: ClassVar[tuple[str, ...] | None] = ("secrets", "exclude", "extend_exclude", "max_file_size")
    version: ClassVar[str] = "1.0.4"
    rules: ClassVar[tuple[RuleMeta, ...]] = RULES
    languages: ClassVar[frozenset[str]] = frozenset()  # every text file

    def analyze(self, source: FileInput, config: Config) -> FileResult:
        if excluded(config, source.path):
            return FileResult()
        key = (config.secrets.min_entropy, tuple(config.secrets.extra_placeholders))
        scanner = self.__dict__.get("_scanner")
        if scanner is None or self.__dict__.get("_scanner_key") != key:
            scanner = scanner_for(config)  # compiled once per process and config, not per file
            self.__dict__.update(_scanner=scanner, _scanner_key=key)
        matches = scanner.scan(source.text, source.file.language)
        return FileResult(tuple(to_finding(m, source.path, source.file.language) for m in matches))
