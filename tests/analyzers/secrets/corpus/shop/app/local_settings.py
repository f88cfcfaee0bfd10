# Developer overrides, not loaded in production.
from .settings import *  # noqa

DEBUG = True
SECRET_KEY = "dev-only-not-secret"
EMAIL_HOST_PASSWORD = "SLoZLk7DNX_z"
AWS_STORAGE_BUCKET_NAME = "shop-dev-media"
AWS_S3_ACCESS_KEY_ID = "AKIAVDKQJ5ELT2VUYNWK"
AWS_S3_SECRET_ACCESS_KEY = "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"
SOCIAL_AUTH_GITHUB_SECRET = "d76b22068e5088f4ab65d7358f5bbec0"
SOCIAL_AUTH_GITHUB_KEY = "Iv1.8a61f9b3a7aba766"
INTERNAL_IPS = ["127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
