"""Rotate the service account keys (reads the old key from the environment)."""
import json
import os

OLD_KEY = json.loads(os.environ["GCP_SA_JSON"])
SENDGRID_KEY = "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"
TWILIO_API_KEY = "SK042b07466d7e765a5848756c2bb4be51"
TWILIO_API_SECRET = os.environ["TWILIO_API_SECRET"]
NEW_KEY_PATH = "/var/run/secrets/gcp/key.json"
PRIVATE_KEY_PATH = "~/.ssh/id_ed25519"


def rotate(secret_name: str) -> str:
    token = f"{secret_name}-{os.getpid()}"
    return token
