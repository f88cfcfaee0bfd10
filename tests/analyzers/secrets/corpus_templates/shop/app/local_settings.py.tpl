# Developer overrides, not loaded in production.
from .settings import *  # noqa

DEBUG = True
SECRET_KEY = "dev-only-not-secret"
EMAIL_HOST_PASSWORD = "⟦password⟧"
AWS_STORAGE_BUCKET_NAME = "shop-dev-media"
AWS_S3_ACCESS_KEY_ID = "⟦aws_id⟧"
AWS_S3_SECRET_ACCESS_KEY = "⟦aws_secret⟧"
SOCIAL_AUTH_GITHUB_SECRET = "⟦hexsecret⟧"
SOCIAL_AUTH_GITHUB_KEY = "Iv1.8a61f9b3a7aba766"
INTERNAL_IPS = ["127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
