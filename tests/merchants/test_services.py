"""Onboarding services: applying, reviewing, approving, suspending; transitions and event rows."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from oscar.core.loading import get_model

from marketplace.core.roles import MERCHANT_STAFF
from merchants import services
from merchants.exceptions import ApplicationExists, InvalidTransition
from merchants.models import (
    ApplicationStatus,
    Merchant,
    MerchantApplication,
    MerchantApplicationEvent,
    MerchantEvent,
    MerchantStatus,
)
from merchants.tasks import merchant_application_event_notify, merchant_event_notify
from merchants.validators import LICENCE_MAX_BYTES
from tests.merchants.conftest import details, pdf_upload, stored_files
from tests.merchants.factories import (
    IBAN,
    PDF_BYTES,
    PNG_BYTES,
    MerchantApplicationFactory,
    MerchantFactory,
    UserFactory,
)

Partner = get_model("partner", "Partner")

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    return {
        "applications": MerchantApplication.objects.count(),
        "application events": MerchantApplicationEvent.objects.count(),
        "merchants": Merchant.objects.count(),
        "merchant events": MerchantEvent.objects.count(),
        "partners": Partner.objects.count(),
    }


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, tuple]]:
    """Tasks the services queue, as (name, args), recorded when their transaction commits;
    nothing is sent to the broker. Run on-commit callbacks with
    ``django_capture_on_commit_callbacks(execute=True)``."""
    recorded: list[tuple[str, tuple]] = []

    def record(task, *args, **kwargs):
        transaction.on_commit(lambda: recorded.append((task.name, args)))

    monkeypatch.setattr(services, "enqueue_on_commit", record)
    return recorded


def submit(applicant, categories, upload=None, **overrides) -> MerchantApplication:
    return services.merchant_application_submit(
        applicant=applicant,
        details=details(categories, **overrides),
        licence_scan=upload or pdf_upload(),
    )


# --- submitting ---------------------------------------------------------------------------


def test_submitting_stores_normalised_details_the_scan_privately_and_one_event(
    applicant, saffron, nuts, private_root, django_capture_on_commit_callbacks, queued
):
    with django_capture_on_commit_callbacks(execute=True):
        application = submit(applicant, [saffron, nuts])

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.iban == IBAN  # from "ir82 0540 ..."
    assert application.phone == "+985138000000"  # from "051 3800 0000"
    assert set(application.categories.all()) == {saffron, nuts}
    assert application.licence_content_type == "application/pdf"
    [stored] = stored_files(private_root)
    assert stored.read_bytes() == PDF_BYTES
    assert stored.suffix == ".pdf" and stored.name != "licence.pdf"  # a random name
    assert [(e.actor, e.from_status, e.to_status, e.reason) for e in application.events.all()] == [
        (applicant, "", "submitted", "")
    ]
    assert queued == []


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("licence.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"),
            "Licence scan must be a PDF, JPEG or PNG file",
        ),
        (
            SimpleUploadedFile("licence.pdf", b"this is a text file", "application/pdf"),
            "Licence scan must be a PDF, JPEG or PNG file",
        ),
        (
            SimpleUploadedFile(
                "licence.pdf", PDF_BYTES + b"\x00" * LICENCE_MAX_BYTES, "application/pdf"
            ),
            "Licence scan must be at most 5 MB",
        ),
    ],
    ids=["renamed-exe", "renamed-txt", "over-5-mb"],
)
def test_a_refused_scan_writes_and_stores_nothing(
    applicant, saffron, private_root, upload, message
):
    with pytest.raises(ValidationError) as caught:
        submit(applicant, [saffron], upload=upload)

    assert list(caught.value.message_dict) == ["licence_scan"]
    assert caught.value.message_dict["licence_scan"][0].startswith(message)
    assert stored_files(private_root) == []
    assert set(table_counts().values()) == {0}


def test_invalid_details_are_refused_by_field_and_nothing_is_written(
    applicant, saffron, private_root
):
    with pytest.raises(ValidationError) as caught:
        submit(
            applicant,
            [],
            iban="IR830540102680020817909002",
            national_id="0499370898",
            phone="12345",
        )

    assert sorted(caught.value.message_dict) == ["categories", "iban", "national_id", "phone"]
    assert stored_files(private_root) == []
    assert set(table_counts().values()) == {0}


def test_an_applicant_cannot_have_two_live_applications(applicant, saffron, private_root):
    first = submit(applicant, [saffron])

    with pytest.raises(ApplicationExists) as caught:
        submit(applicant, [saffron], upload=SimpleUploadedFile("x.png", PNG_BYTES))

    assert caught.value.application_id == first.pk
    assert MerchantApplication.objects.count() == 1
    assert len(stored_files(private_root)) == 1


def test_the_database_refuses_a_second_live_application_too(applicant):
    MerchantApplicationFactory(applicant=applicant)

    with pytest.raises(IntegrityError), transaction.atomic():
        MerchantApplicationFactory(applicant=applicant, status=ApplicationStatus.CHANGES_REQUESTED)


def test_a_rejected_applicant_may_apply_again(applicant, reviewer, saffron):
    first = submit(applicant, [saffron])
    services.merchant_application_reject(
        application_id=first.pk, actor=reviewer, reason="Licence expired."
    )

    second = submit(applicant, [saffron])

    assert second.pk != first.pk
    assert second.status == ApplicationStatus.SUBMITTED


# --- reviewing ------------------------------------------------------------------------------


def test_request_changes_records_the_reason_and_queues_one_email(
    applicant, reviewer, saffron, django_capture_on_commit_callbacks, queued
):
    application = submit(applicant, [saffron])

    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_application_request_changes(
            application_id=application.pk, actor=reviewer, reason="The licence scan is blurred."
        )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED
    event = application.events.last()
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        reviewer,
        "submitted",
        "changes_requested",
        "The licence scan is blurred.",
    )
    assert event.created_at is not None
    assert queued == [("merchants.application_event_notify", (event.pk,))]


def test_resubmitting_saves_the_changes_and_replaces_the_scan(
    applicant, reviewer, saffron, nuts, private_root, django_capture_on_commit_callbacks, queued
):
    application = submit(applicant, [saffron])
    services.merchant_application_request_changes(
        application_id=application.pk, actor=reviewer, reason="Add nuts; clearer scan."
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_application_resubmit(
            application_id=application.pk,
            applicant=applicant,
            details=details([saffron, nuts], name_en="Novin Saffron & Nuts"),
            licence_scan=SimpleUploadedFile("scan.png", PNG_BYTES, "image/png"),
        )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.name_en == "Novin Saffron & Nuts"
    assert set(application.categories.all()) == {saffron, nuts}
    assert application.licence_content_type == "image/png"
    [stored] = stored_files(private_root)  # the old PDF is gone
    assert stored.read_bytes() == PNG_BYTES and stored.suffix == ".png"
    assert [(e.from_status, e.to_status, e.actor) for e in application.events.all()] == [
        ("", "submitted", applicant),
        ("submitted", "changes_requested", reviewer),
        ("changes_requested", "submitted", applicant),
    ]


def test_only_the_applicant_may_resubmit(applicant, reviewer, saffron):
    application = submit(applicant, [saffron])
    services.merchant_application_request_changes(
        application_id=application.pk, actor=reviewer, reason="Fix the address."
    )
    before = table_counts()

    with pytest.raises(PermissionDenied):
        services.merchant_application_resubmit(
            application_id=application.pk, applicant=UserFactory(), details=details([saffron])
        )

    assert table_counts() == before
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED


def test_another_user_is_refused_before_the_status_is_even_considered(applicant, saffron):
    application = submit(applicant, [saffron])  # submitted: no resubmission possible anyway

    with pytest.raises(PermissionDenied):
        services.merchant_application_resubmit(
            application_id=application.pk, applicant=UserFactory(), details=details([saffron])
        )

    assert application.events.count() == 1


def test_rejection_needs_a_reason_and_records_it(
    applicant, reviewer, saffron, django_capture_on_commit_callbacks, queued
):
    application = submit(applicant, [saffron])

    with pytest.raises(ValidationError) as caught:
        services.merchant_application_reject(
            application_id=application.pk, actor=reviewer, reason="  "
        )
    assert list(caught.value.message_dict) == ["reason"]
    assert application.events.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_application_reject(
            application_id=application.pk, actor=reviewer, reason="Not a Mashhad business."
        )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decided_at is not None
    assert application.merchant is None
    event = application.events.last()
    assert (event.actor, event.to_status, event.reason) == (
        reviewer,
        "rejected",
        "Not a Mashhad business.",
    )
    assert queued == [("merchants.application_event_notify", (event.pk,))]
    assert (Merchant.objects.count(), Partner.objects.count()) == (0, 0)


def test_the_database_refuses_a_rejection_event_without_a_reason(applicant, reviewer):
    application = MerchantApplicationFactory(applicant=applicant)

    with pytest.raises(IntegrityError), transaction.atomic():
        MerchantApplicationEvent.objects.create(
            application=application, actor=reviewer, from_status="submitted", to_status="rejected"
        )


def test_someone_without_the_review_permission_cannot_decide(applicant, saffron):
    application = submit(applicant, [saffron])
    before = table_counts()

    for service in (
        services.merchant_application_approve,
        services.merchant_application_reject,
        services.merchant_application_request_changes,
    ):
        with pytest.raises(PermissionDenied):
            service(application_id=application.pk, actor=applicant, reason="self-approval")

    assert table_counts() == before
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- approving ------------------------------------------------------------------------------


def test_approval_creates_partner_and_merchant_and_lets_the_applicant_into_the_dashboard(
    applicant, reviewer, saffron, django_capture_on_commit_callbacks, queued
):
    application = submit(applicant, [saffron])

    with django_capture_on_commit_callbacks(execute=True):
        merchant = services.merchant_application_approve(
            application_id=application.pk, actor=reviewer, reason="Documents in order."
        )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.merchant == merchant
    assert (merchant.slug, merchant.name_en, merchant.name_fa, merchant.status) == (
        "novin-saffron-house",
        "Novin Saffron House",
        "خانه زعفران نوین",
        MerchantStatus.APPROVED,
    )
    assert (merchant.partner.code, merchant.partner.name) == (
        "novin-saffron-house",
        "Novin Saffron House",
    )
    assert list(merchant.partner.users.all()) == [applicant]
    assert list(applicant.groups.values_list("name", flat=True)) == [MERCHANT_STAFF]
    applicant = type(applicant).objects.get(pk=applicant.pk)  # fresh permission cache
    assert applicant.has_perm("partner.dashboard_access")
    assert [(e.actor, e.from_status, e.to_status) for e in application.events.all()] == [
        (applicant, "", "submitted"),
        (reviewer, "submitted", "approved"),
    ]
    assert [(e.actor, e.from_status, e.to_status, e.reason) for e in merchant.events.all()] == [
        (reviewer, "", "approved", "Documents in order.")
    ]
    assert queued == [("merchants.application_event_notify", (application.events.last().pk,))]


def test_approval_picks_a_free_slug(applicant, reviewer, saffron):
    MerchantFactory(slug="novin-saffron-house")
    application = submit(applicant, [saffron])

    merchant = services.merchant_application_approve(application_id=application.pk, actor=reviewer)

    assert merchant.slug == merchant.partner.code == "novin-saffron-house-2"


# --- invalid transitions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ApplicationStatus.APPROVED, "approve"),
        (ApplicationStatus.REJECTED, "approve"),
        (ApplicationStatus.CHANGES_REQUESTED, "approve"),
        (ApplicationStatus.REJECTED, "request_changes"),
        (ApplicationStatus.CHANGES_REQUESTED, "request_changes"),
        (ApplicationStatus.REJECTED, "reject"),
        (ApplicationStatus.APPROVED, "reject"),
        (ApplicationStatus.SUBMITTED, "resubmit"),
        (ApplicationStatus.REJECTED, "resubmit"),
    ],
)
def test_invalid_application_transitions_raise_and_write_nothing(
    applicant, reviewer, saffron, status, action, django_capture_on_commit_callbacks, queued
):
    merchant = MerchantFactory() if status == ApplicationStatus.APPROVED else None
    application = MerchantApplicationFactory(
        applicant=applicant, status=status, merchant=merchant, categories=[saffron]
    )
    before = table_counts()
    calls = {
        "approve": lambda: services.merchant_application_approve(
            application_id=application.pk, actor=reviewer
        ),
        "request_changes": lambda: services.merchant_application_request_changes(
            application_id=application.pk, actor=reviewer, reason="why"
        ),
        "reject": lambda: services.merchant_application_reject(
            application_id=application.pk, actor=reviewer, reason="why"
        ),
        "resubmit": lambda: services.merchant_application_resubmit(
            application_id=application.pk, applicant=applicant, details=details([saffron])
        ),
    }

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(InvalidTransition) as caught,
    ):
        calls[action]()

    assert str(caught.value).startswith(f"Merchant application #{application.pk} is ")
    assert caught.value.from_status == status
    assert table_counts() == before
    application.refresh_from_db()
    assert application.status == status
    assert queued == []


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (MerchantStatus.SUSPENDED, "suspend"),
        (MerchantStatus.APPROVED, "reinstate"),
        (MerchantStatus.APPLIED, "reinstate"),
        (MerchantStatus.REJECTED, "suspend"),
        (MerchantStatus.APPLIED, "suspend"),
    ],
)
def test_invalid_merchant_transitions_raise_and_write_nothing(
    reviewer, status, action, django_capture_on_commit_callbacks, queued
):
    merchant = MerchantFactory(status=status)
    service = {"suspend": services.merchant_suspend, "reinstate": services.merchant_reinstate}
    before = table_counts()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(InvalidTransition) as caught,
    ):
        service[action](merchant_id=merchant.pk, actor=reviewer, reason="why")

    assert str(caught.value).startswith(f"Merchant #{merchant.pk} is {status}; it cannot become")
    assert table_counts() == before
    merchant.refresh_from_db()
    assert merchant.status == status
    assert queued == []


# --- suspending -----------------------------------------------------------------------------


def test_suspension_and_reinstatement_need_a_reason_and_record_events(
    reviewer, django_capture_on_commit_callbacks, queued
):
    merchant = MerchantFactory()

    with pytest.raises(ValidationError):
        services.merchant_suspend(merchant_id=merchant.pk, actor=reviewer, reason="")
    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.APPROVED and not merchant.events.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_suspend(
            merchant_id=merchant.pk, actor=reviewer, reason="Sold counterfeit saffron."
        )
        services.merchant_reinstate(
            merchant_id=merchant.pk, actor=reviewer, reason="Inspection passed."
        )

    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.APPROVED
    assert [(e.actor, e.from_status, e.to_status, e.reason) for e in merchant.events.all()] == [
        (reviewer, "approved", "suspended", "Sold counterfeit saffron."),
        (reviewer, "suspended", "approved", "Inspection passed."),
    ]
    assert queued == [("merchants.merchant_event_notify", (e.pk,)) for e in merchant.events.all()]


def test_a_non_reviewer_cannot_suspend(applicant):
    merchant = MerchantFactory()

    with pytest.raises(PermissionDenied):
        services.merchant_suspend(merchant_id=merchant.pk, actor=applicant, reason="rival")

    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.APPROVED
    assert not merchant.events.exists()


# --- emails (tasks run inline here; the worker flow is in test_flow.py) ---------------------


def test_each_decision_email_is_sent_once_however_often_the_task_runs(
    applicant, reviewer, saffron, mailoutbox
):
    application = submit(applicant, [saffron])
    services.merchant_application_request_changes(
        application_id=application.pk, actor=reviewer, reason="Please add your shop's sign."
    )
    event = application.events.last()

    merchant_application_event_notify(event.pk)
    merchant_application_event_notify(event.pk)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["owner@novin.example"]
    assert "needs changes" in message.subject
    assert "Please add your shop's sign." in message.body
    assert "/merchants/apply/" in message.body
    event.refresh_from_db()
    assert event.notified_at is not None


def test_the_suspension_email_goes_to_the_merchants_users(reviewer, mailoutbox):
    merchant = MerchantFactory(name_en="Vakil Carpets")
    merchant.partner.users.add(UserFactory(username="a@vakil.example"))
    merchant.partner.users.add(UserFactory(username="b@vakil.example"))
    services.merchant_suspend(merchant_id=merchant.pk, actor=reviewer, reason="Unpaid fees.")

    merchant_event_notify(merchant.events.get().pk)

    [message] = mail.outbox
    assert message.to == ["a@vakil.example", "b@vakil.example"]
    assert "Vakil Carpets is suspended" in message.subject
    assert "Unpaid fees." in message.body
