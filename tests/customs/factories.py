"""Factories and helpers for customs tests."""

import importlib

from django.apps import apps

from customs.models import HSCode
from tests.search import factories as catalogue_factories

_HS_MIGRATION = "customs.migrations.0002_load_hs_2022"


def hs_codes_ensure() -> None:
    """Make sure the HS nomenclature is in the test database.

    Migration customs.0002 loads it when the test database is created, but a transactional test
    elsewhere in the suite flushes every table, migration data included; reload it then.
    """
    if not HSCode.objects.exists():
        importlib.import_module(_HS_MIGRATION).hs_codes_load(apps, None)


# Catalogue factories live with the catalogue's tests; re-exported for the customs tests.
ProductClassFactory = catalogue_factories.ProductClassFactory
ProductFactory = catalogue_factories.ProductFactory


# --- Destination rules, foreign orders, people --------------------------------------------------

from decimal import Decimal  # noqa: E402

from django.contrib.auth.models import Group  # noqa: E402
from oscar.core.loading import get_model  # noqa: E402

from customs.models import DestinationRule, RiskRule  # noqa: E402
from marketplace.core.roles import CUSTOMS_OFFICER, MERCHANT_STAFF, roles_ensure  # noqa: E402
from tests.merchants.factories import MerchantFactory, UserFactory  # noqa: E402
from tests.search.factories import StockRecordFactory  # noqa: E402

Country = get_model("address", "Country")
ShippingAddress = get_model("order", "ShippingAddress")

_RULES_MIGRATION = "customs.migrations.0004_seed_destination_rules"

#: Countries the tests ship to, as Oscar's address app needs them.
COUNTRIES = {
    "IR": ("IRN", "364", "Iran"),
    "AF": ("AFG", "004", "Afghanistan"),
    "TR": ("TUR", "792", "Turkey"),
    "PK": ("PAK", "586", "Pakistan"),
    "IQ": ("IRQ", "368", "Iraq"),
    "FR": ("FRA", "250", "France"),
}


def customs_rules_ensure() -> None:
    """The seed destination and risk rules (migration 0004), reloaded after a flush."""
    hs_codes_ensure()
    if not DestinationRule.objects.exists() and not RiskRule.objects.exists():
        importlib.import_module(_RULES_MIGRATION).rules_load(apps, None)


def risk_rules_off() -> None:
    """Switch the seed risk rules off, so a test's lanes come from its own rules only."""
    RiskRule.objects.update(active=False)


def country_ensure(code: str):
    a3, numeric, name = COUNTRIES[code]
    country, _ = Country.objects.update_or_create(
        iso_3166_1_a2=code,
        defaults={
            "iso_3166_1_a3": a3,
            "iso_3166_1_numeric": numeric,
            "printable_name": name,
            "name": name,
            "is_shipping_country": True,
        },
    )
    return country


def officer_create(username: str = "officer@customs.example"):
    roles_ensure()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=CUSTOMS_OFFICER))
    return user


def merchant_staff_create(merchant, username: str | None = None):
    roles_ensure()
    user = UserFactory(**({"username": username} if username else {}))
    user.groups.add(Group.objects.get(name=MERCHANT_STAFF))
    merchant.partner.users.add(user)
    return user


#: (title, price IRR, HS code, net grams, description, heritage) of the goods tests sell abroad.
SAFFRON = ("Sargol saffron 4.6 g", 4_500_000, "091020", 5, "Saffron, dried stigmas", False)
CARPET = ("Kashmar wool rug", 30_000_000, "570110", 9_000, "Hand-knotted wool carpet", False)
ANTIQUE = ("Qajar painting", 80_000_000, "970690", 2_000, "Antique painting, over 100 years", True)
WINE = ("Shiraz wine", 5_000_000, "220421", 750, "Wine of fresh grapes", False)


def goods_create(merchant, spec, *, stock: int = 20):
    """A product sold by ``merchant`` with its customs data."""
    from customs.services import product_customs_set

    title, price, hs_code, grams, description, heritage = spec
    product = ProductFactory(title=title, title_en=title)
    StockRecordFactory(
        product=product, partner=merchant.partner, price=Decimal(price), num_in_stock=stock
    )
    product_customs_set(
        product=product,
        hs_code=hs_code,
        origin_country="IR",
        net_weight_grams=grams,
        customs_description=description,
        cultural_heritage=heritage,
    )
    return product


def address_abroad(country_code: str = "AF", **overrides):
    country = country_ensure(country_code)
    values = {
        "first_name": "Ahmad",
        "last_name": "Rahimi",
        "line1": "Jade-ye Walayat 14",
        "line4": "Herat",
        "postcode": "3001",
        "country": country,
        **overrides,
    }
    return ShippingAddress(**values)


_numbers = iter(range(500_000, 10**9))


def foreign_purchase(items, *, country_code: str = "AF", number: str | None = None):
    """Place a purchase of ``[(product, quantity), ...]`` to ``country_code`` through
    ``purchases.services.purchase_place``; returns its merchant orders in sequence order."""
    from purchases.services import purchase_place
    from purchases.shipping import MerchantDelivery
    from tests.shop import basket_build, iran_ensure

    iran_ensure()
    basket = basket_build(items)
    purchase = purchase_place(
        basket=basket,
        number=number or str(next(_numbers)),
        user=None,
        guest_email="buyer@herat.example",
        shipping_address=address_abroad(country_code),
        billing_address=None,
        shipping_method=MerchantDelivery(country_code),
    )
    return list(purchase.merchant_orders.order_by("sequence"))


def merchant_with_goods(*specs, name: str = "Novin Saffron House"):
    merchant = MerchantFactory(name_en=name, name_fa="زعفران نوین")
    return merchant, [goods_create(merchant, spec) for spec in specs]


def abroad_checkout(client, goods, quantities, *, country_code: str = "AF"):
    """Oscar's checkout as a guest delivering ``goods`` (``[(merchant, product), ...]``) to
    Herat (or ``country_code``): ``details()`` fills the basket, email and address and follows
    to the payment-details page; ``address()`` stops after the address (the response of
    following on from it). See ``tests.payments.fixtures.Checkout``."""
    from django.urls import reverse

    from tests.payments.fixtures import Checkout

    country_ensure(country_code)

    class AbroadCheckout(Checkout):
        def address(self, email: str = "buyer@herat.example"):
            self.basket()
            response = self.client.post(
                reverse("checkout:index"), {"username": email, "options": "anonymous"}
            )
            assert response.status_code == 302, response.content[:500]
            response = self.client.post(
                reverse("checkout:shipping-address"),
                {
                    "first_name": "Ahmad",
                    "last_name": "Rahimi",
                    "line1": "Jade-ye Walayat 14",
                    "line4": "Herat",
                    "country": country_code,
                },
            )
            assert response.status_code == 302, response.content[:500]
            return self.client.get(reverse("checkout:shipping-method"), follow=True)

        def details(self, email: str = "buyer@herat.example"):
            response = self.address(email)
            assert response.redirect_chain[-1][0] == reverse("checkout:payment-details")
            return response

    return AbroadCheckout(client, goods, quantities)


def paid_abroad(client, goods, quantities, *, country_code: str = "AF"):
    """A guest pays through Oscar's checkout (sandbox card) for ``goods`` (``[(merchant,
    product), ...]``) delivered to ``country_code``; returns the purchase's merchant orders."""
    from django.urls import reverse

    from purchases.models import Purchase
    from tests.payments.fixtures import CARD_OK, card

    checkout = abroad_checkout(client, goods, quantities, country_code=country_code)
    checkout.details()
    fields = card(CARD_OK)
    assert checkout.preview(fields).status_code == 200
    response = checkout.place(fields)
    assert response["Location"] == reverse("checkout:thank-you"), response
    client.logout()
    purchase = Purchase.objects.latest("created_at")
    return list(purchase.merchant_orders.select_related("order").order_by("sequence"))


def declaration_with_query(merchant, *, question: str = "Please send the invoice."):
    """A declaration of ``merchant``'s order to Herat, waiting (queried) for the merchant to
    answer ``question``; returns (declaration, query). For pages that need one (the merchants'
    authorization matrix: ``pk=declaration_{m}``, ``query_pk=query_{m}``)."""
    from customs.services import declaration_claim, declaration_create, declaration_query

    customs_rules_ensure()
    RiskRule.objects.update(active=False)
    product = goods_create(merchant, SAFFRON)
    [merchant_order] = foreign_purchase([(product, 1)])
    from django.test import override_settings

    with override_settings(CUSTOMS_AUTO_RELEASE_LANES=()):
        declaration = declaration_create(merchant_order_id=merchant_order.pk)
    officer = officer_create(f"officer-{merchant.pk}@customs.example")
    declaration_claim(declaration_id=declaration.pk, actor=officer)
    query = declaration_query(declaration_id=declaration.pk, actor=officer, question=question)
    declaration.refresh_from_db()
    return declaration, query
