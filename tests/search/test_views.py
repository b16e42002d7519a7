"""Catalogue (/catalogue/), category and search (/search/) pages served from PostgreSQL."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from tests.search.factories import (
    CategoryFactory,
    ChildProductFactory,
    ParentProductFactory,
    ProductFactory,
    ProductImageFactory,
    StockRecordFactory,
)

UserSearch = get_model("analytics", "UserSearch")

pytestmark = pytest.mark.django_db

CATALOGUE = "/catalogue/"
SEARCH = "/search/"
PER_PAGE = 24  # settings.OSCAR_PRODUCTS_PER_PAGE
INVALID_PAGE = "The given page number was invalid."


def shown_titles(response) -> list[str]:
    """The product titles of the product cards on a listing page, in page order."""
    assert response.status_code == 200
    cards = re.findall(
        r'<h3 class="mt-3">\s*<a href="[^"]*" title="([^"]*)"', response.content.decode()
    )
    return [html.unescape(title) for title in cards]


def priced_product(title_en: str, price: str = "1250000", **kwargs):
    product = ProductFactory(title_en=title_en, **kwargs)
    StockRecordFactory(product=product, price=Decimal(price))
    return product


# --- catalogue ------------------------------------------------------------------------------


def test_catalogue_lists_public_products_with_their_price(client):
    priced_product("Negin saffron", price="1250000")
    priced_product("Akbari pistachios", price="980000")

    response = client.get(CATALOGUE)

    assert sorted(shown_titles(response)) == ["Akbari pistachios", "Negin saffron"]
    page = response.content.decode()
    assert "IRR1,250,000" in page
    assert "IRR980,000" in page
    assert "<strong>2</strong> results." in page


def test_catalogue_omits_non_public_products_and_variants(client):
    priced_product("Negin saffron")
    priced_product("Unreleased rug", is_public=False)
    parent = ParentProductFactory(title_en="Turquoise ring")
    StockRecordFactory(product=ChildProductFactory(parent=parent, title_en="Ring size 7"))

    titles = shown_titles(client.get(CATALOGUE))

    assert sorted(titles) == ["Negin saffron", "Turquoise ring"]


def test_catalogue_shows_nothing_found_when_empty(client):
    response = client.get(CATALOGUE)

    assert shown_titles(response) == []
    assert "No products found." in response.content.decode()


def test_catalogue_paginates(client):
    for number in range(30):
        priced_product(f"Saffron tin {number:02d}")

    first = client.get(CATALOGUE)
    second = client.get(CATALOGUE, {"page": 2})

    assert len(shown_titles(first)) == PER_PAGE
    assert len(shown_titles(second)) == 30 - PER_PAGE
    assert set(shown_titles(first)).isdisjoint(shown_titles(second))
    assert "showing <strong>1</strong> to <strong>24</strong>" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("page", ["3", "0", "abc"])
def test_catalogue_invalid_page_redirects_to_page_one_with_a_message(client, page):
    priced_product("Negin saffron")

    response = client.get(CATALOGUE, {"page": page, "sort_by": "newest"})

    assert response.status_code == 302
    assert response["Location"] == "/catalogue/?sort_by=newest"
    followed = client.get(response["Location"])
    assert shown_titles(followed) == ["Negin saffron"]
    assert INVALID_PAGE in followed.content.decode()


# --- sorting --------------------------------------------------------------------------------


def test_catalogue_sorts_by_price(client):
    priced_product("Middle", price="500000")
    priced_product("Cheap", price="100000")
    priced_product("Dear", price="9000000")
    ProductFactory(title_en="Unpriced")

    ascending = shown_titles(client.get(CATALOGUE, {"sort_by": "price-asc"}))
    descending = shown_titles(client.get(CATALOGUE, {"sort_by": "price-desc"}))

    assert ascending == ["Cheap", "Middle", "Dear", "Unpriced"]
    assert descending == ["Dear", "Middle", "Cheap", "Unpriced"]


def test_catalogue_sorts_a_parent_by_its_cheapest_public_variant(client):
    priced_product("Middle", price="500000")
    ring = ParentProductFactory(title_en="Ring")
    StockRecordFactory(product=ChildProductFactory(parent=ring), price=Decimal("100000"))
    StockRecordFactory(product=ChildProductFactory(parent=ring), price=Decimal("900000"))
    hidden = ChildProductFactory(parent=ring, is_public=False)
    StockRecordFactory(product=hidden, price=Decimal("1"))

    assert shown_titles(client.get(CATALOGUE, {"sort_by": "price-asc"})) == ["Ring", "Middle"]


def test_catalogue_sorts_by_title_in_the_visitors_language(client):
    priced_product("Barberry", title_fa="زرشک")
    priced_product("Almonds", title_fa="بادام")
    priced_product("Cumin", title_fa="")  # no Persian title: shown, and sorted, in English

    english = shown_titles(client.get(CATALOGUE, {"sort_by": "title-asc"}))
    reverse = shown_titles(client.get(CATALOGUE, {"sort_by": "title-desc"}))
    persian = shown_titles(
        client.get(CATALOGUE, {"sort_by": "title-asc"}, HTTP_ACCEPT_LANGUAGE="fa")
    )

    assert english == ["Almonds", "Barberry", "Cumin"]
    assert reverse == ["Cumin", "Barberry", "Almonds"]
    assert persian == ["Cumin", "بادام", "زرشک"]  # Latin letters sort before Arabic script


def test_catalogue_sorts_newest_first_and_by_priority_by_default(client):
    older_promoted = priced_product("Older promoted", priority=5)
    priced_product("Old")
    priced_product("New")

    newest = shown_titles(client.get(CATALOGUE, {"sort_by": "newest"}))
    default = shown_titles(client.get(CATALOGUE))
    unknown_sort = shown_titles(client.get(CATALOGUE, {"sort_by": "cheapest-first"}))

    assert newest == ["New", "Old", older_promoted.title_en]
    assert default == ["Older promoted", "New", "Old"]
    assert unknown_sort == default


def test_catalogue_sorts_by_rating(client):
    priced_product("Unrated")
    priced_product("Liked").__class__.objects.filter(title_en="Liked").update(rating=4.5)
    priced_product("Loved").__class__.objects.filter(title_en="Loved").update(rating=5.0)

    assert shown_titles(client.get(CATALOGUE, {"sort_by": "rating"})) == [
        "Loved",
        "Liked",
        "Unrated",
    ]


# --- category -------------------------------------------------------------------------------


def test_category_lists_its_products_and_its_descendants(client):
    food = CategoryFactory(name="Food")
    spices = CategoryFactory(name="Spices", parent=food)
    saffron = CategoryFactory(name="Saffron", parent=spices)
    crafts = CategoryFactory(name="Crafts")
    priced_product("Dried figs", categories=[food])
    priced_product("Negin saffron", categories=[saffron])
    priced_product("Turquoise ring", categories=[crafts])
    priced_product("Hidden saffron", categories=[saffron], is_public=False)
    priced_product("Saffron gift box", categories=[food, saffron])  # listed once

    food_page = client.get(food.get_absolute_url())
    saffron_page = client.get(saffron.get_absolute_url())

    assert sorted(shown_titles(food_page)) == ["Dried figs", "Negin saffron", "Saffron gift box"]
    assert sorted(shown_titles(saffron_page)) == ["Negin saffron", "Saffron gift box"]
    assert "<h1>Saffron</h1>" in saffron_page.content.decode()


def test_category_with_a_stale_slug_redirects_permanently(client):
    food = CategoryFactory(name="Food")
    spices = CategoryFactory(name="Spices", parent=food)

    response = client.get(f"/catalogue/category/old-name_{spices.pk}/")

    assert response.status_code == 301
    assert response["Location"] == f"/catalogue/category/food/spices_{spices.pk}/"


def test_category_with_a_persian_slug_is_served_without_a_redirect(client):
    saffron = CategoryFactory(name="زعفران", slug="زعفران")
    priced_product("Negin saffron", categories=[saffron])

    response = client.get(saffron.get_absolute_url())

    assert shown_titles(response) == ["Negin saffron"]


def test_non_public_category_is_not_found(client):
    hidden = CategoryFactory(name="Drafts", is_public=False)

    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(f"/catalogue/category/nothing_{hidden.pk + 1000}/").status_code == 404


def test_category_invalid_page_redirects_to_the_category(client):
    food = CategoryFactory(name="Food")
    priced_product("Dried figs", categories=[food])

    response = client.get(food.get_absolute_url(), {"page": 5})

    assert response.status_code == 302
    assert response["Location"] == food.get_absolute_url()
    assert INVALID_PAGE in client.get(response["Location"]).content.decode()


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def bazaar():
    """Given: saffron, pistachios and a turquoise ring, in English and Persian."""
    return {
        "saffron": priced_product(
            "Negin saffron 4.6 g", title_fa="زعفران نگین ۴٫۶ گرم", upc="6260000000017"
        ),
        "pistachio": priced_product(
            "Akbari pistachios", title_fa="پسته اکبری", upc="6260000000024"
        ),
        "ring": priced_product(
            "Turquoise ring",
            title_fa="انگشتر فیروزه",
            upc="6260000000031",
            description_en="Neyshabur turquoise set in silver.",
        ),
    }


def test_search_finds_a_product_by_english_title_words(client, bazaar):
    response = client.get(SEARCH, {"q": "SAFFRON negin"})

    assert shown_titles(response) == ["Negin saffron 4.6 g"]
    assert "Found <strong>1</strong> result." in response.content.decode()


def test_search_finds_a_product_by_persian_title_words(client, bazaar):
    response = client.get(SEARCH, {"q": "زعفران"}, HTTP_ACCEPT_LANGUAGE="fa")

    assert shown_titles(response) == ["زعفران نگین ۴٫۶ گرم"]


def test_search_finds_a_product_by_upc(client, bazaar):
    assert shown_titles(client.get(SEARCH, {"q": "6260000000024"})) == ["Akbari pistachios"]


def test_search_finds_a_product_by_a_word_prefix_and_by_description(client, bazaar):
    assert shown_titles(client.get(SEARCH, {"q": "pistach"})) == ["Akbari pistachios"]
    assert shown_titles(client.get(SEARCH, {"q": "پست"})) == ["Akbari pistachios"]
    assert shown_titles(client.get(SEARCH, {"q": "neyshabur silver"})) == ["Turquoise ring"]


def test_search_requires_every_word_and_finds_nothing_unrelated(client, bazaar):
    response = client.get(SEARCH, {"q": "saffron ring"})

    assert shown_titles(response) == []
    assert "Found <strong>0</strong> results." in response.content.decode()


def test_search_treats_query_syntax_as_text(client, bazaar):
    for q in ["saffron & !", "'negin':* | ring", "\\ (", "&", "a'b"]:
        response = client.get(SEARCH, {"q": q})
        assert response.status_code == 200, q
    assert shown_titles(client.get(SEARCH, {"q": "saffron & !"})) == ["Negin saffron 4.6 g"]


def test_search_with_an_empty_query_finds_nothing(client, bazaar):
    for params in [{}, {"q": ""}, {"q": "   "}]:
        response = client.get(SEARCH, params)
        assert shown_titles(response) == []
        assert "Found <strong>0</strong> results." in response.content.decode()


def test_search_omits_non_public_products(client, bazaar):
    priced_product("Saffron sample", is_public=False)

    assert shown_titles(client.get(SEARCH, {"q": "saffron"})) == ["Negin saffron 4.6 g"]


def test_search_ranks_title_matches_above_description_matches(client):
    priced_product("Silver bracelet", description_en="Pairs well with a turquoise ring.")
    priced_product("Turquoise ring", description_en="Neyshabur stone.")

    assert shown_titles(client.get(SEARCH, {"q": "turquoise"})) == [
        "Turquoise ring",
        "Silver bracelet",
    ]


def test_search_sorts_matches_by_price(client):
    priced_product("Saffron tin", price="3000000")
    priced_product("Saffron sachet", price="200000")
    priced_product("Pistachio tin", price="100")

    response = client.get(SEARCH, {"q": "saffron", "sort_by": "price-asc"})

    assert shown_titles(response) == ["Saffron sachet", "Saffron tin"]


def test_search_invalid_page_redirects_to_the_first_page_of_the_same_search(client, bazaar):
    response = client.get(SEARCH, {"q": "saffron", "page": 4})

    assert response.status_code == 302
    assert response["Location"] == "/search/?q=saffron"


def test_search_by_a_signed_in_customer_is_recorded(client, django_user_model, bazaar):
    customer = django_user_model.objects.create_user(
        username="maryam", email="maryam@example.com", password="not-used"
    )
    client.force_login(customer)

    client.get(SEARCH, {"q": "زعفران"})

    assert list(UserSearch.objects.values_list("user", "query")) == [(customer.pk, "زعفران")]


def test_listing_pages_offer_sorting_and_no_facets(client, bazaar):
    food = CategoryFactory(name="Food")
    bazaar["saffron"].categories.add(food)
    for url, params in [(CATALOGUE, {}), (food.get_absolute_url(), {}), (SEARCH, {"q": "ring"})]:
        page = client.get(url, {**params, "sort_by": "price-asc"}).content.decode()

        assert '<select name="sort_by"' in page, url
        assert '<option value="price-asc" selected>' in page, url
        assert "selected_facets" not in page, url
        assert "Refine" not in page, url


# --- query counts ---------------------------------------------------------------------------

# Layout (category menu, ...) plus count, page, and one prefetch each for stock records,
# images, variants, variants' stock records and categories.
QUERY_CEILING = 12


def catalogue_goods(count: int, *, start: int = 0, categories=()):
    """``count`` priced products with an image; every fifth is a parent with two variants.

    Prices rise with the number, so any page, in any order, mixes parents and standalone goods.
    """
    for number in range(start, start + count):
        price = Decimal(100000 * (number + 1))
        if number % 5 == 4:
            product = ParentProductFactory(title_en=f"Saffron gift set {number}")
            for variant_price in (price, price + 50000):
                StockRecordFactory(product=ChildProductFactory(parent=product), price=variant_price)
        else:
            product = priced_product(f"Saffron tin {number}", price=str(price))
        ProductImageFactory(product=product)
        if categories:
            product.categories.add(categories[number % len(categories)])


def queries_to_render(client, url: str, **params) -> int:
    client.get(url, params)  # warm the caches (thumbnails, category URLs) like a live site
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    assert shown_titles(response)
    return len(queries.captured_queries)


@pytest.mark.parametrize(
    "params", [{}, {"sort_by": "price-asc"}, {"sort_by": "title-asc"}, {"sort_by": "newest"}]
)
def test_catalogue_queries_do_not_grow_with_the_page(client, params):
    catalogue_goods(5)
    five = queries_to_render(client, CATALOGUE, **params)
    catalogue_goods(25, start=5)
    thirty = queries_to_render(client, CATALOGUE, **params)

    assert five == thirty
    assert thirty <= QUERY_CEILING


def test_category_queries_do_not_grow_with_the_page(client):
    food = CategoryFactory(name="Food")
    saffron = CategoryFactory(name="Saffron", parent=food)
    catalogue_goods(5, categories=[food, saffron])
    five = queries_to_render(client, food.get_absolute_url())
    catalogue_goods(25, start=5, categories=[food, saffron])
    thirty = queries_to_render(client, food.get_absolute_url())

    assert five == thirty
    assert thirty <= QUERY_CEILING


@pytest.mark.parametrize("params", [{"q": "saffron"}, {"q": "saffron", "sort_by": "price-desc"}])
def test_search_queries_do_not_grow_with_the_page(client, params):
    catalogue_goods(5)
    five = queries_to_render(client, SEARCH, **params)
    catalogue_goods(25, start=5)
    thirty = queries_to_render(client, SEARCH, **params)

    assert five == thirty
    assert thirty <= QUERY_CEILING
