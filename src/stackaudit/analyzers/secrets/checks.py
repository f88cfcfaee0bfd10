"""Value checks shared by the detectors: checksums, entropy, JWT decoding.

Pure functions over strings; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import zlib
from collections import Counter

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number: int) -> str:
    """Encode a non-negative integer in base 62 (digits, upper, lower)."""
    if number == 0:
        return "0"
    digits: list[str] = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(BASE62[rem])
    return "".join(reversed(digits))


def crc32_checksum(random_part: str) -> str:
    """The 6-character base62 CRC32 checksum used by GitHub and npm tokens."""
    return base62(zlib.crc32(random_part.encode("ascii"))).rjust(6, "0")


def valid_crc32_token(token: str) -> bool:
    """True when ``<prefix>_<30 random><6 checksum>`` carries a correct checksum.

    GitHub (ghp_, gho_, ghu_, ghs_, ghr_) and npm (npm_) tokens share this layout:
    the last six characters are the base62 CRC32 of the thirty before them.
    """
    body = token.rsplit("_", 1)[-1]
    if len(body) != 36:
        return False
    return crc32_checksum(body[:30]) == body[30:]


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value`` (0 for empty)."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def _b64url_json(part: str) -> object | None:
    padded = part + "=" * (-len(part) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded)
        decoded: object = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return decoded


def valid_jwt(token: str) -> bool:
    """A JWT whose header is a JSON object with ``alg`` and whose payload is a JSON object."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    header = _b64url_json(parts[0])
    payload = _b64url_json(parts[1])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return False
    alg = header.get("alg")
    return isinstance(alg, str) and alg.lower() != "none" and len(parts[2]) >= 16
