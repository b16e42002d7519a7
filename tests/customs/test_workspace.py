"""The officers' workspace and the merchants' customs pages over HTTP: who may open what (the
authorization matrix), queues and filters, actions through the forms, files, and no payment data
anywhere an officer looks."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from customs.models import Declaration, RiskRule
from customs.services import declaration_claim, declaration_create, declaration_query
from marketplace.core.roles import MUNICIPAL_FINANCE, MUNICIPAL_STAFF, roles_ensure
from tests.customs.factories import (
    CARPET,
    SAFFRON,
    merchant_staff_create,
    merchant_with_goods,
    paid_abroad,
)
from tests.merchants.factories import PDF_BYTES, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(rules, client):
    """A paid order to Herat from two merchants; the carpet's declaration waits in yellow."""
    RiskRule.objects.create(name="carpets", kind="hs_prefix", lane="yellow", hs_code_id="5701")
    saffron_house, (saffron,) = merchant_with_goods(SAFFRON)
    carpet_house, (carpet,) = merchant_with_goods(CARPET, name="Vakil Carpet Bazaar")
    saffron_order, carpet_order = paid_abroad(
        client, [(saffron_house, saffron), (carpet_house, carpet)], [1, 1]
    )
    declaration_create(merchant_order_id=saffron_order.pk)
    declaration = declaration_create(merchant_order_id=carpet_order.pk)
    assert declaration.status == "yellow"
    return declaration, carpet_house, saffron_house


def group_user(group_name, **kwargs):
    roles_ensure()
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def people(case, officer):
    _declaration, carpet_house, saffron_house = case
    return {
        "anonymous": None,
        "buyer": UserFactory(),
        "own_merchant_staff": merchant_staff_create(carpet_house),
        "other_merchant_staff": merchant_staff_create(saffron_house),
        "municipal_staff": group_user(MUNICIPAL_STAFF, is_staff=True),
        "municipal_finance": group_user(MUNICIPAL_FINANCE, is_staff=True),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "officer": officer,
    }


def urls(declaration, document_pk):
    pk = declaration.pk
    return {
        "queue": reverse("customs:queue"),
        "detail": reverse("customs:declaration", kwargs={"pk": pk}),
        "rules": reverse("customs:rules"),
        "ecn23": reverse("customs:declaration-ecn23", kwargs={"pk": pk}),
        "cn23": reverse("customs:declaration-cn23", kwargs={"pk": pk}),
        "invoice": reverse("customs:declaration-invoice", kwargs={"pk": pk}),
        "document": reverse(
            "customs:declaration-document", kwargs={"pk": pk, "document_pk": document_pk}
        ),
        "dead_letters": reverse("customs:dead-letters"),
        "merchant_list": reverse("merchant_dashboard:customs:declarations"),
        "merchant_detail": reverse("merchant_dashboard:customs:declaration", kwargs={"pk": pk}),
    }


#: Expected status per page and person. 302 = sent to sign in; 404 = hidden.
# fmt: off
MATRIX = {
    #                anon  buyer own  other muni  fin   super officer
    "queue":        (302, 403, 403, 403, 403, 403, 403, 200),
    "detail":       (302, 403, 403, 403, 403, 403, 403, 200),
    "rules":        (302, 403, 403, 403, 403, 403, 200, 200),
    "ecn23":        (302, 404, 200, 404, 404, 404, 404, 200),
    "cn23":         (302, 404, 200, 404, 404, 404, 404, 200),
    "invoice":      (302, 404, 200, 404, 404, 404, 404, 200),
    "document":     (302, 404, 200, 404, 404, 404, 404, 200),
    "dead_letters": (302, 403, 403, 403, 403, 403, 200, 403),
    "merchant_list":   (302, 403, 200, 200, 403, 403, 403, 403),
    "merchant_detail": (302, 403, 200, 404, 403, 403, 403, 403),
}
# fmt: on
WHO = [
    "anonymous",
    "buyer",
    "own_merchant_staff",
    "other_merchant_staff",
    "municipal_staff",
    "municipal_finance",
    "superuser",
    "officer",
]


def test_authorization_matrix(case, officer, client):
    declaration, _carpet_house, _saffron_house = case
    everyone = people(case, officer)
    staff = everyone["own_merchant_staff"]
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    query = declaration_query(declaration_id=declaration.pk, actor=officer, question="Invoice?")
    upload = BytesIO(PDF_BYTES)
    upload.name = "invoice.pdf"
    from customs.services import declaration_query_answer

    declaration_query_answer(
        query_id=query.pk, actor=staff, answer="here", uploads=[(upload, "invoice")]
    )
    document = declaration.documents.get()
    pages = urls(declaration, document.pk)

    seen = {}
    for page, url in pages.items():
        for who in WHO:
            client.logout()
            if everyone[who] is not None:
                client.force_login(everyone[who])
            seen[(page, who)] = client.get(url).status_code
    expected = {(page, who): MATRIX[page][i] for page in MATRIX for i, who in enumerate(WHO)}

    assert {k: v for k, v in seen.items() if v != expected[k]} == {}


def test_actions_are_posted_by_officers_only(case, officer, client):
    declaration, carpet_house, _saffron_house = case
    url = reverse("customs:declaration-action", kwargs={"pk": declaration.pk, "action": "claim"})
    for user in (merchant_staff_create(carpet_house), UserFactory(is_superuser=True)):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert Declaration.objects.get(pk=declaration.pk).assigned_to is None


def test_officer_works_a_declaration_through_the_pages(case, officer, client):
    declaration, _carpet_house, _saffron_house = case
    client.force_login(officer)

    def post(action, data=None):
        url = reverse("customs:declaration-action", kwargs={"pk": declaration.pk, "action": action})
        response = client.post(url, data or {}, follow=True)
        assert response.status_code == 200
        return [str(m) for m in response.context["messages"]]

    assert post("release") == ["Claim the declaration before working on it."]
    assert post("claim") == ["You hold this declaration now."]
    assert post("hold", {"reason": ""})[0].startswith("Reason:")
    item = declaration.items.get()
    assert post("amend", {"item": item.pk, "value_minor": "۳۲٬۰۰۰٬۰۰۰", "reason": "invoice"}) == [
        "Amended; duties assessed again."
    ]
    assert post("release", {"reason": "ok"}) == ["Released: the goods may leave."]

    declaration.refresh_from_db()
    assert declaration.status == "released"
    assert declaration.items.get().value_minor == 32_000_000


def test_queue_lanes_and_filters(case, officer, client):
    declaration, carpet_house, saffron_house = case
    client.force_login(officer)

    def numbers(**params):
        response = client.get(reverse("customs:queue"), params)
        assert response.status_code == 200
        return [d.number for d in response.context["declarations"]]

    assert numbers() == [declaration.number]  # the saffron one was released at once (green)
    assert numbers(lane="yellow") == [declaration.number]
    assert numbers(lane="red") == []
    assert numbers(status="released") == [Declaration.objects.get(merchant=saffron_house).number]
    assert numbers(destination="af") == [declaration.number]
    assert numbers(destination="TR") == []
    assert numbers(merchant=carpet_house.pk) == [declaration.number]
    assert numbers(merchant=saffron_house.pk) == []
    assert numbers(older_than_hours=1) == []
    assert numbers(sla="breached") == []
    assert numbers(sla="within") == [declaration.number]
    assert numbers(mine="on") == []
    Declaration.objects.filter(pk=declaration.pk).update(
        sla_breached_at=declaration.sla_due_at, assigned_to=officer
    )
    assert numbers(sla="breached") == [declaration.number]
    assert numbers(mine="on") == [declaration.number]


def _walk(value, seen, depth=0):
    """Every object reachable from a template context (lists, dicts, querysets' items)."""
    if depth > 4 or id(value) in seen:
        return
    seen[id(value)] = value
    if isinstance(value, dict):
        for item in value.values():
            _walk(item, seen, depth + 1)
    elif isinstance(value, list | tuple | set):
        for item in value:
            _walk(item, seen, depth + 1)


def test_officers_never_see_payment_or_card_data(case, officer, client):
    from oscar.apps.payment.models import Source, Transaction

    from payments.models import Payment, PaymentEvent, Refund

    declaration, _carpet_house, _saffron_house = case
    payment = Payment.objects.get()
    client.force_login(officer)

    for url in (
        reverse("customs:queue"),
        reverse("customs:declaration", kwargs={"pk": declaration.pk}),
        reverse("customs:declaration-ecn23", kwargs={"pk": declaration.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        for secret in filter(None, [payment.provider_ref, "4242", "Zahra Ahmadi"]):
            assert secret not in body, (url, secret)
        if response.context is not None:
            seen: dict = {}
            for context in response.context:
                _walk(context.flatten(), seen)
            payment_types = (Payment, PaymentEvent, Refund, Source, Transaction)
            assert not [v for v in seen.values() if isinstance(v, payment_types)], url


def test_customs_templates_name_no_payment_field():
    from pathlib import Path

    from django.conf import settings

    forbidden = ("payment", "card_", "last4", "provider_ref", ".sources", "transactions")
    templates = Path(settings.BASE_DIR) / "templates" / "customs"
    for path in templates.rglob("*.html"):
        text = path.read_text().lower()
        assert not [word for word in forbidden if word in text], path


def test_merchant_sees_their_declarations_and_answers_with_a_document(case, officer, client):
    declaration, carpet_house, _saffron_house = case
    staff = merchant_staff_create(carpet_house)
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    query = declaration_query(declaration_id=declaration.pk, actor=officer, question="Age?")
    client.force_login(staff)

    listing = client.get(reverse("merchant_dashboard:customs:declarations"))
    assert [d.number for d in listing.context["declarations"]] == [declaration.number]
    page = client.get(
        reverse("merchant_dashboard:customs:declaration", kwargs={"pk": declaration.pk})
    )
    assert "Age?" in page.content.decode()
    # Selectivity criteria are not shown to the trader.
    assert "HS 570110 is under HS 5701" not in page.content.decode()

    upload = BytesIO(PDF_BYTES)
    upload.name = "certificate.pdf"
    response = client.post(
        reverse(
            "merchant_dashboard:customs:query-answer",
            kwargs={"pk": declaration.pk, "query_pk": query.pk},
        ),
        {"answer": "Made in 2019.", "kind": "certificate", "documents": [upload]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Your answer has been sent to customs."
    ]
    query.refresh_from_db()
    assert query.answer == "Made in 2019."
    assert declaration.documents.get().kind == "certificate"
    assert Declaration.objects.get(pk=declaration.pk).status == "yellow"


def test_declaration_with_query_helper_and_the_answer_url_takes_posts_only(rules, client):
    from tests.customs.factories import declaration_with_query

    merchant, _goods = merchant_with_goods(SAFFRON)
    declaration, query = declaration_with_query(merchant)
    assert (declaration.status, query.answered_at) == ("queried", None)
    url = reverse(
        "merchant_dashboard:customs:query-answer",
        kwargs={"pk": declaration.pk, "query_pk": query.pk},
    )

    assert client.get(url).status_code == 302  # to the dashboard's sign-in
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 403
    client.force_login(merchant_staff_create(merchant))
    assert client.get(url).status_code == 405
