"""Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username from
one address, even the right password is refused until the cool-off ends or staff reset it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.utils import timezone

from tests.merchants.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "pw-for-tests"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def customer(db):
    return UserFactory(username="buyer@example.com", email="buyer@example.com")


def _login(client, email: str, password: str):
    return client.post(
        LOGIN,
        {"login-username": email, "login-password": password, "login_submit": "Log in"},
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.usefixtures("axes_on")
def test_customer_is_locked_out_after_the_limit_even_with_the_right_password(client, customer):
    for _ in range(2):
        response = _login(client, customer.email, "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    assert not _signed_in(client)

    third = _login(client, customer.email, "wrong-password")
    assert third.status_code == 429
    assert "Too many failed logins" in third.content.decode()
    assert "Try again in 15 minutes" in third.content.decode()

    right = _login(client, customer.email, PASSWORD)

    assert right.status_code == 429
    assert not _signed_in(client)


@pytest.mark.usefixtures("axes_on")
def test_other_addresses_and_usernames_are_not_locked(client, customer):
    for _ in range(3):
        _login(client, customer.email, "wrong-password")

    elsewhere = type(client)(REMOTE_ADDR="10.9.8.7")
    assert _login(elsewhere, customer.email, PASSWORD).status_code == 302
    assert _signed_in(elsewhere)


@pytest.mark.usefixtures("axes_on")
def test_after_the_cool_off_the_right_password_works(client, customer):
    for _ in range(3):
        _login(client, customer.email, "wrong-password")
    assert _login(client, customer.email, PASSWORD).status_code == 429

    # Fifteen minutes pass.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = _login(client, customer.email, PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)
    # A successful login starts the count again.
    assert not AccessAttempt.objects.exists()


@pytest.mark.usefixtures("axes_on")
def test_staff_reset_unlocks_at_once(client, customer):
    for _ in range(3):
        _login(client, customer.email, "wrong-password")

    reset(username=customer.email)

    assert _login(client, customer.email, PASSWORD).status_code == 302


@pytest.mark.usefixtures("axes_on")
def test_admin_login_is_throttled_too(client):
    admin_user = UserFactory(username="admin@mashhad.example", is_staff=True, is_superuser=True)
    for _ in range(3):
        client.post(
            "/admin/login/?next=/admin/",
            {"username": admin_user.username, "password": "wrong-password"},
        )

    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD}
    )

    assert response.status_code == 429
    assert not _signed_in(client)


def test_disabled_in_other_tests(client, customer):
    for _ in range(6):
        _login(client, customer.email, "wrong-password")

    assert _login(client, customer.email, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()
