"""A minimal PNG reader for tests: enough to tell a rendered page from a blank one."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

_CHANNELS = {2: 3, 6: 4}  # colour type -> channels (RGB, RGBA), 8-bit only


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _unfilter(kind: int, line: bytearray, prev: bytes, bpp: int) -> None:
    for i in range(len(line)):
        left = line[i - bpp] if i >= bpp else 0
        up = prev[i]
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            line[i] = (line[i] + _paeth(left, up, prev[i - bpp] if i >= bpp else 0)) & 0xFF


def read_png(path: Path, max_rows: int | None = None) -> tuple[int, int, list[bytes]]:
    """Return (width, height, the first ``max_rows`` rows of raw pixel bytes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in _CHANNELS, (depth, colour)
    bpp = _CHANNELS[colour]
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytes(stride)
    for y in range(min(height, max_rows or height)):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, prev, bpp)
        rows.append(bytes(line))
        prev = bytes(line)
    return width, height, rows


def colour_stats(path: Path, step: int = 7, max_rows: int = 600) -> tuple[int, float]:
    """(distinct colours, share of pixels unlike the most common one), sampled from the top rows."""
    width, _height, rows = read_png(path, max_rows)
    bpp = len(rows[0]) // width
    counts: dict[bytes, int] = {}
    for row in rows[::step]:
        for x in range(0, width, step):
            px = row[x * bpp : x * bpp + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    return len(counts), 1 - max(counts.values()) / total
