"""Django settings for the shop project."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "django-insecure-kspff85m0lhdrl6ub+lvks-n694li)h69m@z*om@x5c!glwh8="

DEBUG = False
ALLOWED_HOSTS = ["shop.internal", "localhost"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_app",
        "PASSWORD": "hrfwmdqwhnc_tey75S",
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

STRIPE_SECRET_KEY = "sk_live_49jqZhwzUoQ8vjuqtcCDmt13"
STRIPE_PUBLISHABLE_KEY = "pk_live_51H8x2kLmN0pQrStUvWxYz"
SENDGRID_API_KEY = os.getenv("SENDGRID_API_KEY", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://:voXDskaANuiTxlNhj1rj@cache.internal:6379/1",
    }
}
STATIC_ROOT = BASE_DIR / "static"
BUILD_COMMIT = "a3558c136bac3c2cd21308ba9049deed7c569995"
