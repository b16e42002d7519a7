"""The demo's staff get past the second factor with the published demo code."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts_security.demo_otp import demo_otp_code
from tests.demo.conftest import demo_first_run  # noqa: F401 - the module-scoped demo load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_required")]


def test_demo_staff_have_the_demo_device_and_merchant_staff_none(demo_first_run):  # noqa: F811
    users = get_user_model().objects
    with_device = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user__email", flat=True)
    )

    assert with_device == {
        "admin@demo.mashhad.example",
        "finance@demo.mashhad.example",
        "customs@demo.mashhad.example",
    }
    assert users.filter(email="staff.novin@demo.mashhad.example").exists()
    assert "make demo-otp" in demo_first_run


def test_demo_finance_user_signs_in_with_the_demo_code(client, demo_first_run):  # noqa: F811
    assert client.login(username="finance@demo.mashhad.example", password="mashhad-demo-2026")
    assert client.get("/finance/")["Location"].startswith("/two-factor/verify/")

    response = client.post("/two-factor/verify/", {"token": demo_otp_code(), "next": "/finance/"})

    assert response.status_code == 302
    assert client.get("/finance/").status_code == 200
