"""Rotate the service account keys (reads the old key from the environment)."""
import json
import os

OLD_KEY = json.loads(os.environ["GCP_SA_JSON"])
SENDGRID_KEY = "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"
TWILIO_API_KEY = "SK8d1c8cab47ad132c32e9e813d287ad9f"
TWILIO_API_SECRET = os.environ["TWILIO_API_SECRET"]
NEW_KEY_PATH = "/var/run/secrets/gcp/key.json"
PRIVATE_KEY_PATH = "~/.ssh/id_ed25519"


def rotate(secret_name: str) -> str:
    token = f"{secret_name}-{os.getpid()}"
    return token
