"""The checkout seam: a purchase quote to a foreign address, checked and priced per merchant
order by customs; DDP duties fed back into the quote."""

from __future__ import annotations

import pytest

from customs.exceptions import DestinationNotSupported
from customs.models import ProductCustomsInfo
from customs.selectors.checkout import purchase_quote_customs
from purchases.quotes import purchase_quote_build
from tests.customs.factories import CARPET, SAFFRON, WINE, merchant_with_goods
from tests.shop import basket_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def basket(rules):
    _saffron_house, (saffron, wine) = merchant_with_goods(SAFFRON, WINE)
    _carpet_house, (carpet,) = merchant_with_goods(CARPET, name="Vakil Carpet Bazaar")
    return basket_build([(saffron, 2), (wine, 1), (carpet, 1)])


def test_prohibited_lines_are_blocked_with_their_reason(basket):
    quote = purchase_quote_build(basket=basket, country_code="AF")

    customs = purchase_quote_customs(quote=quote, country_code="AF")

    wine_line = next(line for line in basket.all_lines() if line.product.title == "Shiraz wine")
    assert customs.blocked == {wine_line.pk: ["Alcoholic beverages may not be imported."]}
    assert not customs.allowed
    assert purchase_quote_customs(quote=quote, country_code="TR").allowed


def test_ddp_duties_per_line_feed_back_into_the_quote(basket):
    first = purchase_quote_build(basket=basket, country_code="AF")
    customs = purchase_quote_customs(quote=first, country_code="AF")

    quote = purchase_quote_build(basket=basket, country_code="AF", duties=customs.duties)

    for part, merchant in zip(quote.merchants, customs.merchants, strict=True):
        assert merchant.quote.is_ddp
        assert part.duty_minor == merchant.quote.collect_minor > 0
    assert quote.duty_minor == sum(customs.duties.values())
    assert set(customs.duties) == {line.pk for line in basket.all_lines()}


def test_dap_destinations_charge_nothing_at_checkout_but_show_an_estimate(basket):
    quote = purchase_quote_build(basket=basket, country_code="PK")

    customs = purchase_quote_customs(quote=quote, country_code="PK")

    assert set(customs.duties.values()) == {0}
    assert all(m.quote.taxes_minor > 0 and m.quote.collect_minor == 0 for m in customs.merchants)


def test_domestic_needs_no_customs_and_unknown_destinations_are_refused(basket):
    quote = purchase_quote_build(basket=basket, country_code="IR")

    assert purchase_quote_customs(quote=quote, country_code="IR") is None
    with pytest.raises(DestinationNotSupported):
        purchase_quote_customs(quote=quote, country_code="FR")


def test_a_product_without_customs_data_is_blocked(basket):
    ProductCustomsInfo.objects.filter(product__title="Kashmar wool rug").delete()
    quote = purchase_quote_build(basket=basket, country_code="TR")

    customs = purchase_quote_customs(quote=quote, country_code="TR")

    carpet_line = next(
        line for line in basket.all_lines() if line.product.title == "Kashmar wool rug"
    )
    assert "no customs data" in customs.blocked[carpet_line.pk][0]
