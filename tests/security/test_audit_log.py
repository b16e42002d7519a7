"""The audit log at /finance/audit/: fee-rule changes, refunds and customs decisions appear with
who made them and when, read from each area's own trail; only finance staff and admins see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from customs.models import RiskRule
from customs.services import declaration_claim, declaration_create, declaration_release
from fees.models import FeeKind
from fees.services import FeeRuleTerms, fee_rule_create
from payments.services import payment_refund
from tests.customs.factories import (
    CARPET,
    SAFFRON,
    customs_rules_ensure,
    hs_codes_ensure,
    merchant_staff_create,
    merchant_with_goods,
    officer_create,
    paid_abroad,
    risk_rules_off,
)
from tests.merchants.factories import UserFactory

pytestmark = pytest.mark.django_db

AUDIT = "/finance/audit/"


@pytest.fixture
def history(client, finance_user, settings):
    """A finance user adds a fee rule, an admin refunds the saffron order, an officer releases
    the carpet's declaration."""
    hs_codes_ensure()
    customs_rules_ensure()
    risk_rules_off()
    RiskRule.objects.create(name="all", kind="destination", lane="yellow", country="AF")
    saffron_house, (saffron,) = merchant_with_goods(SAFFRON)
    carpet_house, (carpet,) = merchant_with_goods(CARPET, name="Vakil Carpet Bazaar")
    saffron_order, carpet_order = paid_abroad(
        client, [(saffron_house, saffron), (carpet_house, carpet)], [2, 1]
    )
    client.logout()
    started = timezone.now()

    rule = fee_rule_create(
        actor=finance_user,
        kind=FeeKind.COMMISSION,
        terms=FeeRuleTerms(rate_bp=450, note="Vakil: introductory rate"),
        merchant_id=carpet_house.pk,
    )
    admin = UserFactory(username="root@mashhad.example", is_superuser=True, is_staff=True)
    refund = payment_refund(
        merchant_order_id=saffron_order.pk, reason="tin arrived open", requested_by=admin
    )
    officer = officer_create()
    declaration = declaration_create(merchant_order_id=carpet_order.pk)
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    declaration_release(declaration_id=declaration.pk, actor=officer, reason="papers in order")
    return {
        "started": started,
        "rule": rule,
        "refund": refund,
        "admin": admin,
        "officer": officer,
        "declaration": declaration,
        "carpet_house": carpet_house,
    }


def _rows(response) -> list[dict[str, str]]:
    import re

    body = response.content.decode()
    table = body.split('id="audit-entries"', 1)[1].split("</table>", 1)[0]
    rows = []
    for kind, cells in re.findall(r'<tr data-kind="([a-z_]+)">(.*?)</tr>', table, re.S):
        texts = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)
        ]
        when = re.search(r'datetime="([^"]+)"', cells).group(1)
        rows.append({"kind": kind, "when": when, "who": texts[2], "action": texts[3],
                     "what": texts[4], "detail": texts[5]})  # fmt: skip
    return rows


def test_fee_rule_refund_and_customs_release_show_who_and_when(client, finance_user, history):
    client.force_login(finance_user)

    rows = _rows(client.get(AUDIT))

    fee = [r for r in rows if r["kind"] == "fee_rule"]
    assert [(r["who"], r["action"], r["what"]) for r in fee] == [
        ("finance@mashhad.example", "create", f"Fee rule #{history['rule'].pk}")
    ]
    assert "commission: 450 bp" in fee[0]["detail"]

    refunds = [r for r in rows if r["kind"] == "refund"]
    assert [(r["who"], r["what"]) for r in refunds] == [
        (
            "root@mashhad.example",
            f"Refund #{history['refund'].pk} (payment #{history['refund'].payment_id})",
        )
    ]
    assert "tin arrived open" in refunds[0]["detail"]

    number = history["declaration"].number
    customs = [r for r in rows if r["kind"] == "customs" and r["what"] == number]
    released = [r for r in customs if r["action"].endswith("→ released")]
    assert [(r["who"], r["action"], r["detail"]) for r in released] == [
        (
            "officer@customs.example",
            "Status changed: yellow → released",
            "officer · papers in order",
        )
    ]

    # newest first; each at the time it happened (pghistory stamps the database transaction's
    # start, which in this test began a little before the fixture ran)
    times = [_parse(r["when"]) for r in rows]
    assert times == sorted(times, reverse=True)
    for row in fee + refunds + released:
        assert history["started"] - timedelta(minutes=2) <= _parse(row["when"]) <= timezone.now()


def _parse(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_filters_by_kind_user_and_date(client, finance_user, history):
    client.force_login(finance_user)

    only_customs = _rows(client.get(AUDIT, {"kind": "customs"}))
    assert only_customs and {r["kind"] for r in only_customs} == {"customs"}

    by_officer = _rows(client.get(AUDIT, {"user": "OFFICER@customs.example"}))
    assert by_officer and {r["who"] for r in by_officer} == {"officer@customs.example"}

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert _rows(client.get(AUDIT, {"date_from": tomorrow})) == []

    nobody = _rows(client.get(AUDIT, {"user": "nobody@example.com"}))
    assert nobody == []


def test_bad_dates_are_refused_naming_the_field(client, finance_user):
    client.force_login(finance_user)

    response = client.get(AUDIT, {"date_from": "2026-05-02", "date_to": "2026-05-01"})

    assert "Until: this date is before the From date." in response.content.decode()


def test_admins_see_it_merchants_customers_and_officers_do_not(client, db):
    from tests.merchants.factories import MerchantFactory

    client.force_login(UserFactory(username="root@mashhad.example", is_superuser=True))
    assert client.get(AUDIT).status_code == 200

    client.force_login(merchant_staff_create(MerchantFactory(), username="staff@shop.example"))
    assert client.get(AUDIT).status_code == 403

    client.force_login(UserFactory(username="buyer@example.com"))
    assert client.get(AUDIT).status_code == 403

    client.force_login(officer_create())
    assert client.get(AUDIT).status_code == 403

    client.logout()
    response = client.get(AUDIT)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
