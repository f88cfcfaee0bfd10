"""The ruff codes the taint engine judges with data flow: its ``ruff_equivalents``.

The taint analyzer declares, for each ruff flake8-bandit code, the stackaudit rule that
reports the same problem with a data-flow view. The engine's one merge mechanism
(``engine/merge.py``) uses the declaration: a ruff finding on the lines of the
equivalent taint finding folds into it; one the taint engine proved safe
(``SafetyProof``) is dropped; any other stays, marked as of unconfirmed origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

RUFF_EQUIVALENTS: Mapping[str, str] = MappingProxyType(
    {
        "S608": "sec.sql-injection",  # hardcoded SQL expression
        "S602": "sec.command-injection",  # subprocess with shell=True
        "S604": "sec.command-injection",  # call with shell=True
        "S605": "sec.command-injection",  # start process with a shell (os.system)
        "S606": "sec.command-injection",  # start process without a shell
        "S607": "sec.command-injection",  # partial executable path
        "S609": "sec.command-injection",  # wildcard injection
        "S102": "sec.code-injection",  # exec
        "S307": "sec.code-injection",  # eval
        "S301": "sec.unsafe-deserialization",  # pickle
        "S302": "sec.unsafe-deserialization",  # marshal
        "S506": "sec.unsafe-deserialization",  # unsafe yaml load
        "S310": "sec.ssrf",  # urllib open of a user URL scheme
        "S320": "sec.xxe",  # lxml
        "S701": "sec.xss",  # jinja2 autoescape off
        "S704": "sec.xss",  # markupsafe Markup
        "S308": "sec.xss",  # mark_safe
        "S324": "sec.weak-hash",  # md5 / sha1
        "S303": "sec.weak-hash",
        "S311": "sec.weak-random",  # random for security
        "S501": "sec.tls-verify-disabled",  # requests verify=False
        "S323": "sec.tls-verify-disabled",  # ssl._create_unverified_context
        "S201": "sec.debug-enabled",  # flask debug=True
        "S104": "sec.bind-all-interfaces",  # 0.0.0.0
    }
)
