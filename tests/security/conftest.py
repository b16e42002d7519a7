"""Staff users of each role for the security tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from marketplace.core.roles import MUNICIPAL_FINANCE, roles_ensure
from tests.merchants.factories import UserFactory


def finance_user_create(username: str = "finance@mashhad.example"):
    roles_ensure()
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=MUNICIPAL_FINANCE))
    return user


@pytest.fixture
def finance_user(db):
    return finance_user_create()


@pytest.fixture
def otp_required(settings):
    settings.STAFF_OTP_REQUIRED = True
