"""Category menus are cached, and a category change shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.search.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _menu_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/catalogue/").status_code == 200
    return sum("catalogue_category" in q["sql"] for q in ctx.captured_queries)


def test_the_category_menus_are_read_once_then_served_from_the_cache(client):
    CategoryFactory(name="Saffron")

    first = _menu_queries(client)
    second = _menu_queries(client)

    assert first > 0
    assert second == 0


def test_renaming_a_category_shows_in_the_menus_at_once(client):
    category = CategoryFactory(name="Saffron")
    assert "Saffron" in client.get("/catalogue/").content.decode()

    category.name = category.name_en = "Saffron and spices"
    category.save()
    html = client.get("/catalogue/").content.decode()

    assert html.count("Saffron and spices") >= 2  # the navigation menu and the side menu


def test_a_deleted_category_leaves_the_menus_at_once(client):
    CategoryFactory(name="Saffron")
    barberries = CategoryFactory(name="Barberries")
    assert "Barberries" in client.get("/catalogue/").content.decode()

    barberries.delete()

    assert "Barberries" not in client.get("/catalogue/").content.decode()
