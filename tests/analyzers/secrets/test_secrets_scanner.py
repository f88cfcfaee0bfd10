"""Per-detector positive and negative cases, checksums, redaction and identity."""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from stackaudit.analyzers.base import FileInput, SourceFile
from stackaudit.analyzers.secrets import SecretsAnalyzer
from stackaudit.analyzers.secrets.checks import crc32_checksum, valid_crc32_token, valid_jwt
from stackaudit.analyzers.secrets.providers import PROVIDERS
from stackaudit.analyzers.secrets.rules import PROVIDER_RULES, RULES
from stackaudit.analyzers.secrets.scanner import Scanner, redact
from stackaudit.config.schema import Config
from stackaudit.model import Severity

R = random.Random(7)
ALNUM = string.ascii_letters + string.digits
UP = string.ascii_uppercase + string.digits


def rnd(alphabet: str, n: int) -> str:
    return "".join(R.choice(alphabet) for _ in range(n))


def crc_token(prefix: str) -> str:
    body = rnd(ALNUM, 30)
    return prefix + body + crc32_checksum(body)


def jwt(claims: dict[str, object]) -> str:
    def enc(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(claims)}.{rnd(ALNUM + '-_', 43)}"


GH = crc_token("ghp_")
NPM = crc_token("npm_")
AWS_ID = "AKIA" + rnd(string.ascii_uppercase + "234567", 16)
AWS_SECRET = rnd(ALNUM + "/+", 40)
PEM_BODY = "\n".join(rnd(ALNUM + "+/", 64) for _ in range(10))
PW = "Vq7#" + rnd(ALNUM, 12)

POSITIVE = [
    ("secret.github-token", f'TOKEN = "{GH}"\n', "python"),
    ("secret.github-token", f"token: github_pat_{rnd(ALNUM, 22)}_{rnd(ALNUM, 59)}\n", "yaml"),
    ("secret.npm-token", f"//registry.npmjs.org/:_authToken={NPM}\n", "text"),
    ("secret.aws-access-key", f"key_id = {AWS_ID}\n", "ini"),
    ("secret.aws-secret-key", f"aws_secret_access_key = {AWS_SECRET}\n", "ini"),
    ("secret.gcp-api-key", f'"maps": "AIza{rnd(ALNUM + "-_", 35)}"\n', "json"),
    ("secret.azure-storage-key", f"AccountName=x;AccountKey={rnd(ALNUM + '+/', 86)}==;\n", "text"),
    (
        "secret.slack-token",
        f"SLACK=xoxb-{rnd('0123456789', 12)}-{rnd('0123456789', 13)}-{rnd(ALNUM, 24)}\n",
        "dotenv",
    ),
    (
        "secret.slack-webhook",
        f"url: https://hooks.slack.com/services/T{rnd(UP, 8)}/B{rnd(UP, 10)}/{rnd(ALNUM, 24)}\n",
        "yaml",
    ),
    ("secret.stripe-key", f'stripe.api_key = "sk_live_{rnd(ALNUM, 24)}"\n', "python"),
    ("secret.twilio", f'TWILIO_AUTH_TOKEN = "{rnd("0123456789abcdef", 32)}"\n', "python"),
    ("secret.sendgrid-key", f"SG.{rnd(ALNUM, 22)}.{rnd(ALNUM, 43)}\n", "text"),
    ("secret.pypi-token", f"password = pypi-AgEIcHlwaS5vcmc{rnd(ALNUM, 70)}\n", "ini"),
    ("secret.jwt", f'AUTH = "Bearer {jwt({"sub": "svc-9", "role": "admin"})}"\n', "python"),
    (
        "secret.gcp-service-account",
        '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n'
        + "\\n".join(rnd(ALNUM, 64) for _ in range(6))
        + '\\n-----END PRIVATE KEY-----\\n",\n'
        '"client_email": "etl@proj.iam.gserviceaccount.com"}\n',
        "json",
    ),
    (
        "secret.private-key",
        f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n",
        "pem",
    ),
    ("secret.password-in-url", f"DATABASE_URL=postgres://app:{rnd(ALNUM, 16)}@db:5432/app\n", "dotenv"),
    ("secret.password-in-url", f'"Server=db;Database=x;User Id=app;Password={rnd(ALNUM, 14)};"\n', "json"),
    ("secret.generic", f'DB_PASSWORD = "{PW}"\n', "python"),
    ("secret.generic", f"  api_key: {rnd(ALNUM, 32)}\n", "yaml"),
    ("secret.generic", f"ENV API_TOKEN {rnd(ALNUM, 24)}\n", "dockerfile"),
    ("secret.generic", f"docker login -u ci -p {rnd(ALNUM, 14)} registry.internal\n", "shell"),
    ("secret.generic", f'  "auths": {{"registry.internal": {{"auth": "{rnd(ALNUM, 28)}"}}}}\n', "json"),
    ("secret.generic", f"jwt.signing-key={rnd(ALNUM, 32)}\n", "ini"),
    ("secret.password-in-url", f'curl -u "deploy:{rnd(ALNUM, 12)}" https://ci.internal/build\n', "shell"),
    # command lines and docs (issue 8, section 5)
    ("secret.generic", f'$pw = ConvertTo-SecureString "{PW}" -AsPlainText -Force\n', "text"),
    ("secret.generic", f'New-Object System.Net.NetworkCredential("svc", "{PW}")\n', "text"),
    ("secret.generic", f"sshpass -p '{PW}' ssh deploy@10.0.0.5\n", "shell"),
    ("secret.generic", f"mysql -u root -p{rnd(ALNUM, 12)} shop < dump.sql\n", "markdown"),
    ("secret.generic", f"./manage.py createsuperuser --password {PW}\n", "markdown"),
    ("secret.generic", f"keytool -importkeystore -storepass {rnd(ALNUM, 12)} -keystore app.jks\n", "shell"),
    ("secret.generic", f"redis-cli -h cache -a {rnd(ALNUM, 16)} ping\n", "shell"),
    ("secret.generic", f'echo "{rnd(ALNUM, 20)}" | docker login -u ci --password-stdin reg.io\n', "shell"),
    ("secret.generic", f'curl -H "Authorization: Bearer {rnd(ALNUM, 40)}" https://api.x.io\n', "shell"),
    (
        "secret.password-in-url",
        f"curl -H 'Authorization: Basic {base64.b64encode(b'svc:Zq8vLm2Pk4').decode()}' https://x.io\n",
        "shell",
    ),
    ("secret.generic", "[db]\nusername = shop\npassword = Winter24\n", "ini"),
    ("secret.generic", "Log in as user: admin / password: Summer22 on the staging box.\n", "markdown"),
    ("secret.generic", "spring.datasource.username=app\nspring.datasource.password=Kettle99\n", "ini"),
    ("secret.generic", f'  String password = "{PW}";\n', "text"),
    ("secret.generic", f"<server><id>nexus</id><password>{PW}</password></server>\n", "xml"),
    ("secret.generic", f'<add key="DbPassword" value="{rnd(ALNUM, 14)}"/>\n', "xml"),
    ("secret.generic", f"DB_PASS={rnd(ALNUM, 14)}\n", "dotenv"),
    ("secret.generic", f'   "!mysql -u root -p{rnd(ALNUM, 12)} shop\\n",\n', "notebook"),
    ("secret.generic", "The admin password is Xk8s2PqL, change it after the first login.\n", "markdown"),
    ("secret.generic", f"Log in as `admin` with password `{PW}`.\n", "markdown"),
    ("secret.generic", f"Set the API key to `{rnd(ALNUM, 20)}` in the console.\n", "text"),
    ("secret.generic", f"define( 'DB_PASSWORD', '{PW}' );\n", "text"),
    ("secret.generic", f"define('AUTH_KEY', '{rnd(ALNUM + '!@#%^&*', 64)}');\n", "text"),
    ("secret.generic", f"CREATE USER app WITH PASSWORD '{PW}';\n", "sql"),
    ("secret.generic", f"ALTER USER 'app'@'%' IDENTIFIED BY '{PW}';\n", "sql"),
    (
        "secret.password-in-url",
        f'DSN = "postgresql://admin:{rnd(ALNUM, 14)}@prod-db.internal/app"\n',
        "python",
    ),
    ("secret.password-in-url", f"REDIS_URL=redis://root:{rnd(ALNUM, 14)}@cache.internal:6379/0\n", "dotenv"),
    ("secret.generic", f"```yaml\nsmtp:\n  password: {PW}\n```\n", "markdown"),
]

NEGATIVE = [
    ("prose word", "The token is expired when the password is incorrect.\n", "markdown"),
    ("prose hyphenated", "The password is JWT-encoded before storage.\n", "text"),
    ("minified js prose", '"This is a top-10 common password":e.rank<=100?"top-100":"x"\n', "javascript"),
    ("sql password variable", "CREATE USER app WITH PASSWORD :'app_password';\n", "sql"),
    ("php define env", "define('DB_PASSWORD', getenv('DB_PASSWORD'));\n", "text"),
    ("ui placeholder", f'<input placeholder="syt_bWF1Ym90_{rnd(ALNUM, 20)}_{rnd(ALNUM, 6)}">\n', "html"),
    ("otpauth uri", "otpauth://totp/Example:alice@google.com?issuer=Example&digits=6\n", "text"),
    ("python pass statement", "    pass\n", "python"),
    ("bypass flag", f'bypass = "{rnd(ALNUM, 12)}"\n', "python"),
    ("format template", '"pass": "{0}{1}".format(pin, otp)\n', "python"),
    ("snake name value", "CREDENTIAL_ALGORITHMS = 'webauthn_public_key_algorithms'\n", "python"),
    ("translated prose", 'msgstr "IndexedSecret: Challenge-Response Token"\n', "text"),
    ("graphql schema", "  checkoutToken: UUIDFilterInput\n  apiKey: String!\n", "text"),
    ("typescript type", "  token: string;\n  password?: string | null;\n", "typescript"),
    ("openapi schema", "password:\n  type: string\n  format: password\n", "yaml"),
    ("cli flag variable", 'mysql -u root -p"$MYSQL_PASSWORD" shop\n', "shell"),
    ("cli flag prose", "pass it with --password <password> or --token <token>\n", "markdown"),
    ("bearer placeholder", 'curl -H "Authorization: Bearer $API_TOKEN" https://x\n', "shell"),
    ("bad github checksum", f'TOKEN = "ghp_{rnd(ALNUM, 36)}"\n', "python"),
    ("placeholder github", 'TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n', "python"),
    ("aws example", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "ini"),
    ("aws example secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "ini"),
    ("env reference", 'PASSWORD = os.environ["DB_PASSWORD"]\n', "python"),
    ("shell reference", "DB_PASSWORD=${DB_PASSWORD}\n", "dotenv"),
    ("jinja", "password: '{{ vault_db_password }}'\n", "yaml"),
    ("angle placeholder", "api_key = <your-api-key>\n", "ini"),
    ("changeme", "password = changeme\n", "ini"),
    ("uuid", 'api_key = "123e4567-e89b-42d3-a456-426614174000"\n', "python"),
    ("sha256 digest", f'token_hash = "{rnd("0123456789abcdef", 64)}"\n', "python"),
    ("integrity", f'"integrity": "sha512-{rnd(ALNUM, 86)}=="\n', "json"),
    ("data image", f'secret_logo = "data:image/png;base64,{rnd(ALNUM, 80)}"\n', "python"),
    (
        "jwt.io sample",
        "t = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
        "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'\n",
        "python",
    ),
    ("pem placeholder", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n", "markdown"),
    ("url placeholder", "postgres://user:${DB_PASSWORD}@db/app\n", "yaml"),
    ("url user==password", "postgres://postgres:postgres@localhost/test\n", "yaml"),
    ("code call", "password = get_password()\n", "python"),
    ("kwarg default", "def login(username=None, password=None):\n", "python"),
    ("test value", 'TEST_PASSWORD = "test-password-123"\n', "python"),
    ("stripe test key", 'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"\n', "python"),
    ("template name", 'password_change_template = "admin/password_change_form.html"\n', "python"),
    ("password hash", f'"password": "pbkdf2_sha256$600000$abc${rnd(ALNUM, 43)}="\n', "json"),
    ("timeout setting", "PASSWORD_RESET_TIMEOUT = 259200\n", "python"),
    ("scott tiger", 'create_engine("postgresql://scott:tiger@localhost/test")\n', "python"),
    ("short url password", "redact_url('https://u:p@h/x')\n", "python"),
    (
        "badge token",
        "[![cov](https://codecov.io/gh/o/r/graph/badge.svg?token=Ab12Cd34Ef)](https://x)\n",
        "markdown",
    ),
    ("cli prose", "provided via the --username and --password options instead\n", "text"),
    ("indexed kwarg", "auth(username=auth_info[0], password=auth_info[1])\n", "python"),
    ("docker port flag", "docker run -p 8080:80 -u app image\n", "shell"),
    ("translated ui text", '"Confirm your new password": "ཁྱེད་རང་གི་གསང་ཚིག་གསར་པ་ཁས་ལེན།",\n', "json"),
    ("accented ui text", '"Client Secret": "Kliensloyndarmál",\n', "json"),
    (
        "url template with a word port",
        '"Zadejte URL proxy (např. https://uzivatel:heslo@hostitel:port)",\n',
        "json",
    ),
    (
        "url parts named in prose",
        "    userinfo injection (``http://host:port@evil.com/``) and suffix\n",
        "python",
    ),
    (
        "translated url placeholder",
        '"Enter proxy URL (e.g. https://user:password@host:port)": "URL (məs. https://istifadəçi:şifrə@host:port)",\n',
        "json",
    ),
]


@pytest.mark.parametrize(
    ("rule", "text", "language"), POSITIVE, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(POSITIVE)]
)
def test_positive(rule: str, text: str, language: str) -> None:
    found = [m.rule.id for m in Scanner().scan(text, language)]
    assert rule in found, found


@pytest.mark.parametrize(("name", "text", "language"), NEGATIVE, ids=[n for n, _, _ in NEGATIVE])
def test_negative(name: str, text: str, language: str) -> None:
    assert Scanner().scan(text, language) == []


def test_every_rule_has_a_positive_case() -> None:
    """Provider-table rules have theirs in test_secrets_providers.py (one sample per row)."""
    table = {r.id for r in PROVIDER_RULES.values()}
    assert {r.id for r in RULES} - table - {rule for rule, _, _ in POSITIVE} == set()
    assert {f"secret.{p.id}" for p in PROVIDERS} == table


def test_crc32_checksum_round_trip_and_corruption() -> None:
    assert valid_crc32_token(GH) and valid_crc32_token(NPM)
    broken = GH[:-1] + ("A" if GH[-1] != "A" else "B")
    assert not valid_crc32_token(broken)


def test_jwt_needs_json_header_and_payload() -> None:
    assert valid_jwt(jwt({"sub": "x"}))
    assert not valid_jwt("eyJub3QganNvbg.eyJhbHNvIG5vdA.c2lnbmF0dXJlc2lnbmF0dXJl")


def test_aws_pair_raises_severity_and_redacts_both() -> None:
    text = f"[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    matches = Scanner().scan(text, "ini")
    key = next(m for m in matches if m.rule.id == "secret.aws-access-key")
    assert key.verified == "paired" and key.severity.label == "critical"
    assert any(m.rule.id == "secret.aws-secret-key" for m in matches)


def test_findings_never_contain_the_secret() -> None:
    text = "".join(t for _, t, _ in POSITIVE)
    src = SourceFile("app/config.txt", __import__("pathlib").Path("/nonexistent"), len(text), "text")
    result = SecretsAnalyzer().analyze(FileInput(src, text), Config())
    assert result.findings
    secrets = [m.value for m in Scanner().scan(text, "text")]
    for finding in result.findings:
        blob = " ".join((finding.message, finding.snippet, *(v for _, v in finding.properties)))
        for value in secrets:
            assert value not in blob
        assert "sha256:" in finding.message and "sha256:" in finding.snippet


def test_redaction_shape() -> None:
    token = redact(GH)
    assert token.startswith("ghp_…sha256:") and len(token.split("sha256:")[1]) == 12
    assert redact("short123").startswith("sh…")  # never more than a quarter of the value


def test_new_secret_on_same_line_gets_new_identity() -> None:
    src = SourceFile("settings.py", __import__("pathlib").Path("/x"), 0, "python")
    one = SecretsAnalyzer().analyze(FileInput(src, f'STRIPE = "sk_live_{rnd(ALNUM, 24)}"\n'), Config())
    two = SecretsAnalyzer().analyze(FileInput(src, f'STRIPE = "sk_live_{rnd(ALNUM, 24)}"\n'), Config())
    moved = SecretsAnalyzer().analyze(
        FileInput(src, "\n\n" + f'STRIPE = "{one.findings[0].snippet}"'), Config()
    )
    assert one.findings[0].fingerprint != two.findings[0].fingerprint
    assert moved.findings == () or moved.findings[0].fingerprint != one.findings[0].fingerprint


def test_line_shift_keeps_identity() -> None:
    src = SourceFile("settings.py", __import__("pathlib").Path("/x"), 0, "python")
    line = f'STRIPE = "sk_live_{rnd(ALNUM, 24)}"\n'
    a = SecretsAnalyzer().analyze(FileInput(src, line), Config())
    b = SecretsAnalyzer().analyze(FileInput(src, "# header\n\n" + line), Config())
    assert a.findings[0].fingerprint == b.findings[0].fingerprint
    assert a.findings[0].location.line != b.findings[0].location.line


def test_config_exclude_and_extra_placeholders() -> None:
    src = SourceFile("vendor/keys.env", __import__("pathlib").Path("/x"), 0, "dotenv")
    text = "API_TOKEN=QuuxXq9vT2mZk4w\n"
    assert SecretsAnalyzer().analyze(FileInput(src, text), Config()).findings
    cfg = Config.model_validate({"secrets": {"extra_placeholders": ["quux"]}})
    assert not SecretsAnalyzer().analyze(FileInput(src, text), cfg).findings
    cfg = Config.model_validate({"secrets": {"exclude": ["vendor/**"]}})
    assert not SecretsAnalyzer().analyze(FileInput(src, text), cfg).findings


def test_analyzer_and_scanner_are_picklable() -> None:
    import pickle

    analyzer = SecretsAnalyzer()
    src = SourceFile("a.env", __import__("pathlib").Path("/x"), 0, "dotenv")
    analyzer.analyze(FileInput(src, f"K={GH}\n"), Config())  # caches its scanner
    clone = pickle.loads(pickle.dumps(analyzer))
    assert [m.rule.id for m in pickle.loads(pickle.dumps(Scanner())).scan(f"K={GH}\n")] == [
        "secret.github-token"
    ]
    assert clone.analyze(FileInput(src, f"K={GH}\n"), Config()).findings


def test_one_finding_per_secret_whatever_fires() -> None:
    """A URL password also seen by the ``-u user:pass`` detector is reported once."""
    pw = rnd(ALNUM, 14)
    text = f"curl -u deploy:{pw} https://deploy:{pw}@ci.internal/build\n"
    matches = Scanner().scan(text, "shell")
    assert len({m.value_hash for m in matches}) == len(matches) == 1


def test_local_development_urls_rank_low() -> None:
    pw = rnd(ALNUM, 14)
    commented = Scanner().scan(f"# postgres://app:{pw}@localhost/app\n", "python")
    local = Scanner().scan(f'URL = "postgres://app:{pw}@localhost/app"\n', "python")
    remote = Scanner().scan(f'URL = "postgres://app:{pw}@prod.db.internal/app"\n', "python")
    assert [m.severity for m in commented] == [Severity.LOW]
    assert [m.severity for m in local] == [Severity.MEDIUM]
    assert [m.severity for m in remote] == [Severity.HIGH]


def test_tests_and_docs_rank_one_step_lower_unless_proven() -> None:
    from stackaudit.analyzers.secrets.findings import to_finding

    generic = Scanner().scan(f'DB_PASSWORD = "{PW}"\n', "python")[0]
    token = Scanner().scan(f'TOKEN = "{GH}"\n', "python")[0]
    assert to_finding(generic, "app/settings.py", "python").severity is Severity.MEDIUM
    assert to_finding(generic, "tests/test_login.py", "python").severity is Severity.LOW
    assert to_finding(generic, "docs/setup.md", "markdown").severity is Severity.LOW
    assert to_finding(token, "tests/test_sync.py", "python").severity is Severity.CRITICAL  # checksum-proven


def test_notebook_cli_value_stops_at_the_escaped_newline() -> None:
    pw = rnd(ALNUM, 12)
    [match] = Scanner().scan(f'   "!sshpass -p {pw}\\n",\n', "notebook")
    assert match.value == pw


def test_a_google_browser_key_in_client_side_code_is_low() -> None:
    """Embedded in a page's script it is public by design; in server code it is a leak."""
    from stackaudit.analyzers.secrets.findings import scanner_for, to_finding
    from stackaudit.config.schema import Config

    key = "AIza" + "SyB3kq9QwErTyUiOp4AsDfGhJkLzXcVbNmQ"
    (match,) = scanner_for(Config()).scan(f'var apiKey = "{key}";\n', "javascript")
    browser = to_finding(match, "static/js/timeline.js", "javascript")
    server = to_finding(match, "app/settings.py", "python")
    assert browser.severity.label == "low" and "referrer" in browser.message
    assert server.severity > browser.severity
