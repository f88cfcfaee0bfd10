"""A dev-only dependency's missing or non-SPDX licence is not reported (issue 8 review set:
frontend build tools with "SEE LICENSE IN ..." or no licence field, 0 of 3 true); a runtime
one is, and a dev dependency under a denied licence still is (the policy names it)."""

from __future__ import annotations

from stackaudit.analyzers.sca.findings import licence_findings
from stackaudit.config.sections.supply_chain import LicencePolicy
from stackaudit.inventory.deps.model import Dependency, Ecosystem


def _dep(name: str, licence: str | None, dev: bool) -> Dependency:
    return Dependency(name, Ecosystem.NPM, "package-lock.json", "1.0.0", licence=licence, dev=dev)


def test_dev_tools_without_a_licence_are_not_reported() -> None:
    deps = [
        _dep("i18next-conv", "SEE LICENSE IN LICENSE.MD", dev=True),
        _dep("@postalsys/gettext", None, dev=True),
        _dep("mystery", None, dev=False),
        _dep("gpl-tool", "GPL-3.0-only", dev=True),
    ]
    found = {
        (f.rule_id, f.snippet.split()[0])
        for f in licence_findings(deps, LicencePolicy(denied=["GPL-3.0-only"]))
    }
    assert found == {("sca.licence-unknown", "mystery"), ("sca.licence-denied", "gpl-tool")}
