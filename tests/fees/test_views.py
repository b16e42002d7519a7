"""/finance/fees/: who may see and edit fee rules, what a bad form says, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from fees.models import FeeKind, FeePayer, FeeRule
from marketplace.core.roles import MERCHANT_STAFF, MUNICIPAL_FINANCE, MUNICIPAL_STAFF, roles_ensure
from tests.fees.factories import FeeRuleFactory
from tests.merchants.factories import MerchantFactory, UserFactory
from tests.search.factories import CategoryFactory

pytestmark = pytest.mark.django_db

FORMAT = "%Y-%m-%dT%H:%M"


def member_of(group: str):
    roles_ensure()
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def finance():
    return member_of(MUNICIPAL_FINANCE)


@pytest.fixture
def current_rule():
    return FeeRuleFactory(kind=FeeKind.MUNICIPAL_FEE, rate_bp=100, payer=FeePayer.BUYER)


@pytest.fixture
def future_rule():
    return FeeRuleFactory(
        kind=FeeKind.VAT,
        rate_bp=900,
        payer=FeePayer.BUYER,
        valid_from=timezone.now() + timedelta(days=30),
    )


def rule_data(**overrides):
    data = {
        "kind": FeeKind.COMMISSION,
        "merchant": "",
        "category": "",
        "rate": "8",
        "fixed": "",
        "minimum": "50000",
        "maximum": "5000000",
        "payer": FeePayer.MERCHANT,
        "valid_from": "",
        "valid_to": "",
        "note": "Platform commission",
    }
    data.update(overrides)
    return data


# --- who may ----------------------------------------------------------------------------------


def pages(rule_pk: int, future_pk: int):
    return [
        ("get", reverse("fees:rule-list"), 200),
        ("get", reverse("fees:rule-create"), 200),
        ("get", reverse("fees:rule-detail", kwargs={"pk": rule_pk}), 200),
        ("get", reverse("fees:rule-change", kwargs={"pk": rule_pk}), 200),
        ("post", reverse("fees:rule-end", kwargs={"pk": rule_pk}), 302),
        ("post", reverse("fees:rule-delete", kwargs={"pk": future_pk}), 302),
    ]


@pytest.mark.parametrize("who", ["anonymous", "customer", MERCHANT_STAFF, MUNICIPAL_STAFF])
def test_only_municipal_finance_and_admins_reach_the_fee_pages(
    client, who, current_rule, future_rule
):
    if who != "anonymous":
        client.force_login(UserFactory() if who == "customer" else member_of(who))

    for method, url, _ok in pages(current_rule.pk, future_rule.pk):
        response = getattr(client, method)(url)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("customer:login")), url
        else:
            assert response.status_code == 403, url
    # and nothing was ended or deleted
    current_rule.refresh_from_db()
    assert current_rule.valid_to is None
    assert FeeRule.objects.filter(pk=future_rule.pk).exists()


@pytest.mark.parametrize("who", [MUNICIPAL_FINANCE, "admin"])
def test_municipal_finance_and_admins_may_use_every_fee_page(
    client, who, current_rule, future_rule
):
    client.force_login(UserFactory(is_superuser=True) if who == "admin" else member_of(who))

    for method, url, ok in pages(current_rule.pk, future_rule.pk):
        assert getattr(client, method)(url).status_code == ok, url


# --- creating ------------------------------------------------------------------------------


def test_finance_creates_a_rule_and_the_history_says_who(client, finance):
    client.force_login(finance)
    merchant = MerchantFactory()
    starts = timezone.localtime() + timedelta(days=1)

    response = client.post(
        reverse("fees:rule-create"),
        rule_data(merchant=merchant.pk, rate="6.5", valid_from=starts.strftime(FORMAT)),
    )

    rule = FeeRule.objects.get()
    assert response["Location"] == reverse("fees:rule-detail", kwargs={"pk": rule.pk})
    assert (rule.kind, rule.merchant, rule.rate_bp, rule.min_minor, rule.max_minor) == (
        FeeKind.COMMISSION,
        merchant,
        650,
        50_000,
        5_000_000,
    )
    assert rule.valid_from == starts.replace(second=0, microsecond=0)
    assert rule.created_by == finance
    page = client.get(response["Location"]).content.decode()
    assert finance.email in page
    (event,) = rule.events.all()
    assert (event.pgh_label, event.pgh_context.metadata["user"]) == ("insert", finance.pk)


def test_an_empty_start_means_now(client, finance):
    client.force_login(finance)
    before = timezone.now()

    client.post(reverse("fees:rule-create"), rule_data())

    rule = FeeRule.objects.get()
    assert before <= rule.valid_from <= timezone.now()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rate": "150"}, "rate"),
        ({"rate": "-1"}, "rate"),
        ({"minimum": "6000000", "maximum": "5000000"}, "minimum"),
        ({"valid_from": "2031-05-01T10:00", "valid_to": "2031-04-01T10:00"}, "valid_to"),
        ({"kind": FeeKind.MUNICIPAL_FEE, "fixed": "10000"}, "fixed"),
        ({"kind": FeeKind.VAT, "rate": "10", "minimum": "1", "maximum": ""}, "minimum"),
        ({"merchant": "999999"}, "merchant"),
        ({"category": "999999"}, "category"),
        ({"valid_from": "2020-01-01T00:00"}, "valid_from"),
        ({"kind": "tip"}, "kind"),
        ({"exempt": "on"}, "exempt"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(client, finance, overrides, field):
    client.force_login(finance)

    response = client.post(reverse("fees:rule-create"), rule_data(**overrides))

    assert response.status_code == 400
    assert field in response.context["form"].errors, response.context["form"].errors
    assert FeeRule.objects.count() == 0
    assert apps.get_model("fees", "FeeRuleEvent").objects.count() == 0


def test_a_rule_overlapping_one_of_the_same_kind_and_scope_is_refused_on_valid_from(
    client, finance, current_rule
):
    client.force_login(finance)
    category = CategoryFactory(name="Saffron")

    response = client.post(
        reverse("fees:rule-create"),
        rule_data(kind=FeeKind.MUNICIPAL_FEE, rate="2", minimum="", maximum="", payer="buyer"),
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["valid_from"]
    assert f"Rule #{current_rule.pk}" in errors["valid_from"][0]
    assert FeeRule.objects.count() == 1
    # while the same fee for one category is a different scope, and fine
    response = client.post(
        reverse("fees:rule-create"),
        rule_data(
            kind=FeeKind.MUNICIPAL_FEE,
            category=category.pk,
            rate="0.5",
            minimum="",
            maximum="",
            payer="buyer",
        ),
    )
    assert response.status_code == 302
    assert FeeRule.objects.count() == 2


# --- changing, ending, deleting -------------------------------------------------------------


def test_changing_a_rule_in_force_ends_it_and_starts_its_successor(client, finance, current_rule):
    client.force_login(finance)
    before = timezone.now()

    response = client.post(
        reverse("fees:rule-change", kwargs={"pk": current_rule.pk}),
        rule_data(rate="1.5", minimum="", maximum="", payer="buyer", note="Raised by council"),
    )

    successor = FeeRule.objects.exclude(pk=current_rule.pk).get()
    assert response["Location"] == reverse("fees:rule-detail", kwargs={"pk": successor.pk})
    current_rule.refresh_from_db()
    # the old rule keeps its rate and simply ends when the successor starts
    assert (current_rule.rate_bp, current_rule.valid_to) == (100, successor.valid_from)
    assert before <= successor.valid_from <= timezone.now()
    assert (successor.kind, successor.rate_bp, successor.payer, successor.replaces) == (
        FeeKind.MUNICIPAL_FEE,
        150,
        FeePayer.BUYER,
        current_rule,
    )
    # and both histories say who did it
    (ended,) = current_rule.events.filter(pgh_label="update")
    assert ended.pgh_context.metadata["user"] == finance.pk
    assert ended.valid_to == successor.valid_from
    page = client.get(reverse("fees:rule-detail", kwargs={"pk": current_rule.pk})).content.decode()
    assert f"#{successor.pk}" in page
    assert finance.email in page


def test_a_rule_not_started_yet_is_edited_in_place_or_deleted(client, finance, future_rule):
    client.force_login(finance)
    starts = timezone.localtime(future_rule.valid_from).strftime(FORMAT)

    client.post(
        reverse("fees:rule-change", kwargs={"pk": future_rule.pk}),
        rule_data(rate="9.5", minimum="", maximum="", payer="buyer", valid_from=starts),
    )

    assert list(FeeRule.objects.values_list("pk", "rate_bp")) == [(future_rule.pk, 950)]
    client.post(reverse("fees:rule-delete", kwargs={"pk": future_rule.pk}))
    assert not FeeRule.objects.exists()
    # the deletion is in the audit trail, with who did it
    deleted = apps.get_model("fees", "FeeRuleEvent").objects.get(pgh_label="delete")
    assert (deleted.pgh_obj_id, deleted.pgh_context.metadata["user"]) == (
        future_rule.pk,
        finance.pk,
    )


def test_a_rule_in_force_cannot_be_deleted_only_ended(client, finance, current_rule):
    client.force_login(finance)

    client.post(reverse("fees:rule-delete", kwargs={"pk": current_rule.pk}))
    assert FeeRule.objects.filter(pk=current_rule.pk).exists()

    before = timezone.now()
    client.post(reverse("fees:rule-end", kwargs={"pk": current_rule.pk}))
    current_rule.refresh_from_db()
    assert before <= current_rule.valid_to <= timezone.now()
    # an ended rule can be changed no more
    response = client.post(
        reverse("fees:rule-change", kwargs={"pk": current_rule.pk}),
        rule_data(rate="3", minimum="", maximum="", payer="buyer"),
    )
    assert response.status_code == 400
    assert FeeRule.objects.count() == 1


def test_the_list_filters_by_kind_and_period(client, finance, current_rule, future_rule):
    client.force_login(finance)
    ended = FeeRuleFactory(kind=FeeKind.COMMISSION, valid_to=timezone.now() - timedelta(days=1))

    def shown(query):
        response = client.get(reverse("fees:rule-list"), query)
        return [rule.pk for rule in response.context["rules"]]

    assert sorted(shown({})) == sorted([current_rule.pk, future_rule.pk, ended.pk])
    assert shown({"period": "current"}) == [current_rule.pk]
    assert shown({"period": "future"}) == [future_rule.pk]
    assert shown({"period": "past"}) == [ended.pk]
    assert shown({"kind": FeeKind.VAT}) == [future_rule.pk]
