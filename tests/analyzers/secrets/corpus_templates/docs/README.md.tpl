# Shop service

## Configuration

Copy `.env.example` to `.env` and fill in:

| variable | example |
|---|---|
| `DATABASE_URL` | `postgresql://user:<password>@localhost:5432/shop` |
| `AWS_ACCESS_KEY_ID` | `AKIAIOSFODNN7EXAMPLE` |
| `GITHUB_TOKEN` | `ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` |
| `STRIPE_API_KEY` | `sk_live_...` |

Example JWT (from jwt.io):

    eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c

A private key looks like:

    -----BEGIN RSA PRIVATE KEY-----
    ...
    -----END RSA PRIVATE KEY-----

The release commit is `⟪sha1⟫`; the image digest is `sha256:⟪sha256⟫`.

## Troubleshooting

If `password authentication failed`, check that `DATABASE_PASSWORD` matches the value in Vault.
The old staging token `⟦github⟧` was revoked in March.
