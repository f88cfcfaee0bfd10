from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from stackaudit.config.sections.base import Section


def check_target(value: str) -> str:
    """An absolute http(s) URL with a host: the one origin the DAST may talk to."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"target must be an http:// or https:// URL with a host, not {value!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(f"target has a bad port: {value!r}") from None
    return value


class DastConfig(Section):
    """``[tool.stackaudit.dast]``: a light DAST against a running target the user names.

    Without ``target`` the audit sends no request at all. Requests go to the target's own
    scheme, host and port only, and stop at ``max_requests`` and ``timeout`` seconds.
    """

    target: str | None = None  # "http://127.0.0.1:8000": the only origin ever contacted
    openapi: str | None = None  # an OpenAPI file (repo-relative) that drives Schemathesis
    fetch_openapi: bool = False  # allow GET {target}/openapi.json when no file is given
    max_requests: int = Field(default=300, ge=1, le=100_000)
    timeout: float = Field(default=120.0, gt=0, le=86_400)  # wall-clock bound of the whole run
    request_timeout: float = Field(default=10.0, gt=0, le=600)  # one request
    verify_tls: bool = True  # False: accept a self-signed certificate (a staging target)
    # Schemathesis sends only GET/HEAD/OPTIONS operations unless this is true: POST, PUT,
    # PATCH and DELETE may change the target's data.
    unsafe_methods: bool = False

    @field_validator("target")
    @classmethod
    def _target_url(cls, value: str | None) -> str | None:
        return None if value is None else check_target(value)
