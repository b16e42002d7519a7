"""What officers do to a declaration and what merchants answer: claim, assign, release (with the
settlement seam), query and answer with documents, hold and inspect, amend (duties again, the
duty-changed seam), reject (the merchant order refunded), second-officer approval, SLA
escalation, the append-only audit trail, shipping gating."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import InternalError, ProgrammingError, transaction
from django.utils import timezone

from customs.exceptions import ActionRefused, DocumentRefused, NotAssigned, TransitionNotAllowed
from customs.models import Declaration, DeclarationDocument, DeclarationEvent, DeclarationQuery
from customs.selectors import declaration_is_released, merchant_order_shipment_allowed
from customs.services import (
    declaration_amend,
    declaration_assign,
    declaration_claim,
    declaration_create,
    declaration_exit,
    declaration_hold,
    declaration_inspection_record,
    declaration_query,
    declaration_query_answer,
    declaration_reject,
    declaration_release,
    declaration_release_approve,
    declarations_sla_escalate,
)
from customs.signals import declaration_duty_changed
from marketplace.core.money import Money
from settlement.models import MerchantOrderSettlement
from tests.customs.factories import (
    CARPET,
    SAFFRON,
    foreign_purchase,
    merchant_staff_create,
    merchant_with_goods,
    paid_abroad,
)
from tests.merchants.factories import PDF_BYTES, PNG_BYTES, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def yellow(rules, settings):
    """A claimed-by-nobody yellow declaration of 2 saffron + 1 carpet to Herat, and its merchant."""
    from customs.models import RiskRule

    RiskRule.objects.create(name="carpets", kind="hs_prefix", lane="yellow", hs_code_id="5701")
    merchant, (saffron, carpet) = merchant_with_goods(SAFFRON, CARPET)
    [merchant_order] = foreign_purchase([(saffron, 2), (carpet, 1)])
    declaration = declaration_create(merchant_order_id=merchant_order.pk)
    assert declaration.status == "yellow"
    return declaration, merchant


@pytest.fixture
def red(rules):
    from customs.models import RiskRule

    RiskRule.objects.create(name="saffron", kind="hs_prefix", lane="red", hs_code_id="0910")
    _merchant, (saffron,) = merchant_with_goods(SAFFRON)
    [merchant_order] = foreign_purchase([(saffron, 1)])
    return declaration_create(merchant_order_id=merchant_order.pk)


def actions(declaration):
    return list(
        DeclarationEvent.objects.filter(declaration=declaration)
        .order_by("pk")
        .values_list("action", "from_status", "to_status")
    )


# --- Claim and assign --------------------------------------------------------------------------


def test_officer_claims_then_releases_and_settlement_is_told(yellow, officer):
    declaration, _merchant = yellow
    assert not declaration_is_released(merchant_order_id=declaration.merchant_order_id)
    assert not merchant_order_shipment_allowed(merchant_order_id=declaration.merchant_order_id)

    declaration_claim(declaration_id=declaration.pk, actor=officer)
    released = declaration_release(declaration_id=declaration.pk, actor=officer, reason="docs ok")

    assert released.status == "released" and released.assigned_to == officer
    event = released.events.get(to_status="released")
    assert (event.actor, event.reason, event.before["status"], event.after["status"]) == (
        officer,
        "docs ok",
        "yellow",
        "released",
    )
    hold = MerchantOrderSettlement.objects.get(merchant_order_id=declaration.merchant_order_id)
    assert hold.customs_released_at == released.released_at
    assert declaration_is_released(merchant_order_id=declaration.merchant_order_id)
    assert merchant_order_shipment_allowed(merchant_order_id=declaration.merchant_order_id)


def test_unclaimed_or_someone_elses_declarations_cannot_be_worked(yellow, officer, second_officer):
    declaration, _merchant = yellow

    with pytest.raises(NotAssigned):
        declaration_release(declaration_id=declaration.pk, actor=officer)
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    declaration_claim(declaration_id=declaration.pk, actor=officer)  # idempotent
    with pytest.raises(ActionRefused):
        declaration_claim(declaration_id=declaration.pk, actor=second_officer)
    with pytest.raises(NotAssigned):
        declaration_reject(declaration_id=declaration.pk, actor=second_officer, reason="no")

    declaration_assign(
        declaration_id=declaration.pk, actor=officer, assignee=second_officer, reason="leave"
    )
    declaration_release(declaration_id=declaration.pk, actor=second_officer)

    assert Declaration.objects.get(pk=declaration.pk).status == "released"
    assert [a for a, *_ in actions(declaration)][-3:] == ["claimed", "assigned", "status"]


def test_only_officers_may_act_and_only_officers_may_be_assigned(yellow, officer):
    declaration, merchant = yellow
    staff = merchant_staff_create(merchant)
    admin = UserFactory(is_superuser=True, is_staff=True)

    for actor in (staff, admin, UserFactory()):
        with pytest.raises(PermissionDenied):
            declaration_claim(declaration_id=declaration.pk, actor=actor)
    with pytest.raises(ActionRefused):
        declaration_assign(declaration_id=declaration.pk, actor=officer, assignee=staff)
    assert Declaration.objects.get(pk=declaration.pk).assigned_to is None


# --- Query and answer --------------------------------------------------------------------------


def test_query_the_merchant_who_answers_with_documents_and_it_returns_to_the_queue(
    yellow, officer, django_capture_on_commit_callbacks
):
    from customs.tasks import query_merchant_notify

    declaration, merchant = yellow
    staff = merchant_staff_create(merchant, "staff@saffron.example")
    declaration_claim(declaration_id=declaration.pk, actor=officer)

    with django_capture_on_commit_callbacks() as callbacks:
        query = declaration_query(
            declaration_id=declaration.pk, actor=officer, question="Invoice for the carpet?"
        )
    assert len(callbacks) == 1  # the merchant's email is queued on commit
    query_merchant_notify.run(query.pk)
    assert mail.outbox[-1].to == ["staff@saffron.example"]
    assert "Invoice for the carpet?" in mail.outbox[-1].body
    assert Declaration.objects.get(pk=declaration.pk).status == "queried"

    pdf = BytesIO(PDF_BYTES)
    pdf.name = "invoice.pdf"
    photo = BytesIO(PNG_BYTES)
    photo.name = "../../carpet.png"
    declaration_query_answer(
        query_id=query.pk,
        actor=staff,
        answer="Attached.",
        uploads=[(pdf, "invoice"), (photo, "photo")],
    )

    query.refresh_from_db()
    assert (query.answer, query.answered_by) == ("Attached.", staff)
    documents = list(DeclarationDocument.objects.order_by("pk"))
    assert [(d.kind, d.content_type, d.original_name) for d in documents] == [
        ("invoice", "application/pdf", "invoice.pdf"),
        ("photo", "image/png", "carpet.png"),
    ]
    assert documents[0].file.name.startswith("customs-documents/")
    assert documents[0].file.read() == PDF_BYTES
    assert Declaration.objects.get(pk=declaration.pk).status == "yellow"
    assert actions(declaration)[-4:] == [
        ("document_added", "", ""),
        ("document_added", "", ""),
        ("query_answered", "", ""),
        ("status", "queried", "yellow"),
    ]


def test_another_merchant_or_a_bad_file_writes_nothing(yellow, officer):
    declaration, merchant = yellow
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    query = declaration_query(declaration_id=declaration.pk, actor=officer, question="Why?")
    other, _goods = merchant_with_goods(SAFFRON, name="Other House")

    with pytest.raises(PermissionDenied):
        declaration_query_answer(query_id=query.pk, actor=merchant_staff_create(other), answer="x")
    exe = BytesIO(b"MZ\x90\x00" + b"\x00" * 64)
    exe.name = "invoice.pdf"
    with pytest.raises(DocumentRefused):
        declaration_query_answer(
            query_id=query.pk,
            actor=merchant_staff_create(merchant),
            answer="x",
            uploads=[(exe, "invoice")],
        )

    assert DeclarationQuery.objects.get(pk=query.pk).answered_at is None
    assert not DeclarationDocument.objects.exists()
    assert Declaration.objects.get(pk=declaration.pk).status == "queried"


# --- Hold, inspect, release (red lane) ----------------------------------------------------------


def test_red_lane_needs_an_inspection_before_release(red, officer):
    declaration_claim(declaration_id=red.pk, actor=officer)

    with pytest.raises(ActionRefused, match="inspection"):
        declaration_release(declaration_id=red.pk, actor=officer)
    with pytest.raises(TransitionNotAllowed):
        declaration_inspection_record(declaration_id=red.pk, actor=officer, result="seen")
    declaration_hold(declaration_id=red.pk, actor=officer, reason="open the parcel")
    declaration_inspection_record(
        declaration_id=red.pk, actor=officer, result="5 g saffron, as declared"
    )
    declaration_release(declaration_id=red.pk, actor=officer)

    red.refresh_from_db()
    assert (red.status, red.inspection_result) == ("released", "5 g saffron, as declared")
    assert [(f, t) for a, f, t in actions(red) if a == "status"] == [
        ("submitted", "red"),
        ("red", "held"),
        ("held", "inspected"),
        ("inspected", "released"),
    ]


def test_second_officer_approves_red_lane_releases(red, officer, second_officer, settings):
    settings.CUSTOMS_RED_RELEASE_SECOND_OFFICER = True
    declaration_claim(declaration_id=red.pk, actor=officer)
    declaration_hold(declaration_id=red.pk, actor=officer, reason="inspect")
    declaration_inspection_record(declaration_id=red.pk, actor=officer, result="as declared")

    requested = declaration_release(declaration_id=red.pk, actor=officer)
    assert (requested.status, requested.release_requested_by) == ("inspected", officer)
    with pytest.raises(ActionRefused, match="second officer"):
        declaration_release_approve(declaration_id=red.pk, actor=officer)
    assert not MerchantOrderSettlement.objects.filter(customs_released_at__isnull=False).exists()

    approved = declaration_release_approve(declaration_id=red.pk, actor=second_officer)

    assert approved.status == "released"
    assert approved.events.get(to_status="released").actor == second_officer


# --- Amend --------------------------------------------------------------------------------------


def test_amending_recomputes_duties_records_the_difference_and_emits_the_seam(yellow, officer):
    declaration, _merchant = yellow
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    saffron = declaration.items.get(sequence=1)
    old_taxes = declaration.taxes_minor
    received = []

    def receiver(sender, declaration, old, new, event, **kwargs):
        received.append((old, new, event.action))

    declaration_duty_changed.connect(receiver)
    try:
        amended = declaration_amend(
            declaration_id=declaration.pk,
            actor=officer,
            item_id=saffron.pk,
            value_minor=12_000_000,
            hs_code="0910.99",  # AF has no 091099 rate: the 0910 rate (10%) still applies
            reason="invoice shows 6M per vial",
        )
    finally:
        declaration_duty_changed.disconnect(receiver)

    saffron.refresh_from_db()
    assert (saffron.value_minor, saffron.hs_code_id) == (12_000_000, "091099")
    assert amended.goods_value_minor == 42_000_000
    new_taxes = amended.taxes_minor
    assert new_taxes > old_taxes
    assert amended.duty_difference_minor == new_taxes - old_taxes
    assert received == [(Money(old_taxes, "IRR"), Money(new_taxes, "IRR"), "amended")]
    event = amended.events.get(action="amended")
    assert event.before["value_minor"] == 9_000_000 and event.after["value_minor"] == 12_000_000
    assert (event.before["hs_code"], event.after["hs_code"]) == ("091020", "091099")
    assert event.after["duty_difference_minor"] == new_taxes - old_taxes


def test_bad_amendments_change_nothing(yellow, officer):
    declaration, _merchant = yellow
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    item = declaration.items.get(sequence=1)

    for kwargs in (
        {"hs_code": "0910", "reason": "x"},  # a heading
        {"value_minor": -1, "reason": "x"},
        {"value_minor": 9_000_000, "reason": "x"},  # the same value: nothing to change
        {"value_minor": 1, "reason": "  "},
    ):
        with pytest.raises(ActionRefused):
            declaration_amend(
                declaration_id=declaration.pk, actor=officer, item_id=item.pk, **kwargs
            )

    item.refresh_from_db()
    assert (item.value_minor, item.hs_code_id) == (9_000_000, "091020")
    assert Declaration.objects.get(pk=declaration.pk).duty_difference_minor == 0
    assert not DeclarationEvent.objects.filter(action="amended").exists()


# --- Reject: the merchant order is refunded -------------------------------------------------------


def test_reject_refunds_the_whole_merchant_order_duties_included(
    rules, officer, client, django_capture_on_commit_callbacks
):
    from customs.models import RiskRule
    from payments.models import Payment, Refund

    RiskRule.objects.create(name="all", kind="destination", lane="yellow", country="AF")
    saffron_house, (saffron,) = merchant_with_goods(SAFFRON)
    carpet_house, (carpet,) = merchant_with_goods(CARPET, name="Vakil Carpet Bazaar")
    _saffron_order, carpet_order = paid_abroad(
        client, [(saffron_house, saffron), (carpet_house, carpet)], [2, 1]
    )
    declaration = declaration_create(merchant_order_id=carpet_order.pk)
    declaration_claim(declaration_id=declaration.pk, actor=officer)

    with django_capture_on_commit_callbacks(execute=True):
        declaration_reject(
            declaration_id=declaration.pk, actor=officer, reason="carpet over 100 years"
        )

    refund = Refund.objects.get()
    assert (refund.merchant_order_id, refund.amount_minor, refund.status) == (
        carpet_order.pk,
        carpet_order.total_minor,
        "succeeded",
    )
    # The platform's own refund: nobody requested it, its source is recorded, no system user.
    assert (refund.requested_by, refund.source) == (None, "customs:rejection")
    assert not UserFactory._meta.model.objects.filter(username__startswith="system-").exists()
    assert declaration.number in refund.reason
    payment = Payment.objects.get()
    assert payment.refunded_minor == carpet_order.total_minor
    assert not merchant_order_shipment_allowed(merchant_order_id=carpet_order.pk)
    carpet_order.order.refresh_from_db()
    assert carpet_order.order.status == "Cancelled"
    # Idempotent: the retry task finds nothing left to refund.
    from customs.services import rejection_refund

    rejection_refund(declaration_id=declaration.pk)
    assert Refund.objects.count() == 1


# --- SLA ------------------------------------------------------------------------------------------


def test_sla_breaches_are_marked_once_and_escalated(
    yellow, officer, settings, django_capture_on_commit_callbacks
):
    settings.CUSTOMS_ESCALATION_EMAILS = ["chief@customs.example"]
    declaration, _merchant = yellow
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    later = declaration.sla_due_at + timedelta(minutes=1)

    assert declarations_sla_escalate(now=declaration.sla_due_at - timedelta(minutes=1)) == []
    with django_capture_on_commit_callbacks(execute=True):
        marked = declarations_sla_escalate(now=later)
    assert marked == [declaration.pk]
    assert declarations_sla_escalate(now=later + timedelta(hours=1)) == []

    declaration.refresh_from_db()
    assert declaration.sla_breached_at == later
    assert declaration.events.filter(action="sla_breached").count() == 1
    sent = [m for m in mail.outbox if "SLA" in m.subject]
    assert len(sent) == 1
    assert sent[0].to == ["chief@customs.example", officer.email]


def test_released_declarations_are_not_escalated(yellow, officer):
    declaration, _merchant = yellow
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    declaration_release(declaration_id=declaration.pk, actor=officer)

    assert declarations_sla_escalate(now=timezone.now() + timedelta(days=30)) == []


# --- Audit trail and transitions -------------------------------------------------------------------


def test_the_audit_trail_is_append_only_in_the_database(yellow):
    declaration, _merchant = yellow
    event = declaration.events.first()

    for statement in (
        lambda: DeclarationEvent.objects.filter(pk=event.pk).update(reason="rewritten"),
        lambda: DeclarationEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
            statement()

    event.refresh_from_db()
    assert event.reason == "Created when the order was paid."


def test_exit_follows_release_only(yellow, officer):
    declaration, _merchant = yellow
    declaration_claim(declaration_id=declaration.pk, actor=officer)

    with pytest.raises(TransitionNotAllowed):
        declaration_exit(declaration_id=declaration.pk, actor=officer)
    declaration_release(declaration_id=declaration.pk, actor=officer)
    declaration_exit(declaration_id=declaration.pk, actor=officer, reason="scanned at Dogharoun")

    assert Declaration.objects.get(pk=declaration.pk).status == "exited"
    assert declaration_is_released(merchant_order_id=declaration.merchant_order_id)
