"""Merchant: its database constraints and its tie to Oscar's partner."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from merchants.models import Merchant, MerchantStatus
from tests.merchants.factories import MerchantFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_factory_builds_an_approved_merchant_on_its_own_partner():
    merchant = MerchantFactory(slug="novin-saffron", name_en="Novin Saffron House")

    assert merchant.status == MerchantStatus.APPROVED
    assert merchant.city == "Mashhad"
    assert merchant.partner.code == "novin-saffron"
    assert merchant.partner.name == "Novin Saffron House"
    assert merchant.partner.merchant == merchant


def test_new_merchant_starts_applied():
    merchant = Merchant.objects.create(
        partner=PartnerFactory(), slug="new-shop", name_en="New shop", name_fa="فروشگاه تازه"
    )

    assert merchant.status == MerchantStatus.APPLIED


def test_database_refuses_a_status_outside_the_choices():
    merchant = MerchantFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Merchant.objects.filter(pk=merchant.pk).update(status="closed")

    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.APPROVED


def test_a_partner_belongs_to_at_most_one_merchant():
    merchant = MerchantFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Merchant.objects.create(partner=merchant.partner, slug="second", name_en="x", name_fa="x")

    assert Merchant.objects.count() == 1


def test_deleting_a_merchants_partner_is_refused():
    merchant = MerchantFactory()

    with pytest.raises(ProtectedError):
        merchant.partner.delete()

    assert Merchant.objects.filter(pk=merchant.pk).exists()
