"""Rotate the service account keys (reads the old key from the environment)."""
import json
import os

OLD_KEY = json.loads(os.environ["GCP_SA_JSON"])
SENDGRID_KEY = "⟦sendgrid⟧"
TWILIO_API_KEY = "⟦twilio_key⟧"
TWILIO_API_SECRET = os.environ["TWILIO_API_SECRET"]
NEW_KEY_PATH = "/var/run/secrets/gcp/key.json"
PRIVATE_KEY_PATH = "~/.ssh/id_ed25519"


def rotate(secret_name: str) -> str:
    token = f"{secret_name}-{os.getpid()}"
    return token
