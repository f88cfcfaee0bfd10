"""Rule metadata of the secret detectors, declared once; each ``doc`` is the playbook."""

from __future__ import annotations

from stackaudit.analyzers.secrets.providers import PROVIDERS, Provider
from stackaudit.model import Category, Confidence, RuleMeta, Severity

_ROTATE = (
    "Revoke and rotate the credential first (removing it from the code does not un-leak it), "
    "then load it at runtime from the environment or a secret manager."
)


def _rule(
    rule_id: str,
    title: str,
    what: str,
    example: str,
    severity: Severity = Severity.HIGH,
    confidence: Confidence = Confidence.HIGH,
    impact: float = 8.0,
    likelihood: float = 7.0,
) -> RuleMeta:
    doc = f"""
    {title}.

    What it finds: {what}

    Why it matters: anyone who can read the repository (or any clone, fork, CI log or
    backup of it) can use the credential; git history keeps it after it is deleted.

    Example: ``{example}``

    Fix: {_ROTATE}
    """
    return RuleMeta(
        id=rule_id,
        title=title,
        category=Category.SECURITY,
        severity=severity,
        doc=doc,
        cwe=(798,),
        impact=impact,
        likelihood=likelihood,
        effort=0.5,
        confidence=confidence,
        fix=_ROTATE,
        tags=("secret",),
    )


GITHUB = _rule(
    "secret.github-token",
    "GitHub token",
    "GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens (ghp_, gho_, ghu_, "
    "ghs_, ghr_) whose CRC32 checksum is valid, and fine-grained github_pat_ tokens.",
    'GITHUB_TOKEN = "ghp_…"',
    Severity.CRITICAL,
    impact=9.0,
    likelihood=8.0,
)
NPM = _rule(
    "secret.npm-token",
    "npm access token",
    "npm_ automation and publish tokens whose CRC32 checksum is valid.",
    "//registry.npmjs.org/:_authToken=npm_…",
    Severity.CRITICAL,
    impact=9.0,
    likelihood=8.0,
)
AWS_KEY = _rule(
    "secret.aws-access-key",
    "AWS access key id",
    "AKIA/ASIA access key ids; severity is raised when the 40-character secret key sits nearby.",
    "aws_access_key_id = AKIA…",
    impact=9.0,
)
AWS_SECRET = _rule(
    "secret.aws-secret-key",
    "AWS secret access key",
    "a 40-character AWS secret access key assigned to an aws_secret_access_key-like name.",
    "aws_secret_access_key = …",
    Severity.CRITICAL,
    impact=9.0,
    likelihood=8.0,
)
GCP_KEY = _rule(
    "secret.gcp-api-key",
    "Google Cloud API key",
    "AIza… API keys (39 characters).",
    'GOOGLE_MAPS_KEY = "AIza…"',
    likelihood=6.0,
)
GCP_SA = _rule(
    "secret.gcp-service-account",
    "Google Cloud service-account key",
    "service-account JSON documents carrying a private_key next to a client_email.",
    '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----…"}',
    Severity.CRITICAL,
    impact=9.0,
    likelihood=8.0,
)
AZURE = _rule(
    "secret.azure-storage-key",
    "Azure storage account key",
    "AccountKey=… in storage connection strings and 88-character keys assigned to azure names.",
    "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=…",
    Severity.CRITICAL,
    impact=9.0,
)
SLACK = _rule(
    "secret.slack-token",
    "Slack token",
    "xoxb-/xoxp-/xoxa-/xoxr-/xoxs- bot, user and app tokens.",
    'SLACK_BOT_TOKEN = "xoxb-…"',
    likelihood=6.0,
)
SLACK_HOOK = _rule(
    "secret.slack-webhook",
    "Slack incoming webhook",
    "https://hooks.slack.com/services/T…/B…/… webhook URLs (anyone can post to the channel).",
    "SLACK_WEBHOOK=https://hooks.slack.com/services/T…",
    Severity.MEDIUM,
    impact=5.0,
    likelihood=6.0,
)
STRIPE = _rule(
    "secret.stripe-key",
    "Stripe live secret key",
    "sk_live_ secret keys and rk_live_ restricted keys.",
    'stripe.api_key = "sk_live_…"',
    Severity.CRITICAL,
    impact=10.0,
    likelihood=8.0,
)
TWILIO = _rule(
    "secret.twilio",
    "Twilio credential",
    "Twilio API key secrets (SK + 32 hex) and auth tokens assigned to twilio names.",
    "TWILIO_AUTH_TOKEN=…",
)
SENDGRID = _rule(
    "secret.sendgrid-key",
    "SendGrid API key",
    "SG.<22>.<43> SendGrid API keys.",
    'SENDGRID_API_KEY = "SG.…"',
)
PYPI = _rule(
    "secret.pypi-token",
    "PyPI upload token",
    "pypi-AgEIcHlwaS5vcmc… macaroon tokens (the prefix decodes to pypi.org).",
    "password = pypi-AgEIcHlwaS5vcmc…",
    Severity.CRITICAL,
    impact=9.0,
    likelihood=8.0,
)
JWT = _rule(
    "secret.jwt",
    "JSON Web Token",
    "JWTs whose header and payload decode to JSON objects (signed with a real algorithm).",
    'AUTH = "Bearer eyJhbGciOi…"',
    Severity.MEDIUM,
    Confidence.MEDIUM,
    impact=6.0,
    likelihood=5.0,
)
PRIVATE_KEY = _rule(
    "secret.private-key",
    "Private key",
    "PEM (RSA, EC, DSA, PKCS#8, encrypted) and OpenSSH private key blocks with a real body.",
    "-----BEGIN RSA PRIVATE KEY-----",
    Severity.CRITICAL,
    impact=9.0,
    likelihood=8.0,
)
PASSWORD_URL = _rule(
    "secret.password-in-url",
    "Password in a URL or connection string",
    "scheme://user:password@host URLs and Password=/Pwd= in connection strings (placeholders "
    "such as ${VAR}, <password> and values equal to the user name are ignored).",
    "postgresql://app:…@db:5432/app",
    confidence=Confidence.MEDIUM,
    likelihood=6.0,
)
GENERIC = _rule(
    "secret.generic",
    "Hard-coded secret",
    "password=/secret=/token=/api_key= assignments in any text format whose value is a literal "
    "with enough entropy and is not a placeholder, a reference (os.environ, ${VAR}), a UUID or a digest.",
    'DB_PASSWORD = "…"',
    Severity.MEDIUM,
    Confidence.MEDIUM,
    impact=7.0,
    likelihood=5.0,
)


def provider_rule(provider: Provider) -> RuleMeta:
    """The rule of one provider-table row (``secret.<id>``)."""
    kind = "next to a name that says" if provider.near else "recognised by its own format"
    check = f", verified by its {provider.check} check" if provider.check else ""
    return _rule(
        f"secret.{provider.id}",
        provider.name,
        f"{provider.name}s {kind} it belongs to {provider.id.split('-')[0]}{check}.",
        f"{provider.id.upper().replace('-', '_')}_TOKEN = …",
        provider.severity,
        Confidence.MEDIUM if provider.near else Confidence.HIGH,
    )


PROVIDER_RULES: dict[str, RuleMeta] = {p.id: provider_rule(p) for p in PROVIDERS}

RULES: tuple[RuleMeta, ...] = (
    GITHUB,
    NPM,
    AWS_KEY,
    AWS_SECRET,
    GCP_KEY,
    GCP_SA,
    AZURE,
    SLACK,
    SLACK_HOOK,
    STRIPE,
    TWILIO,
    SENDGRID,
    PYPI,
    JWT,
    PRIVATE_KEY,
    PASSWORD_URL,
    GENERIC,
    *PROVIDER_RULES.values(),
)
