"""Broken protocol versions, ciphers and key sizes, unsafe model loading, and Trojan Source.

These are pattern rules: the danger is in the call itself, whatever the input. Bandit and
ruff's ``flake8-bandit`` port have most of them, but each misses shapes the other catches
(measured on their own test inputs, ``python -m bench.realcode peers``): ruff's S502 does not
see pyOpenSSL methods passed to an arbitrary call (``ctx(method=SSL.TLSv1_METHOD)``), ruff's
S304 misses ``algorithms.CAST5``/``SEED``/``TripleDES`` and PyCrypto's ``ARC4.new`` under an
alias, neither flags a ``torch.load`` without ``weights_only=True`` (ruff) or bidirectional
control characters in source (ruff). Where ruff reports the same line, the merge keeps one
finding (same CWE, overlapping lines).
"""

from __future__ import annotations

import ast
import re

from stackaudit.analyzers.python.family import Frame, RuleFamily
from stackaudit.analyzers.python.names import dotted
from stackaudit.model import Category, Confidence, RuleMeta, Severity

INSECURE_TLS = RuleMeta(
    id="sec.insecure-tls-version",
    title="SSL 2/3 or TLS 1.0/1.1 requested",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(327,),
    impact=7,
    likelihood=5,
    effort=0.25,
    confidence=Confidence.HIGH,
    fix="Use ssl.PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER (or SSL.TLS_METHOD) and set "
    "minimum_version = ssl.TLSVersion.TLSv1_2.",
    doc="""
    Finds a protocol constant of SSL 2, SSL 3, TLS 1.0 or TLS 1.1 (``ssl.PROTOCOL_SSLv3``,
    ``ssl.PROTOCOL_TLSv1``, pyOpenSSL's ``SSL.SSLv2_METHOD`` … ``SSL.TLSv1_1_METHOD`` and
    ``SSLv23_METHOD``) passed to any call (``ssl_version=``, ``method=``, ``protocol=``, or
    ``SSL.Context(...)``) or used as a function's default argument.

    Why it matters: these versions have practical attacks (POODLE, BEAST, DROWN) and are
    refused by current clients and servers; forcing one weakens or breaks the connection.

    Example::

        ctx = SSL.Context(SSL.TLSv1_METHOD)

    Fix: ``ssl.create_default_context()`` or ``SSL.Context(SSL.TLS_METHOD)`` with a minimum
    version of TLS 1.2.
    """,
)

WEAK_CIPHER = RuleMeta(
    id="sec.weak-cipher",
    title="Broken or weak cipher",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(327,),
    impact=7,
    likelihood=5,
    effort=1.0,
    confidence=Confidence.HIGH,
    fix="Use an authenticated cipher: AES-GCM or ChaCha20-Poly1305 (cryptography's AESGCM, "
    "ChaCha20Poly1305), or Fernet for simple secrets.",
    doc="""
    Finds ciphers that are broken or too weak for new data: RC4 (ARC4), RC2, DES, 3DES
    (TripleDES), Blowfish, IDEA, CAST5, SEED and XOR, from ``cryptography``
    (``algorithms.ARC4(key)``), PyCrypto and PyCryptodome (``ARC4.new(key)``, under any
    import alias), and the ECB mode (``modes.ECB()``), which leaks patterns of the plaintext.

    Why it matters: RC4 and DES are broken; 64-bit block ciphers (3DES, Blowfish, IDEA, CAST5)
    fall to birthday attacks (Sweet32) on long sessions; ECB shows equal blocks as equal.

    Example::

        cipher = Cipher(algorithms.TripleDES(key), mode=None)

    Fix: ``AESGCM(key).encrypt(nonce, data, associated_data)``.
    """,
)

WEAK_KEY = RuleMeta(
    id="sec.weak-key-size",
    title="RSA/DSA key under 2048 bits or elliptic curve under 224 bits",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(326,),
    impact=7,
    likelihood=4,
    effort=0.5,
    confidence=Confidence.HIGH,
    fix="Generate RSA/DSA keys of at least 2048 bits (3072 for long-lived keys) and use "
    "SECP256R1 or better curves.",
    doc="""
    Finds key generation with a constant size below current minimums: ``rsa`` / ``dsa``
    ``generate_private_key(..., key_size=1024)`` (``cryptography``), ``RSA.generate(1024)``
    and ``DSA.generate(1024)`` (PyCrypto/PyCryptodome), and elliptic curves under 224 bits
    (``ec.SECP192R1``, ``ec.SECT163K1``, ``ec.SECT163R2``).

    Why it matters: 1024-bit RSA and DSA are within reach of well-funded attackers, and NIST
    disallows keys under 2048 bits (SP 800-131A).

    Example::

        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)

    Fix: ``key_size=3072`` and ``ec.SECP256R1()``.
    """,
)

UNSAFE_MODEL_LOAD = RuleMeta(
    id="sec.unsafe-model-load",
    title="torch.load without weights_only=True",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(502,),
    impact=9,
    likelihood=4,
    effort=0.25,
    confidence=Confidence.MEDIUM,
    fix="Pass weights_only=True (the default from PyTorch 2.6), or load safetensors files.",
    doc="""
    Finds ``torch.load(...)`` with ``weights_only=False``, or without ``weights_only`` at all.
    ``torch.load`` unpickles the file: a model file from anywhere but your own build runs
    arbitrary code when loaded. Since PyTorch 2.6 the default is ``weights_only=True``; a
    missing argument is reported with medium confidence because older versions unpickle
    everything, and an explicit ``False`` is reported with high confidence.

    Example::

        model.load_state_dict(torch.load(path, weights_only=False))

    Fix: ``torch.load(path, weights_only=True)`` or ``safetensors.torch.load_file(path)``.
    """,
)

TROJAN_SOURCE = RuleMeta(
    id="sec.trojan-source",
    title="Bidirectional control character in source code (Trojan Source)",
    category=Category.SECURITY,
    severity=Severity.HIGH,
    cwe=(838,),
    impact=7,
    likelihood=4,
    effort=0.1,
    confidence=Confidence.HIGH,
    fix="Remove the control character; write it as an escape (\\u202e) if a string needs it.",
    doc="""
    Finds Unicode bidirectional control characters (U+202A-U+202E, U+2066-U+2069) in Python
    source. They reorder how code is displayed, so a reviewer reads different logic from what
    runs (CVE-2021-42574, "Trojan Source").

    Example: ``if access_level != 'user\\u202e\\u2066': # Check if admin\\u2069\\u2066'``
    displays as a comment while the comparison continues.

    Fix: delete the character, or spell it as an escape sequence inside the string.
    """,
)

_OLD_PROTOCOLS = frozenset(
    {
        "PROTOCOL_SSLv2",
        "PROTOCOL_SSLv3",
        "PROTOCOL_TLSv1",
        "PROTOCOL_TLSv1_1",
        "SSLv2_METHOD",
        "SSLv23_METHOD",
        "SSLv3_METHOD",
        "TLSv1_METHOD",
        "TLSv1_1_METHOD",
    }
)
_PROTOCOL_KEYWORDS = frozenset({"ssl_version", "method", "protocol"})
_WEAK_ALGORITHMS = frozenset(
    {"ARC4", "ARC2", "DES", "DES3", "TripleDES", "Blowfish", "IDEA", "CAST5", "SEED", "XOR"}
)
_CIPHER_MODULES = (
    "Crypto.Cipher.",
    "Cryptodome.Cipher.",
    "cryptography.hazmat.primitives.ciphers.algorithms.",
)
_WEAK_CURVES = frozenset({"SECP192R1", "SECT163K1", "SECT163R2"})
_KEY_GENERATORS = {
    "cryptography.hazmat.primitives.asymmetric.rsa.generate_private_key": ("key_size", 1),
    "cryptography.hazmat.primitives.asymmetric.dsa.generate_private_key": ("key_size", 0),
    "Crypto.PublicKey.RSA.generate": ("bits", 0),
    "Crypto.PublicKey.DSA.generate": ("bits", 0),
    "Cryptodome.PublicKey.RSA.generate": ("bits", 0),
    "Cryptodome.PublicKey.DSA.generate": ("bits", 0),
}
_MIN_BITS = 2048
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _constant_name(node: ast.expr) -> str | None:
    name = dotted(node) if isinstance(node, ast.Name | ast.Attribute) else None
    return name.rsplit(".", 1)[-1] if name else None


def _is_old_protocol(node: ast.expr) -> bool:
    return _constant_name(node) in _OLD_PROTOCOLS


def _arg(node: ast.Call, keyword: str, position: int) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == keyword:
            return kw.value
    if len(node.args) > position and not any(isinstance(a, ast.Starred) for a in node.args[: position + 1]):
        return node.args[position]
    return None


class CryptoRules(RuleFamily):
    rules = (INSECURE_TLS, WEAK_CIPHER, WEAK_KEY, UNSAFE_MODEL_LOAD, TROJAN_SOURCE)

    def on_call(self, node: ast.Call) -> None:
        qualname = self.walk.qualname(node.func) or ""
        self._protocol(node, qualname)
        self._cipher(node, qualname)
        self._key_size(node, qualname)
        if qualname == "torch.load":
            self._torch_load(node)

    def on_function_enter(self, frame: Frame) -> None:
        node = frame.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        for default in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
            if _is_old_protocol(default):
                name = _constant_name(default)
                self.walk.emit(INSECURE_TLS, default, f"argument default is the insecure protocol {name}")

    def finish(self) -> None:
        text = self.walk.text
        if text.isascii() or BIDI.search(text) is None:
            return  # no line holds one: the search line by line took 4% of the rules' time
        for number, line in enumerate(self.walk.source.lines, start=1):
            match = BIDI.search(line)
            if match:
                node = ast.Pass(lineno=number, col_offset=len(line[: match.start()].encode()))
                code = f"U+{ord(match.group()):04X}"
                message = f"bidirectional control character {code} changes how this line is displayed"
                self.walk.emit(TROJAN_SOURCE, node, message, snippet=BIDI.sub("\ufffd", line.strip()))

    def _protocol(self, node: ast.Call, qualname: str) -> None:
        values = [kw.value for kw in node.keywords if kw.arg in _PROTOCOL_KEYWORDS]
        if qualname.endswith("SSL.Context") and node.args:
            values.append(node.args[0])
        for value in values:
            if _is_old_protocol(value):
                self.walk.emit(INSECURE_TLS, node, f"requests the insecure protocol {_constant_name(value)}")
                return

    def _cipher(self, node: ast.Call, qualname: str) -> None:
        parts = qualname.split(".")
        if qualname.startswith(_CIPHER_MODULES):
            algorithm = parts[-2] if parts[-1] == "new" else parts[-1]
            if algorithm in _WEAK_ALGORITHMS:
                self.walk.emit(WEAK_CIPHER, node, f"uses the weak cipher {algorithm}")
                return
        if qualname.endswith("modes.ECB") and qualname.startswith("cryptography."):
            self.walk.emit(WEAK_CIPHER, node, "uses ECB mode, which shows equal plaintext blocks as equal")

    def _key_size(self, node: ast.Call, qualname: str) -> None:
        spec = _KEY_GENERATORS.get(qualname)
        if spec is not None:
            size = _arg(node, *spec)
            if isinstance(size, ast.Constant) and isinstance(size.value, int) and size.value < _MIN_BITS:
                self.walk.emit(WEAK_KEY, node, f"generates a {size.value}-bit key (minimum {_MIN_BITS})")
            return
        if qualname.endswith("ec.generate_private_key") and node.args:
            curve = node.args[0]
            target = curve.func if isinstance(curve, ast.Call) else curve
            if _constant_name(target) in _WEAK_CURVES:
                self.walk.emit(WEAK_KEY, node, f"uses the weak curve {_constant_name(target)}")

    def _torch_load(self, node: ast.Call) -> None:
        flag = next((kw.value for kw in node.keywords if kw.arg == "weights_only"), None)
        if flag is None:
            message = "torch.load without weights_only=True unpickles the file on PyTorch before 2.6"
            self.walk.emit(UNSAFE_MODEL_LOAD, node, message, confidence=Confidence.MEDIUM)
        elif isinstance(flag, ast.Constant) and flag.value is False:
            message = "torch.load(weights_only=False) unpickles the file: loading it runs its code"
            self.walk.emit(UNSAFE_MODEL_LOAD, node, message, confidence=Confidence.HIGH)
