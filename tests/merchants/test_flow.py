"""The whole onboarding through the pages, with emails sent by a real Celery worker."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from oscar.core.loading import get_model

from marketplace.core.roles import MERCHANT_STAFF
from merchants.models import ApplicationStatus, Merchant, MerchantApplication, MerchantStatus
from tests.merchants.conftest import pdf_upload
from tests.merchants.factories import PERSON_NATIONAL_ID, UserFactory, municipal_staff_user
from tests.search.factories import CategoryFactory

Partner = get_model("partner", "Partner")


def wait_for_mail(count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # a duplicate would arrive now


@pytest.mark.django_db(transaction=True)
def test_apply_request_changes_resubmit_approve(client, celery_worker):
    saffron = CategoryFactory(name="Saffron")
    applicant = UserFactory(username="owner@novin.example")
    reviewer = municipal_staff_user(username="reviewer@mashhad.example")
    form = {
        "name_fa": "خانه زعفران نوین",
        "name_en": "Novin Saffron House",
        "trade_licence_number": "MHD-140-2231",
        "national_id": PERSON_NATIONAL_ID,
        "iban": "IR82 0540 1026 8002 0817 9090 02",
        "address": "Imam Reza St 12",
        "categories": [saffron.pk],
        "phone": "0912 345 6789",
    }

    # the applicant applies
    client.force_login(applicant)
    assert (
        client.post("/merchants/apply/", {**form, "licence_scan": pdf_upload()}).status_code == 302
    )
    application = MerchantApplication.objects.get()
    review_url = f"/merchants/review/{application.pk}/"

    # municipal staff ask for changes: the applicant is emailed what to change
    client.force_login(reviewer)
    client.post(
        review_url,
        {"action": "request_changes", "request_changes-reason": "Use your shop's legal name."},
    )
    wait_for_mail(1)
    assert [m.to for m in mail.outbox] == [["owner@novin.example"]]
    assert "Use your shop's legal name." in mail.outbox[0].body
    mail.outbox.clear()

    # the applicant edits and resubmits (no email for that)
    client.force_login(applicant)
    edited = {**form, "name_en": "Novin Saffron House Co."}
    assert client.post("/merchants/apply/", edited).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    # municipal staff approve
    client.force_login(reviewer)
    client.post(review_url, {"action": "approve", "approve-reason": ""})

    # then exactly one email, the approval, sent by the worker
    wait_for_mail(1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@novin.example"]
    assert (
        message.subject
        == "Novin Saffron House Co. is approved to sell on Mashhad e-City Marketplace"
    )
    assert "/merchants/novin-saffron-house-co/" in message.body

    merchant = Merchant.objects.select_related("partner").get()
    assert (merchant.slug, merchant.status) == ("novin-saffron-house-co", MerchantStatus.APPROVED)
    assert Partner.objects.get() == merchant.partner
    assert list(merchant.partner.users.all()) == [applicant]
    assert list(applicant.groups.values_list("name", flat=True)) == [MERCHANT_STAFF]
    application.refresh_from_db()
    assert (application.status, application.merchant) == (ApplicationStatus.APPROVED, merchant)
    assert [(e.from_status, e.to_status, e.actor_id) for e in application.events.all()] == [
        ("", "submitted", applicant.pk),
        ("submitted", "changes_requested", reviewer.pk),
        ("changes_requested", "submitted", applicant.pk),
        ("submitted", "approved", reviewer.pk),
    ]
    assert all(
        e.notified_at is not None
        for e in application.events.filter(to_status__in=["changes_requested", "approved"])
    )

    # the merchant's public page is up, and a second approval changes nothing
    assert client.get("/merchants/novin-saffron-house-co/").status_code == 200
    client.post(review_url, {"action": "approve", "approve-reason": ""})
    time.sleep(0.5)
    assert len(mail.outbox) == 1
    assert (Merchant.objects.count(), Partner.objects.count()) == (1, 1)
