import pytest

from shop.app import payments

FAKE_STRIPE_KEY = "sk_test_51FakeKeyForUnitTestsOnly0000000"
TEST_PASSWORD = "test-password-123"


@pytest.fixture
def api_key():
    return "dummy-api-key-for-tests"


def test_charge(monkeypatch, api_key):
    monkeypatch.setattr(payments.stripe, "api_key", api_key)
    token = "tok_visa"
    password = "sample-password"
    assert payments.request_token(" %s " % password) == password
    assert token


def test_uuid_ids():
    order_id = "39748526-69d5-4139-a48a-7ccf8d6adf3e"
    assert len(order_id) == 36
