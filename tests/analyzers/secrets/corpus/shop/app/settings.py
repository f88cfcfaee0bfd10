"""Django settings for the shop project."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "django-insecure-0is1)5t+055ke%bi%lwzd!v22oy6*2iz-d&#p&gpbdw^@ct@j5"

DEBUG = False
ALLOWED_HOSTS = ["shop.internal", "localhost"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_app",
        "PASSWORD": "1ZGYAW51VAe8dn*1Pm",
        "HOST": "db.internal",
        "PORT": "5432",
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_ro",
        "PASSWORD": os.environ["REPLICA_PASSWORD"],
        "HOST": "replica.internal",
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
PASSWORD_RESET_TIMEOUT = 259200
CSRF_COOKIE_NAME = "csrftoken"
SESSION_COOKIE_SECURE = True

STRIPE_SECRET_KEY = "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"
STRIPE_PUBLISHABLE_KEY = "pk_live_51H8x2kLmN0pQrStUvWxYz"
SENDGRID_API_KEY = os.getenv("SENDGRID_API_KEY", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://:HKZITGzpjMiRQ@cache.internal:6379/1",
    }
}
STATIC_ROOT = BASE_DIR / "static"
BUILD_COMMIT = "a3a0765d55b8d5f816918f9269760f8d8ecbc512"
