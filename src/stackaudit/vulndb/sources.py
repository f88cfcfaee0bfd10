"""Reading the three kinds of source files: OSV (tree, zip, single record), KEV JSON, EPSS CSV.

Readers return plain rows and rejections; ``importer`` writes them.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stackaudit.vulndb.osv import AdvisoryRow, SchemaError, normalise_record, parse_timestamp

OSV_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class OsvBatch:
    rows: list[AdvisoryRow] = field(default_factory=list)
    withdrawn: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (record, reason)
    notes: list[str] = field(default_factory=list)


def _plain(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return {_plain(k): _plain(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v) for v in node.value]
    return node.value


def load_record(name: str, data: bytes) -> Any:
    """JSON, or YAML with every scalar kept a string (versions like 1.10 never become floats).

    YAML is composed by libyaml and turned into dicts/lists/strings here: a quarter less CPU
    than PyYAML's generic constructor, and no tag is ever honoured (nothing is constructed).
    """
    if name.endswith(".json"):
        return json.loads(data)
    node = yaml.compose(data, Loader=yaml.CBaseLoader)
    return None if node is None else _plain(node)


def parse_records(items: list[tuple[str, bytes]]) -> OsvBatch:
    """Parse and normalise raw records (runs in a worker process)."""
    batch = OsvBatch()
    for name, data in items:
        try:
            row, problems = normalise_record(load_record(name, data))
        except (SchemaError, ValueError, yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
            batch.rejected.append((name, f"{type(exc).__name__}: {str(exc)[:200]}"))
            continue
        if row is None:
            batch.withdrawn += 1
            continue
        batch.rows.append(row)
        batch.rejected += [(name, f"schema (part ignored): {p}") for p in problems]
    return batch


def _parse_paths(paths: list[str]) -> OsvBatch:
    items = []
    for p in paths:
        try:
            items.append((p, Path(p).read_bytes()))
        except OSError as exc:
            items.append((p, b"\x00" + str(exc).encode()))
    return parse_records(items)


def merge(batches: list[OsvBatch]) -> OsvBatch:
    out = OsvBatch()
    for b in batches:
        out.rows += b.rows
        out.withdrawn += b.withdrawn
        out.rejected += b.rejected
        out.notes += b.notes
    return out


def read_osv_tree(root: Path, jobs: int) -> OsvBatch:
    paths = sorted(str(p) for p in root.rglob("*") if p.suffix in OSV_SUFFIXES and p.is_file())
    if jobs <= 1 or len(paths) < 200:
        return _parse_paths(paths)
    chunks = [paths[i :: jobs * 4] for i in range(jobs * 4)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return merge(list(pool.map(_parse_paths, chunks)))


def _salvage(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Walk local file headers of a zip whose central directory is missing (truncated)."""
    offset = 0
    while data.startswith(b"PK\x03\x04", offset):
        header = data[offset : offset + 30]
        if len(header) < 30:
            return
        _, _, flags, method, _, _, _, csize, _, nlen, xlen = struct.unpack("<IHHHHHIIIHH", header)
        name = data[offset + 30 : offset + 30 + nlen].decode("utf-8", "replace")
        start = offset + 30 + nlen + xlen
        if flags & 0x08 or start + csize > len(data):
            return  # sizes unknown (streamed) or the member is cut off
        body = data[start : start + csize]
        yield name, zlib.decompress(body, -15) if method == 8 else body
        offset = start + csize


def read_osv_zip(path: Path, jobs: int) -> OsvBatch:
    items: list[tuple[str, bytes]] = []
    notes: list[str] = []
    rejected: list[tuple[str, str]] = []
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.endswith(OSV_SUFFIXES):
                    try:
                        items.append((info.filename, archive.read(info)))
                    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                        rejected.append((info.filename, f"unreadable zip member: {exc}"))
    except zipfile.BadZipFile as exc:
        data = path.read_bytes()
        with contextlib.suppress(zlib.error):
            items = [(n, b) for n, b in _salvage(data) if n.endswith(OSV_SUFFIXES)]
        notes.append(f"{path.name}: truncated or corrupt zip ({exc}); salvaged {len(items)} complete records")
        rejected.append((path.name, f"truncated zip: records after the first {len(items)} not imported"))
    batch = parse_records(items)
    batch.notes += notes
    batch.rejected = rejected + batch.rejected
    return batch


@dataclass(frozen=True, slots=True)
class KevData:
    snapshot: str
    rows: list[tuple[str, bool, str, str]]  # cve, ransomware, date added, name


def read_kev(data: dict[str, Any]) -> KevData:
    vulns = data.get("vulnerabilities")
    if not isinstance(vulns, list):
        raise SchemaError("KEV catalog: no 'vulnerabilities' list")
    rows = []
    for v in vulns:
        if isinstance(v, dict) and str(v.get("cveID", "")).startswith("CVE-"):
            ransom = str(v.get("knownRansomwareCampaignUse", "")).lower() == "known"
            rows.append(
                (v["cveID"], ransom, str(v.get("dateAdded", "")), str(v.get("vulnerabilityName", "")))
            )
    snapshot = parse_timestamp(data.get("dateReleased")) or str(data.get("catalogVersion", ""))
    return KevData(snapshot=snapshot, rows=rows)


@dataclass
class EpssData:
    rows: dict[str, tuple[float, float]] = field(default_factory=dict)
    snapshot: str | None = None
    bad_lines: int = 0


def read_epss_text(text: str, into: EpssData) -> None:
    """Both layouts: FIRST's (``#model_version…,score_date:…`` + header, commas) and ``cve;epss;pct``."""
    for line in text.splitlines():
        if line.startswith("#"):
            for part in line[1:].split(","):
                key, _, value = part.partition(":")
                if key.strip() == "score_date":
                    try:
                        into.snapshot = parse_timestamp(value.strip())
                    except SchemaError:
                        into.bad_lines += 1  # an unreadable date: the rows still count
            continue
        parts = line.replace(";", ",").split(",")
        if len(parts) < 3 or not parts[0].startswith("CVE-"):
            into.bad_lines += bool(line.strip()) and not line.startswith("cve,")
            continue
        try:
            into.rows[parts[0].strip()] = (float(parts[1]), float(parts[2]))
        except ValueError:
            into.bad_lines += 1


def read_epss(path: Path) -> EpssData:
    data = EpssData()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if f.suffix == ".gz":
            read_epss_text(gzip.decompress(f.read_bytes()).decode("utf-8"), data)
        elif f.suffix in (".csv", ".txt"):
            read_epss_text(f.read_text(encoding="utf-8"), data)
    return data
