"""Baskets with goods from several merchants, built through Oscar's own basket API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from tests.merchants.factories import MerchantFactory
from tests.search.factories import ProductFactory, StockRecordFactory
from tests.shop import basket_build

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
        return basket_build(items, owner=owner)

    return make


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
