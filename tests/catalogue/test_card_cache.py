"""Cached product cards never show a stale price or stock, and keep each visitor's CSRF token."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from oscar.core.loading import get_model

from tests.search.factories import ProductFactory, StockRecordFactory

pytestmark = pytest.mark.django_db

StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def saffron(db):
    product = ProductFactory(title="Sargol saffron", title_en="Sargol saffron")
    StockRecordFactory(product=product, price=Decimal(4_500_000), num_in_stock=10)
    return product


def card_of(html: str, title: str) -> str:
    start = html.index(title)
    return html[html.rindex("<article", 0, start) : html.index("</article>", start)]


def test_a_price_change_shows_at_once_even_when_written_without_touching_timestamps(
    client, saffron
):
    first = client.get("/catalogue/").content.decode()
    assert "4,500,000" in card_of(first, "Sargol saffron")

    # a bulk update leaves date_updated alone: the card's key must still change
    StockRecord.objects.filter(product=saffron).update(price=Decimal(4_900_000))
    second = client.get("/catalogue/").content.decode()

    assert "4,900,000" in card_of(second, "Sargol saffron")
    assert "4,500,000" not in card_of(second, "Sargol saffron")


def test_selling_out_shows_at_once(client, saffron):
    client.get("/catalogue/")

    StockRecord.objects.filter(product=saffron).update(num_allocated=10)
    card = card_of(client.get("/catalogue/").content.decode(), "Sargol saffron")

    assert "In stock" not in card
    assert "Add to basket" not in card


def test_a_card_is_rendered_once_and_then_served_from_the_cache(client, saffron, monkeypatch):
    from marketplace.oscar_apps.catalogue.templatetags import listing_tags

    rendered = []
    original = listing_tags.render_product

    def counting(context, product):
        rendered.append(product.pk)
        return original(context, product)

    monkeypatch.setattr(listing_tags, "render_product", counting)

    client.get("/catalogue/")
    client.get("/catalogue/")
    Client().get("/catalogue/")

    assert rendered == [saffron.pk]


def test_each_visitor_gets_their_own_csrf_token_in_a_cached_card(saffron):
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    tokens = []
    for visitor in visitors:
        card = card_of(visitor.get("/catalogue/").content.decode(), "Sargol saffron")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1)
        action = re.search(r'<form action="([^"]+)"', card).group(1)
        tokens.append(token)

        response = visitor.post(
            action, {"csrfmiddlewaretoken": token, "quantity": 1}, HTTP_REFERER="/catalogue/"
        )

        assert response.status_code == 302  # added, not refused as a forgery (403)
    assert "\x00" not in "".join(tokens)
