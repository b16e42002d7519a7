"""Shared shop data for tests: the shipping country and a three-merchant bazaar."""

from __future__ import annotations

from decimal import Decimal

from oscar.core.loading import get_model

from tests.merchants.factories import MerchantFactory
from tests.search.factories import ProductFactory, StockRecordFactory

Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")

#: The bazaar's goods: merchant, product title, price in rials (five of each in stock).
BAZAAR = [
    ("Novin Saffron House", "Sargol saffron 4.6 g", 4_500_000),
    ("Vakil Carpet Bazaar", "Kashmar wool rug", 30_000_000),
    ("Golestan Pistachio Roastery", "Akbari pistachios 500 g", 2_000_000),
]
PRICES = [price for _merchant, _title, price in BAZAAR]


def iran_ensure():
    country, _ = Country.objects.update_or_create(
        iso_3166_1_a2="IR",
        defaults={
            "iso_3166_1_a3": "IRN",
            "iso_3166_1_numeric": "364",
            "printable_name": "Iran",
            "name": "Islamic Republic of Iran",
            "is_shipping_country": True,
        },
    )
    return country


def bazaar_create(*, stock: int = 5, currency: str = "IRR") -> list[tuple]:
    """Three merchants with one product each; returns [(merchant, product), ...]."""
    goods = []
    for name, title, price in BAZAAR:
        merchant = MerchantFactory(name_en=name)
        product = ProductFactory(title=title, title_en=title)
        StockRecordFactory(
            product=product,
            partner=merchant.partner,
            price=Decimal(price),
            price_currency=currency,
            num_in_stock=stock,
        )
        goods.append((merchant, product))
    return goods


def basket_reload(basket):
    """A fresh copy of the basket with offers applied, as Oscar's basket middleware gives it."""
    from oscar.apps.offer.applicator import Applicator
    from oscar.apps.partner.strategy import Selector

    fresh = Basket.objects.get(pk=basket.pk)
    fresh.strategy = Selector().strategy()
    Applicator().apply(fresh)
    return fresh


def basket_build(items, *, owner=None):
    """An open basket holding ``[(product, quantity), ...]``, with offers applied."""
    from oscar.apps.partner.strategy import Selector

    basket = Basket.objects.create(owner=owner)
    basket.strategy = Selector().strategy()
    for product, quantity in items:
        basket.add_product(product, quantity)
    return basket_reload(basket)
