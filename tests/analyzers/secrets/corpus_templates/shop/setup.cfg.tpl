[metadata]
name = shop
version = 1.14.2

[options]
packages = find:
install_requires =
    django>=5.0
    stripe>=8

[flake8]
max-line-length = 110

[tool:pytest]
env =
    DJANGO_SETTINGS_MODULE=shop.settings
    SECRET_KEY=test-secret-key-not-used
