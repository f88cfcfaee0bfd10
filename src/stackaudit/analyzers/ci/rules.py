"""The ``ci.*`` rules: CI and build hardening that zizmor does not cover."""

from __future__ import annotations

from stackaudit.model import Category, Confidence, RuleMeta, Severity

UNSIGNED_COMMITS = RuleMeta(
    id="ci.unsigned-commits",
    title="Few signed commits in recent history",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.LOW,
    cwe=(345,),
    impact=5,
    likelihood=3,
    effort=1.0,
    confidence=Confidence.HIGH,
    doc="""
    Finds repositories where the share of signed commits among the most recent ones
    (``git log -n 200 --format=%G?``) is under the threshold (``ci.signed_commit_threshold``,
    0.8 by default). A commit counts as signed when it carries a GPG, SSH or X.509
    signature, whether or not this machine can verify it (``%G?`` not ``N``); bad
    signatures (``B``) count as unsigned.

    Why it matters: author and committer names are free text. Without signatures nothing
    ties a commit to a person, so a stolen token or a compromised machine can push code
    that looks like a maintainer's, and branch protection cannot require verified commits.

    Example: 12 of the last 200 commits are signed (6 %).

    Fix: have everyone sign (``git config commit.gpgsign true`` with ``gpg.format=ssh``
    and an SSH key registered as a signing key), then enable "Require signed commits" on
    the protected branch.
    """,
    fix="Enable commit signing for all contributors and require signed commits on the default branch.",
)

CODEOWNERS_MISSING = RuleMeta(
    id="ci.codeowners-missing",
    title="No CODEOWNERS file",
    category=Category.PROCESS,
    severity=Severity.LOW,
    impact=4,
    likelihood=4,
    effort=0.2,
    confidence=Confidence.HIGH,
    doc="""
    Finds repositories without ``.github/CODEOWNERS``, ``CODEOWNERS`` or ``docs/CODEOWNERS``.

    Why it matters: without owners, reviews of sensitive code (auth, payments, CI
    workflows) are not routed to the people accountable for it, branch protection cannot
    require code-owner review, and stackaudit cannot name an owner for each finding.

    Example: a repository whose only review rule is "one approval from anyone".

    Fix: add ``.github/CODEOWNERS`` with a default owner (``* @org/team``) and specific
    owners for sensitive paths (``/.github/workflows/ @org/platform``).
    """,
    fix="Add .github/CODEOWNERS with a default owner and owners for sensitive paths.",
)

CODEOWNERS_GAPS = RuleMeta(
    id="ci.codeowners-gaps",
    title="Files not covered by any CODEOWNERS rule",
    category=Category.PROCESS,
    severity=Severity.LOW,
    impact=3,
    likelihood=4,
    effort=0.1,
    confidence=Confidence.HIGH,
    doc="""
    Finds top-level directories (and root files) containing files that no CODEOWNERS line
    assigns an owner to, including paths explicitly un-assigned by a line without owners.
    One finding per uncovered top-level directory.

    Why it matters: changes there need no owner review, and findings in them have no
    owner to route to.

    Example: ``* @org/app`` was removed and ``/src/ @org/app`` covers only ``src/``, so
    ``deploy/`` has no owner.

    Fix: add a line for the directory, or a catch-all ``*`` line at the top of the file.
    """,
    fix="Add a CODEOWNERS line for the uncovered directory, or a catch-all '*' line.",
)

CODEOWNERS_INVALID = RuleMeta(
    id="ci.codeowners-invalid",
    title="CODEOWNERS line GitHub ignores",
    category=Category.PROCESS,
    severity=Severity.LOW,
    impact=3,
    likelihood=5,
    effort=0.1,
    confidence=Confidence.HIGH,
    doc="""
    Finds CODEOWNERS lines GitHub skips: negated patterns (``!``), character ranges
    (``[a-z]``), and owners that are not ``@user``, ``@org/team`` or an e-mail address.

    Why it matters: the rule silently does nothing; the files it meant to protect fall
    back to an earlier (often broader) rule or to no owner at all.

    Example: ``/infra/ platform-team`` (missing ``@org/``).

    Fix: correct the owner or pattern as the message says.
    """,
)

LOCKFILE_WITHOUT_HASHES = RuleMeta(
    id="ci.lockfile-without-hashes",
    title="Lock file without hashes",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.MEDIUM,
    cwe=(494,),
    impact=6,
    likelihood=3,
    effort=0.3,
    confidence=Confidence.HIGH,
    doc="""
    Finds requirements files, ``Pipfile.lock``, ``poetry.lock`` and ``uv.lock`` in which
    packages carry no artifact hash.

    Why it matters: without hashes the build trusts whatever the index serves for that
    version: a compromised or typo-squatted mirror, a re-uploaded file, or a dependency
    confusion package is installed silently, and builds are not reproducible.

    Example: ``requests==2.32.3`` with no ``--hash=sha256:...``.

    Fix: generate hashes (``pip-compile --generate-hashes``, ``uv pip compile
    --generate-hashes``, ``poetry lock``) and install with ``--require-hashes``.
    """,
    fix="Regenerate the lock file with hashes (pip-compile --generate-hashes / uv / poetry lock).",
)

INSTALL_WITHOUT_REQUIRE_HASHES = RuleMeta(
    id="ci.install-without-require-hashes",
    title="pip install -r without --require-hashes",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.MEDIUM,
    cwe=(494,),
    impact=6,
    likelihood=3,
    effort=0.1,
    doc="""
    Finds ``pip install -r FILE`` (also ``python -m pip`` and ``uv pip``) in workflows,
    Dockerfiles, shell scripts and Makefiles without ``--require-hashes``.

    Why it matters: pip checks hashes only when asked, or when the file happens to contain
    one; an edit that drops the hashes (or a file without them) silently turns the check
    off, and the image or release then contains whatever the index served.
    When the referenced file is fully hashed, pip already enforces hashes and the finding
    is LOW: the flag is then a guard against regressions.

    Example: ``RUN pip install -r requirements.txt``.

    Fix: ``pip install --require-hashes --no-deps -r requirements.txt`` with a hashed lock file.
    """,
    fix="Add --require-hashes (and --no-deps) to the install, with a hashed lock file.",
)

DOCKER_BASE_UNPINNED = RuleMeta(
    id="ci.docker-base-unpinned",
    title="Docker base image not pinned by digest",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.MEDIUM,
    cwe=(829,),
    impact=6,
    likelihood=3,
    effort=0.2,
    confidence=Confidence.HIGH,
    doc="""
    Finds ``FROM image[:tag]`` without ``@sha256:<digest>``. ``FROM scratch`` and
    references to earlier build stages are fine; ``ARG`` defaults declared before the
    first ``FROM`` are substituted.

    Why it matters: tags move. The same Dockerfile builds a different image tomorrow
    (non-reproducible builds), and a compromised or hijacked tag ships straight into
    production.

    Example: ``FROM python:3.12-slim``.

    Fix: ``FROM python:3.12-slim@sha256:<digest>`` (keep the tag for readability) and let
    Dependabot or Renovate update the digest.
    """,
    fix="Pin the base image by digest: FROM image:tag@sha256:<digest>.",
)

SBOM_NOT_ATTESTED = RuleMeta(
    id="ci.sbom-not-attested",
    title="Release workflow does not produce and attest an SBOM",
    category=Category.SUPPLY_CHAIN,
    severity=Severity.LOW,
    impact=4,
    likelihood=3,
    effort=1.0,
    doc="""
    Finds release workflows (triggered by ``release`` or by pushed tags) that do not both
    produce an SBOM and attest it: ``actions/attest-sbom``, or an SBOM generator
    (``anchore/sbom-action``, syft, cyclonedx-py, ``cyclonedx-bom``) together with
    ``cosign attest``, ``actions/attest``, in-toto or witness.

    Why it matters: consumers cannot verify what a release contains or where it was
    built; incident response ("are we affected by CVE-X?") needs a trustworthy SBOM tied
    to the artifact's digest.

    Example: ``on: release`` → build → ``twine upload`` with no SBOM step.

    Fix: generate a CycloneDX/SPDX SBOM in the release job and attest it with
    ``actions/attest-sbom`` (``permissions: id-token: write, attestations: write``).
    """,
    fix="Generate an SBOM in the release job and attest it (actions/attest-sbom or cosign attest).",
)

BRANCH_UNPROTECTED = RuleMeta(
    id="ci.branch-unprotected",
    title="Default branch without protection",
    category=Category.PROCESS,
    severity=Severity.MEDIUM,
    impact=7,
    likelihood=3,
    effort=0.2,
    doc="""
    Online, optional: with ``ci.online = true`` and a token in ``STACKAUDIT_GITHUB_TOKEN``,
    asks the GitHub API whether the branch is protected and whether reviews and signed
    commits are required. Without a token the check is skipped and the run says so.

    Why it matters: without protection anyone with write access (or a leaked token) can
    push straight to the branch that gets deployed, force-push over history, or merge
    without review.

    Fix: protect the branch (or use a ruleset): require pull-request reviews (code
    owners), status checks, signed commits, and block force pushes.
    """,
)

ALL_RULES: tuple[RuleMeta, ...] = (
    UNSIGNED_COMMITS,
    CODEOWNERS_MISSING,
    CODEOWNERS_GAPS,
    CODEOWNERS_INVALID,
    LOCKFILE_WITHOUT_HASHES,
    INSTALL_WITHOUT_REQUIRE_HASHES,
    DOCKER_BASE_UNPINNED,
    SBOM_NOT_ATTESTED,
    BRANCH_UNPROTECTED,
)
