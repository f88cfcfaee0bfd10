import jwt

SERVICE_TOKEN = "eyJhbGciOiAiUlMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAidXNlcl8yNzYyMiIsICJpYXQiOiAxNzE3ODkyNDU5LCAicm9sZSI6ICJzZXJ2aWNlIn0.tWW-wzo9JsGP3DL9bLRTegznI0ssgjLQlQRCCCMqOiZ"
ISSUER_PRIVATE_KEY = """-----BEGIN EC PRIVATE KEY-----
yeHAE7hgfO4aqv+YgcrJlSw9MI3+nE+5QqDKY9jMDMO6n9Dm4MDjreQ0dyg+xpZw
w/RgsDWsGBNaHYM42T+D/u4oZZXvGOC5HhzohW5ILyZpTZ5VNhggAeWgEfXFmsX+
AT/E1KQP/Yul8SJcNRRjFqz9l65blA8QVDwxPrLRc7Zs1nE54/iNLFj2uT/SSBuU
KthNpYWEL6+Tvivd8xRk3wOh9OXf9DM8eT/zwZ5KZJoGUm76swRmw+SV5XS/8pb9
drMihVnrKWyPitiRRiBDN6tvb6sE2fvWUC6Q7lvKLZmG0FhyYu8g4l2WOzYS6GUe
A0FjF6145yhVs6SSxbIgMO+pL4XpjE+gUTbgczFRRA1q2ldbDKVFalM3dc1itB6k
HWZnWuHil0Ws25BsIWyVqHb9aI40gG0eFlzB717KIJcnc+76AsNGls7MTJcddOlv
3QeWm1Qnu35FCfOk1eaR9JUTu6miN6OU9mTGE8lNe8fhUzg2oAq5DrT5Yw2vpmtO
f7eZranVpkAaBMZRWok8vRwCdoRCpYQzylfeYAuGjEQ9B88rPCt+aJz/maVQPY/s
pBqPvoXIsQ6vs/GgqSfc8gcz7A4bsKE+LTTQO/Yi99qa9eQpdl7RR3DC6iqn2Kf9
jUhRHo+tgENJIvJkilpWq1bED3UUYs3yJ9+BIbw7fmL0NieH/XgRnUgFEsgFta2T
XdN3MU26nEFvn2gXATjFG/R7gT0KboV2m/z0CuLdmsFst2HArXtqKczamKaVmGHz
4xFOs/r7kfAfyUIezn+p==
-----END EC PRIVATE KEY-----
"""
SAMPLE = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"


def issue(user_id: str) -> str:
    return jwt.encode({"sub": user_id}, ISSUER_PRIVATE_KEY, algorithm="RS256")


def verify(token: str, secret: str) -> dict:
    return jwt.decode(token, secret, algorithms=["RS256"])
