import jwt

SERVICE_TOKEN = "⟦jwt⟧"
ISSUER_PRIVATE_KEY = """⟦pkey⟧
"""
SAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"


def issue(user_id: str) -> str:
    return jwt.encode({"sub": user_id}, ISSUER_PRIVATE_KEY, algorithm="RS256")


def verify(token: str, secret: str) -> dict:
    return jwt.decode(token, secret, algorithms=["RS256"])
