"""Destination rules: seed data, effective dating, line checks, landed cost, the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

import pghistory.models
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from customs.exceptions import DestinationNotSupported
from customs.models import DestinationRule, HSRule, RiskRule
from customs.selectors import destination_rules_effective_on, landed_cost_quote, lines_check
from customs.selectors.rules import CustomsLine
from marketplace.core.money import CurrencyMismatch

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SEEDED = {"AF", "IQ", "TM", "PK", "AZ", "TR", "AM"}


def line(hs_code, value_minor, quantity=1, **extra):
    return {"hs_code": hs_code, "quantity": quantity, "value_minor": value_minor, **extra}


# --- Seed data ---------------------------------------------------------------------------------


def test_seed_covers_the_seven_destinations_all_marked_illustrative(rules):
    destinations = DestinationRule.objects.all()

    assert {rule.country for rule in destinations} == SEEDED
    assert all(rule.illustrative and "operator to confirm" in rule.note for rule in destinations)
    assert not HSRule.objects.filter(illustrative=False).exists()
    assert {r.country for r in HSRule.objects.filter(direction="export")} == {"IR"}
    assert RiskRule.objects.filter(illustrative=True).count() == 8
    # Herat's buyer pays duties at checkout in the demo.
    assert DestinationRule.objects.get(country="AF").incoterm == "DDP"


def test_seed_migration_unloads_exactly_what_it_loaded(rules):
    import importlib

    from django.apps import apps

    seed = importlib.import_module("customs.migrations.0004_seed_destination_rules")
    DestinationRule.objects.create(country="FR", valid_from=NOW, note="the operator's own")

    seed.rules_unload(apps, None)

    assert list(DestinationRule.objects.values_list("country", flat=True)) == ["FR"]
    assert not HSRule.objects.exists()
    assert not RiskRule.objects.exists()


# --- Effective dating --------------------------------------------------------------------------


def test_the_rule_in_force_is_the_one_whose_period_contains_the_moment(rules):
    old = DestinationRule.objects.get(country="TR")
    old.valid_to = datetime(2026, 7, 1, tzinfo=UTC)
    old.save()
    new = DestinationRule.objects.create(
        country="TR", valid_from=old.valid_to, import_vat_bp=1000, incoterm="DDP"
    )

    assert destination_rules_effective_on(country="TR", at=NOW).destination == old
    assert destination_rules_effective_on(country="tr", at=old.valid_to).destination == new
    assert destination_rules_effective_on(country="TR", at=datetime(2024, 1, 1, tzinfo=UTC)) is None
    assert destination_rules_effective_on(country="FR", at=NOW) is None


def test_database_refuses_two_destination_rules_in_force_at_once(rules):
    with pytest.raises(IntegrityError), transaction.atomic():
        DestinationRule.objects.create(country="AF", valid_from=NOW)

    assert DestinationRule.objects.filter(country="AF").count() == 1


def test_database_refuses_two_duty_rates_for_one_prefix_at_once(rules):
    with pytest.raises(IntegrityError), transaction.atomic():
        HSRule.objects.create(
            country="AF", hs_code_id="0910", kind="duty", rate_bp=1, valid_from=NOW
        )


@pytest.mark.parametrize(
    "values",
    [
        {"kind": "duty"},  # no rate
        {"kind": "prohibited", "rate_bp": 100},  # a rate on a prohibition
        {"kind": "restricted"},  # no document
        {"kind": "authorisation", "document": "Permit"},  # an import authorisation
        {"kind": "duty", "rate_bp": 10_001},
    ],
)
def test_database_refuses_malformed_hs_rules(rules, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        HSRule.objects.create(country="PK", hs_code_id="0802", valid_from=NOW, **values)


def test_rules_in_force_are_read_in_two_queries(rules):
    with CaptureQueriesContext(connection) as queries:
        found = destination_rules_effective_on(country="AF", at=NOW)
        lines_check_result = lines_check(country="AF", lines=[line("220421", 1)], at=NOW)

    assert found is not None and not lines_check_result.allowed
    assert len(queries) == 4  # two for each call


# --- lines_check -------------------------------------------------------------------------------


def test_prohibited_restricted_and_authorised_lines_each_with_their_reason(rules):
    result = lines_check(
        country="AF",
        lines=[
            line("091020", 4_500_000),  # saffron: fine
            line("220421", 5_000_000),  # wine: prohibited in Afghanistan
            line("300490", 1_000_000),  # medicine: needs a permit
            line("970690", 80_000_000),  # antique: Iran needs an export permit
            line("570110", 30_000_000),  # ordinary carpet: fine
            line("570110", 90_000_000, cultural_heritage=True),  # heritage carpet: permit
        ],
        at=NOW,
    )

    verdicts = result.lines
    assert [(v.prohibited, v.restricted, v.authorisation_needed) for v in verdicts] == [
        (False, False, False),
        (True, False, False),
        (False, True, False),
        (False, False, True),
        (False, False, False),
        (False, False, True),
    ]
    assert verdicts[1].reasons == ["Alcoholic beverages may not be imported."]
    assert verdicts[2].findings[0].document == "Import permit of the destination's health ministry"
    assert "100 years" in verdicts[3].reasons[0]
    assert "Cultural-heritage" in verdicts[5].reasons[0]
    assert not result.allowed
    assert [v.index for v in result.prohibited_lines] == [1]


def test_the_same_wine_may_go_where_it_is_not_prohibited(rules):
    assert lines_check(country="TR", lines=[line("220421", 5_000_000)], at=NOW).allowed


def test_an_unsupported_destination_or_a_malformed_line_is_refused_by_name(rules):
    with pytest.raises(DestinationNotSupported, match="FR"):
        lines_check(country="FR", lines=[line("091020", 1)], at=NOW)
    with pytest.raises(ValueError, match="hs_code"):
        lines_check(country="AF", lines=[line("0910x", 1)], at=NOW)
    with pytest.raises(ValueError, match="quantity"):
        lines_check(country="AF", lines=[line("091020", 1, quantity=0)], at=NOW)


# --- landed_cost_quote -------------------------------------------------------------------------


def test_afghanistan_ddp_duty_per_line_on_cif_value_then_import_vat(rules):
    quote = landed_cost_quote(
        country="AF",
        lines=[line("091020", 4_500_000), line("570110", 30_000_000)],
        shipping_minor=6_900_000,
        currency="IRR",
        at=NOW,
    )

    # Shipping split by value: 4.5M/34.5M of 6.9M = 900,000 and 6,000,000.
    saffron, carpet = quote.lines
    assert (saffron.customs_value_minor, carpet.customs_value_minor) == (5_400_000, 36_000_000)
    # Saffron and carpets: 10% duty (AF 0910 and 5701), then 10% import VAT on value + duty.
    assert (saffron.duty_rate_bp, saffron.duty_minor, saffron.import_vat_minor) == (
        1000,
        540_000,
        594_000,
    )
    assert (carpet.duty_minor, carpet.import_vat_minor) == (3_600_000, 3_960_000)
    assert (quote.duty_minor, quote.import_vat_minor) == (4_140_000, 4_554_000)
    assert quote.is_ddp and quote.collect_minor == 8_694_000
    assert quote.rules["destination_rule"] == DestinationRule.objects.get(country="AF").pk


def test_the_longest_hs_prefix_wins_and_the_default_applies_when_none_matches(rules):
    quote = landed_cost_quote(
        country="TR",
        lines=[
            line("091020", 20_000_000),  # 091020: 10%
            line("091030", 20_000_000),  # 0910: 15%
            line("090411", 20_000_000),  # 09: 20%
            line("420221", 20_000_000),  # nothing matches: TR's default 20%
        ],
        shipping_minor=0,
        currency="IRR",
        at=NOW,
    )

    assert [c.duty_rate_bp for c in quote.lines] == [1000, 1500, 2000, 2000]
    assert [c.duty_minor for c in quote.lines] == [2_000_000, 3_000_000, 4_000_000, 4_000_000]
    assert quote.lines[3].duty_rule_id is None
    # DAP: the buyer pays on delivery; nothing is collected at checkout.
    assert not quote.is_ddp and quote.collect_minor == 0 and quote.taxes_minor > 0


def test_de_minimis_exempts_small_consignments(rules):
    small = landed_cost_quote(
        country="TR", lines=[line("091020", 15_000_000)], shipping_minor=0, currency="IRR", at=NOW
    )
    over = landed_cost_quote(
        country="TR", lines=[line("091020", 15_000_001)], shipping_minor=0, currency="IRR", at=NOW
    )

    assert small.de_minimis_applied and small.taxes_minor == 0
    assert not over.de_minimis_applied and over.duty_minor == 1_500_000


def test_rounding_is_half_up_per_line():
    from customs.selectors.rules import rate_apply

    assert rate_apply(5, 1000) == 1  # 0.5 → 1
    assert rate_apply(4, 1000) == 0
    assert rate_apply(15, 1000) == 2  # 1.5 → 2


def test_quote_refuses_another_currency_than_the_rules(rules):
    with pytest.raises(CurrencyMismatch):
        landed_cost_quote(
            country="AF", lines=[line("091020", 100)], shipping_minor=0, currency="USD", at=NOW
        )


def test_customs_line_objects_are_accepted_as_they_are(rules):
    quote = landed_cost_quote(
        country="PK",
        lines=[CustomsLine(hs_code="080251", quantity=2, value_minor=4_000_000)],
        shipping_minor=1_000_000,
        currency="IRR",
        at=NOW,
    )

    # PK 0802: 20% on 5,000,000 = 1,000,000; sales tax 18% on 6,000,000 = 1,080,000.
    assert (quote.duty_minor, quote.import_vat_minor) == (1_000_000, 1_080_000)


# --- Audit trail -------------------------------------------------------------------------------


def test_admin_edits_are_audited_with_who_and_what(rules, admin_client, admin_user):
    rule = DestinationRule.objects.get(country="PK")
    url = f"/admin/customs/destinationrule/{rule.pk}/change/"
    response = admin_client.get(url)
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "import_vat_bp": 1700,
            "valid_from_0": "2025-01-01",
            "valid_from_1": "03:30:00",
            "valid_to_0": "",
            "valid_to_1": "",
        }
    )
    data.pop("valid_from", None)
    data.pop("valid_to", None)

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert rule.import_vat_bp == 1700
    events = list(pghistory.models.Events.objects.references(rule).order_by("pgh_created_at"))
    assert [e.pgh_data["import_vat_bp"] for e in events] == [1800, 1700]
    assert events[-1].pgh_context["user"] == admin_user.pk
