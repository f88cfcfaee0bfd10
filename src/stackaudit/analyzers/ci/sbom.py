"""``ci.sbom-not-attested``: release workflows must produce and attest an SBOM."""

from __future__ import annotations

import re
from typing import Any

import yaml

from stackaudit.analyzers.base import NotAnalysable
from stackaudit.analyzers.ci.rules import SBOM_NOT_ATTESTED
from stackaudit.model import CodeContext, Finding, Location, NotAnalysedReason

# libyaml's safe loader when available (several times faster); both are safe loaders.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ATTEST_SBOM = ("actions/attest-sbom",)
PRODUCERS = ("anchore/sbom-action", "syft", "cyclonedx", "spdx-sbom-generator", "stackaudit sbom")
ATTESTERS = ("cosign attest", "actions/attest@", "in-toto", "witness run", "testifysec/witness")
_ON_KEY = re.compile(r"""^["']?on["']?\s*:""", re.MULTILINE)


def is_workflow(path: str) -> bool:
    head, _, name = path.rpartition("/")
    return head == ".github/workflows" and name.endswith((".yml", ".yaml"))


def release_trigger(workflow: Any) -> str | None:
    """A short description of the release trigger, or None when it is not a release workflow."""
    if not isinstance(workflow, dict):
        return None
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    if isinstance(on, str):
        on = [on]
    if isinstance(on, list):
        return "release" if "release" in on else None
    if isinstance(on, dict):
        if "release" in on:
            return "release"
        push = on.get("push")
        if isinstance(push, dict) and ("tags" in push or "tags-ignore" in push):
            return "push tags"
    return None


def _evidence(text: str) -> tuple[str | None, str | None]:
    lowered = text.lower()
    producer = next((p for p in (*ATTEST_SBOM, *PRODUCERS) if p in lowered), None)
    attester = next((a for a in (*ATTEST_SBOM, *ATTESTERS) if a in lowered), None)
    return producer, attester


def check_workflow(path: str, text: str) -> list[Finding]:
    try:
        workflow = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        raise NotAnalysable(NotAnalysedReason.MALFORMED, "invalid YAML") from None
    trigger = release_trigger(workflow)
    if trigger is None:
        return []
    producer, attester = _evidence(text)
    if producer in ATTEST_SBOM or (producer and attester):
        return []
    if producer is None:
        message = f"release workflow (on: {trigger}) produces no SBOM and attests none"
    else:
        message = f"release workflow (on: {trigger}) produces an SBOM ({producer}) but does not attest it"
    match = _ON_KEY.search(text)
    line = text.count("\n", 0, match.start()) + 1 if match else 1
    return [
        SBOM_NOT_ATTESTED.finding(
            Location(path, line, 1),
            message,
            f"on: {trigger}",
            context=CodeContext.CONFIG,
            properties=(("trigger", trigger), ("sbom_producer", producer or "")),
        )
    ]
