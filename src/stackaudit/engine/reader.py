"""Turn a file's bytes into text, or into a reason it cannot be analysed."""

from __future__ import annotations

from stackaudit.analyzers.base import FileInput, SourceFile
from stackaudit.analyzers.pyparse import ParsedModules
from stackaudit.model import NotAnalysed, NotAnalysedReason

BINARY_SNIFF_BYTES = 8192


def decode(file: SourceFile, data: bytes, parsed: ParsedModules | None = None) -> FileInput | NotAnalysed:
    if not data:
        return NotAnalysed(file.path, NotAnalysedReason.EMPTY, "empty file")
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return NotAnalysed(file.path, NotAnalysedReason.BINARY, "binary file (NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return NotAnalysed(file.path, NotAnalysedReason.DECODE_ERROR, f"not valid UTF-8 at byte {exc.start}")
    if "\x00" in text:
        return NotAnalysed(file.path, NotAnalysedReason.BINARY, "NUL byte in text")
    return FileInput(file, text, parsed)


def read_bytes(file: SourceFile) -> bytes | NotAnalysed:
    try:
        with open(file.abspath, "rb") as handle:
            return handle.read(file.size + 1_048_576)  # bounded: the file may grow mid-scan
    except FileNotFoundError:
        return NotAnalysed(file.path, NotAnalysedReason.VANISHED, "deleted during the scan")
    except PermissionError:
        return NotAnalysed(file.path, NotAnalysedReason.PERMISSION, "permission denied")
    except IsADirectoryError:
        return NotAnalysed(file.path, NotAnalysedReason.UNSUPPORTED, "is a directory")
    except OSError as exc:
        return NotAnalysed(file.path, NotAnalysedReason.ERROR, f"cannot read: {exc.strerror or exc}")
