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


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def valid_bech32(value: str) -> bool:
    """The BIP-173 checksum (age secret keys are bech32 with the ``age-secret-key-`` prefix)."""
    lowered = value.lower()
    hrp, sep, data = lowered.rpartition("1")
    if not sep or not hrp or len(data) < 6 or any(c not in _BECH32 for c in data):
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    return _bech32_polymod(expanded + [_BECH32.index(c) for c in data]) == 1


def valid_b64_json(value: str) -> bool:
    """Tokens that embed base64 JSON after their prefix (1Password ``ops_``, Grafana ``glc_``, Sentry)."""
    body = value.split("_", 1)[-1]
    if value.startswith("sntrys_"):
        body = body.rsplit("_", 1)[0]  # sntrys_<base64 json>_<secret>
    padded = body + "=" * (-len(body) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            if isinstance(
                json.loads(decode(padded.rstrip("=") + "=" * (-len(padded.rstrip("=")) % 4))), dict
            ):
                return True
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
    return False


def valid_discord(value: str) -> bool:
    """A Discord bot token starts with the bot's numeric id in base64."""
    first = value.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))
    except (binascii.Error, ValueError):
        return False
    return decoded.isdigit() and 15 <= len(decoded) <= 20


def valid_pypi_macaroon(value: str) -> bool:
    """``pypi-<base64 macaroon>`` whose location field decodes to pypi.org."""
    body = value.removeprefix("pypi-")
    try:
        raw = base64.urlsafe_b64decode(body[:64] + "=" * (-len(body[:64]) % 4))
    except (binascii.Error, ValueError):
        return False
    return raw.startswith(b"\x02\x01\x08pypi.org")


CHECKS = {"bech32": valid_bech32, "b64json": valid_b64_json, "discord": valid_discord}
