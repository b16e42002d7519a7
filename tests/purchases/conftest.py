"""Baskets with goods from several merchants, built through Oscar's own basket API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from oscar.apps.partner.strategy import Selector
from oscar.core.loading import get_model

from tests.merchants.factories import MerchantFactory
from tests.search.factories import ProductFactory, StockRecordFactory

Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")
ShippingAddress = get_model("order", "ShippingAddress")


@pytest.fixture
def make_goods(db):
    """``make_goods(merchant, price, stock)`` -> a product sold by ``merchant``."""

    def make(merchant, price: int, stock: int = 10, title: str | None = None):
        product = ProductFactory(**({"title_en": title, "title": title} if title else {}))
        StockRecordFactory(
            product=product, partner=merchant.partner, price=Decimal(price), num_in_stock=stock
        )
        return product

    return make


@pytest.fixture
def make_basket(db):
    """``make_basket([(product, qty), ...])`` -> an open basket with offers applied."""

    def make(items, owner=None):
        basket = Basket.objects.create(owner=owner)
        basket.strategy = Selector().strategy()
        for product, quantity in items:
            basket.add_product(product, quantity)
        return reload(basket)

    return make


def reload(basket):
    """A fresh copy of the basket with offers applied, as the basket middleware would give."""
    from oscar.apps.offer.applicator import Applicator

    fresh = Basket.objects.get(pk=basket.pk)
    fresh.strategy = Selector().strategy()
    Applicator().apply(fresh)
    return fresh


@pytest.fixture
def three_merchants(db):
    return [
        MerchantFactory(name_en="Novin Saffron House"),
        MerchantFactory(name_en="Vakil Carpet Bazaar"),
        MerchantFactory(name_en="Golestan Pistachio Roastery"),
    ]


@pytest.fixture
def address(iran):
    def make():
        return ShippingAddress(
            first_name="Reza",
            last_name="Karimi",
            line1="Imam Reza St 12",
            line4="Mashhad",
            country=iran,
        )

    return make
