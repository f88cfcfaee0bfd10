"""Generate the labelled secret corpus (``corpus/`` + ``corpus/labels.json``).

Every secret is FAKE: random values from a seeded generator, formatted like the real
thing (GitHub/npm tokens carry a valid CRC32 checksum so checksum validation is
exercised). Secrets are written through ``⟦kind⟧`` markers so each position is
labelled with its file, line and expected rule; everything else in the templates
(placeholders, UUIDs, digests, integrity strings, images, fixtures) is a hard negative.

Run: .venv/bin/python tests/analyzers/secrets/secrets_corpus_gen.py
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "src"))

from stackaudit.analyzers.secrets.checks import crc32_checksum  # noqa: E402

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
MARK = re.compile(r"⟦([a-z0-9_-]+)⟧")


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def crc_token(self, prefix: str) -> str:
        body = self.s(ALNUM, 30)
        return f"{prefix}{body}{crc32_checksum(body)}"

    def github(self) -> str:
        return self.crc_token(self.r.choice(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]))

    def github_pat(self) -> str:
        return f"github_pat_{self.s(ALNUM, 22)}_{self.s(ALNUM, 59)}"

    def npm(self) -> str:
        return self.crc_token("npm_")

    def aws_id(self) -> str:
        return self.r.choice(["AKIA", "ASIA"]) + self.s(string.ascii_uppercase + "234567", 16)

    def aws_secret(self) -> str:
        return self.s(B64, 40)

    def gcp_key(self) -> str:
        return "AIza" + self.s(URLSAFE, 35)

    def azure(self) -> str:
        return self.s(B64, 86) + "=="

    def slack(self) -> str:
        kind = self.r.choice(["xoxb", "xoxp"])
        return f"{kind}-{self.s(string.digits, 12)}-{self.s(string.digits, 13)}-{self.s(ALNUM, 24)}"

    def slack_hook(self) -> str:
        up = string.ascii_uppercase + string.digits
        return f"https://hooks.slack.com/services/T{self.s(up, 8)}/B{self.s(up, 10)}/{self.s(ALNUM, 24)}"

    def stripe(self) -> str:
        return self.r.choice(["sk_live_", "rk_live_"]) + self.s(ALNUM, self.r.choice([24, 34, 99]))

    def twilio_key(self) -> str:
        return "SK" + self.s(HEX, 32)

    def twilio_token(self) -> str:
        return self.s(HEX, 32)

    def sendgrid(self) -> str:
        return f"SG.{self.s(URLSAFE, 22)}.{self.s(URLSAFE, 43)}"

    def pypi(self) -> str:
        return "pypi-AgEIcHlwaS5vcmc" + self.s(URLSAFE, 80)

    def jwt(self) -> str:
        def enc(obj: object) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

        header = {"alg": self.r.choice(["HS256", "RS256"]), "typ": "JWT"}
        claims = {
            "sub": f"user_{self.r.randint(1000, 99999)}",
            "iat": 1717000000 + self.r.randint(0, 10**6),
            "role": self.r.choice(["admin", "service", "reader"]),
        }
        return f"{enc(header)}.{enc(claims)}.{self.s(URLSAFE, 43)}"

    def pem_body(self, lines: int = 12) -> list[str]:
        return [self.s(B64, 64) for _ in range(lines)] + [self.s(B64, 20) + "=="]

    def private_key(self) -> str:
        kind = self.r.choice(["RSA ", "EC ", "", "OPENSSH "])
        body = self.pem_body()
        if kind == "OPENSSH ":
            body[0] = "b3BlbnNzaC1rZXktdjEAAAAA" + body[0][24:]
        return "\n".join([f"-----BEGIN {kind}PRIVATE KEY-----", *body, f"-----END {kind}PRIVATE KEY-----"])

    def pem_json(self) -> str:
        body = "\\n".join(self.pem_body(16))
        return f"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n"

    def password(self) -> str:
        sym = "!#%^*-_+="
        core = self.s(ALNUM, self.r.randint(10, 18))
        pos = self.r.randint(1, len(core) - 1)
        return core[:pos] + self.r.choice(sym) + core[pos:]

    def urlpass(self) -> str:
        return self.s(ALNUM, self.r.randint(12, 24))

    def hexsecret(self) -> str:
        return self.s(HEX, 32)

    def django_key(self) -> str:
        return "django-insecure-" + self.s(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)

    def b64secret(self) -> str:
        return base64.b64encode(self.password().encode()).decode()

    # hard negatives (never labelled) -------------------------------------------------
    def uuid(self) -> str:
        h = self.s(HEX, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def sha1(self) -> str:
        return self.s(HEX, 40)

    def sha256(self) -> str:
        return self.s(HEX, 64)

    def integrity(self) -> str:
        return "sha512-" + self.s(B64, 86) + "=="

    def png(self) -> str:
        return "iVBORw0KGgoAAAANSUhEUgAA" + self.s(B64, 200)

    def bad_github(self) -> str:
        return "ghp_" + self.s(ALNUM, 36)  # random tail: the checksum does not match


# kind -> (generator name, rule id the scanner must report)
KINDS: dict[str, tuple[str, str]] = {
    "github": ("github", "secret.github-token"),
    "github_pat": ("github_pat", "secret.github-token"),
    "npm": ("npm", "secret.npm-token"),
    "aws_id": ("aws_id", "secret.aws-access-key"),
    "aws_secret": ("aws_secret", "secret.aws-secret-key"),
    "gcp_key": ("gcp_key", "secret.gcp-api-key"),
    "gcp_sa": ("pem_json", "secret.gcp-service-account"),
    "azure": ("azure", "secret.azure-storage-key"),
    "slack": ("slack", "secret.slack-token"),
    "slack_hook": ("slack_hook", "secret.slack-webhook"),
    "stripe": ("stripe", "secret.stripe-key"),
    "twilio_key": ("twilio_key", "secret.twilio"),
    "twilio_token": ("twilio_token", "secret.twilio"),
    "sendgrid": ("sendgrid", "secret.sendgrid-key"),
    "pypi": ("pypi", "secret.pypi-token"),
    "jwt": ("jwt", "secret.jwt"),
    "pkey": ("private_key", "secret.private-key"),
    "urlpass": ("urlpass", "secret.password-in-url"),
    "password": ("password", "secret.generic"),
    "hexsecret": ("hexsecret", "secret.generic"),
    "django_key": ("django_key", "secret.generic"),
    "b64secret": ("b64secret", "secret.generic"),
}
NEGATIVES = ("uuid", "sha1", "sha256", "integrity", "png", "bad_github")
NEG = re.compile(r"⟪([a-z0-9_]+)⟫")


def render(template: str, gen: Gen) -> tuple[str, list[tuple[int, str]]]:
    """Fill markers; return the text and (line, rule) of every labelled secret."""
    out: list[str] = []
    labels: list[tuple[int, str]] = []
    cursor = 0
    template = NEG.sub(lambda m: str(getattr(gen, m.group(1))()), template)
    for m in MARK.finditer(template):
        out.append(template[cursor : m.start()])
        method, rule = KINDS[m.group(1)]
        line = "".join(out).count("\n") + 1
        labels.append((line, rule))
        out.append(str(getattr(gen, method)()))
        cursor = m.end()
    out.append(template[cursor:])
    return "".join(out), labels


def build(templates_dir: Path, corpus: Path, seed: int = 20261130) -> int:
    gen = Gen(seed)
    labels: list[dict[str, object]] = []
    for tpl in sorted(p for p in templates_dir.rglob("*") if p.is_file() and ".ruff_cache" not in p.parts):
        rel = tpl.relative_to(templates_dir).as_posix()
        rel = rel.removesuffix(".tpl")
        text, found = render(tpl.read_text(encoding="utf-8"), gen)
        target = corpus / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        labels.extend({"file": rel, "line": line, "rule": rule} for line, rule in found)
    (corpus / "labels.json").write_text(
        json.dumps(
            {
                "_note": "FAKE secrets generated by secrets_corpus_gen.py; (file, line, rule) of each true secret.",
                "labels": labels,
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    return len(labels)


def main(argv: list[str]) -> int:
    n = build(HERE / "corpus_templates", HERE / "corpus")
    print(f"wrote {n} labelled secrets to {HERE / 'corpus'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
