import pytest

API_TOKEN = "test_token_0123"
ADMIN_PASSWORD = "admin-password-for-tests"


@pytest.fixture
def client_with_token(client):
    client.credentials(HTTP_AUTHORIZATION="Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")
    return client


@pytest.fixture
def jwt_secret():
    return "unit-test-secret"
