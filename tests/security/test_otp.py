"""Staff two-factor login: privileged staff verify a TOTP code or a backup token before staff
pages; those without a device enrol one first."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts_security.services import backup_tokens_regenerate
from tests.merchants.factories import UserFactory
from tests.security.otp import otp_device_for, otp_verify_client, totp_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_required")]

VERIFY = "/two-factor/verify/"
SETUP = "/two-factor/setup/"


def test_unverified_finance_user_is_sent_to_verify(client, finance_user):
    otp_device_for(finance_user)
    client.force_login(finance_user)

    response = client.get("/finance/")

    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={quote('/finance/', safe='')}"


@pytest.mark.parametrize(
    "path", ["/finance/", "/finance/fees/", "/customs/", "/merchants/review/", "/admin/"]
)
def test_every_staff_area_needs_the_second_factor(client, path):
    superuser = UserFactory(username="root@mashhad.example", is_superuser=True, is_staff=True)
    otp_device_for(superuser)
    client.force_login(superuser)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_wrong_code_is_refused_and_the_user_stays_out(client, finance_user):
    device = otp_device_for(finance_user)
    client.force_login(finance_user)
    wrong = f"{(int(totp_now(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"token": wrong, "next": "/finance/"})

    assert response.status_code == 400
    assert "Code: this code is not valid" in response.content.decode()
    assert client.get("/finance/")["Location"].startswith(VERIFY)


def test_right_totp_code_lets_the_user_in(client, finance_user):
    device = otp_device_for(finance_user)
    client.force_login(finance_user)

    response = client.post(VERIFY, {"token": totp_now(device), "next": "/finance/"})

    assert response.status_code == 302
    assert response["Location"] == "/finance/"
    assert client.get("/finance/").status_code == 200


def test_a_code_is_not_accepted_twice(client, finance_user):
    device = otp_device_for(finance_user)
    code = totp_now(device)
    client.force_login(finance_user)
    assert client.post(VERIFY, {"token": code}).status_code == 302

    other = type(client)()
    other.force_login(finance_user)
    response = other.post(VERIFY, {"token": code})

    assert response.status_code == 400


def test_next_outside_the_site_is_ignored(client, finance_user):
    device = otp_device_for(finance_user)
    client.force_login(finance_user)

    response = client.post(VERIFY, {"token": totp_now(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_user_without_a_device_enrols_then_gets_in(client, finance_user):
    client.force_login(finance_user)

    first = client.get("/finance/")
    assert first["Location"] == f"{SETUP}?next={quote('/finance/', safe='')}"

    page = client.get(first["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    secret = re.search(r'id="otp-secret">([A-Z2-7=]+)<', body).group(1)
    assert "otpauth://totp/" in body
    assert "<svg" in body
    device = TOTPDevice.objects.get(user=finance_user, confirmed=False)
    assert base64.b32decode(secret) == device.bin_key

    wrong = client.post(SETUP, {"token": "000000" if totp_now(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "Code: this code does not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=finance_user, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=finance_user).exists()

    # A failure makes the device wait a second before the next try (django-otp's throttling).
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
    )
    done = client.post(SETUP, {"token": totp_now(device), "next": "/finance/"})

    assert done.status_code == 200
    tokens = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(tokens) == 10
    assert sorted(tokens) == sorted(
        StaticToken.objects.filter(device__user=finance_user).values_list("token", flat=True)
    )
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/finance/").status_code == 200


def test_enrolment_page_needs_the_existing_device_first(client, finance_user):
    otp_device_for(finance_user)
    client.force_login(finance_user)

    response = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=finance_user).count() == 1


def test_backup_token_works_once(client, finance_user):
    otp_device_for(finance_user)
    token = backup_tokens_regenerate(user=finance_user)[0]
    client.force_login(finance_user)

    assert client.post(VERIFY, {"token": token, "next": "/finance/"}).status_code == 302
    assert client.get("/finance/").status_code == 200
    assert not StaticToken.objects.filter(token=token).exists()

    again = type(client)()
    again.force_login(finance_user)
    response = again.post(VERIFY, {"token": token})
    assert response.status_code == 400
    assert again.get("/finance/")["Location"].startswith(VERIFY)


def test_customers_and_merchant_staff_are_not_asked(client):
    customer = UserFactory(username="buyer@example.com")
    client.force_login(customer)

    assert client.get("/accounts/profile/").status_code == 200
    # Not staff: the finance page refuses them as before, without a second-factor detour.
    assert client.get("/finance/").status_code == 403


def test_off_switch_lets_staff_in_without_a_code(client, finance_user, settings):
    settings.STAFF_OTP_REQUIRED = False
    client.force_login(finance_user)

    assert client.get("/finance/").status_code == 200


def test_admin_needs_verification_then_opens(client):
    superuser = UserFactory(username="admin@mashhad.example", is_superuser=True, is_staff=True)
    device = otp_device_for(superuser)
    client.force_login(superuser)
    assert client.get("/admin/")["Location"].startswith(VERIFY)

    client.post(VERIFY, {"token": totp_now(device), "next": "/admin/"})

    assert client.get("/admin/").status_code == 200


def test_helper_marks_the_session_verified(client, finance_user):
    otp_verify_client(client, finance_user)

    assert client.get("/finance/").status_code == 200
