"""Languages: Persian by default, a switcher that keeps the page, clean fallback from bad codes."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def page_language(response) -> str:
    return response.headers["Content-Language"]


@pytest.fixture
def persian_default(settings):
    """The production default: Persian (the test settings pin English for behaviour tests)."""
    settings.LANGUAGE_CODE = "fa"


def test_a_visitor_without_preferences_gets_persian(client, persian_default):
    response = client.get(reverse("catalogue:index"))
    assert response.status_code == 200
    assert page_language(response) == "fa"


def test_the_browser_language_is_honoured(client, persian_default):
    response = client.get(reverse("catalogue:index"), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
    assert page_language(response) == "ru"
    response = client.get(reverse("catalogue:index"), HTTP_ACCEPT_LANGUAGE="fa-IR")
    assert page_language(response) == "fa"


@pytest.mark.parametrize("bad", ["xx", "de", "", "fa'><script>", "e" * 200])
def test_setlang_with_a_code_we_do_not_serve_leaves_the_default(client, persian_default, bad):
    response = client.post(reverse("set_language"), {"language": bad, "next": "/catalogue/"})
    assert response.status_code == 302
    assert response["Location"] == "/catalogue/"
    cookie = response.cookies.get(COOKIE)
    assert cookie is None or cookie.value == ""  # nothing stored, or a deletion
    page = client.get("/catalogue/")
    assert page.status_code == 200
    assert page_language(page) == "fa"


def test_setlang_keeps_the_page_and_its_query(client, persian_default):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/catalogue/?page=2&sort_by=newest"}
    )
    assert response["Location"] == "/catalogue/?page=2&sort_by=newest"
    assert response.cookies[COOKIE].value == "en"
    assert page_language(client.get("/catalogue/")) == "en"


def test_a_regional_variant_is_stored_as_the_language_we_serve(client, persian_default):
    response = client.post(reverse("set_language"), {"language": "fa-IR", "next": "/"})
    assert response.cookies[COOKIE].value == "fa"


def test_the_language_menu_returns_to_this_page_with_its_query(client):
    response = client.get("/catalogue/?page=1&sort_by=newest&language=ru")
    html = response.content.decode()
    # the switch would otherwise be undone by ?language= on the way back
    assert '<input name="next" type="hidden" value="/catalogue/?page=1&amp;sort_by=newest">' in html


@pytest.mark.parametrize("bad", ["xx", "de", "", "<b>"])
def test_an_unsupported_language_in_the_url_is_ignored(client, persian_default, bad):
    response = client.get(f"/catalogue/?language={bad}")
    assert response.status_code == 200
    assert page_language(response) == "fa"
    assert COOKIE not in response.cookies


def test_a_supported_language_in_the_url_is_used_and_remembered(client, persian_default):
    response = client.get("/catalogue/?language=ar")
    assert response.status_code == 200
    assert page_language(response) == "ar"
    assert response.cookies[COOKIE].value == "ar"
    assert page_language(client.get("/catalogue/")) == "ar"


@pytest.mark.parametrize("bad", ["xx", "de", "zz-ZZ", "%%%"])
def test_a_language_cookie_we_do_not_serve_falls_back_and_is_cleared(client, persian_default, bad):
    client.cookies[COOKIE] = bad
    response = client.get("/catalogue/")
    assert response.status_code == 200
    assert page_language(response) == "fa"
    assert response.cookies[COOKIE].value == ""  # deleted
    assert response.cookies[COOKIE]["max-age"] == 0


def test_a_good_language_cookie_is_left_alone(client, persian_default):
    client.cookies[COOKIE] = "ru"
    response = client.get("/catalogue/")
    assert page_language(response) == "ru"
    assert COOKIE not in response.cookies


def test_the_order_history_dates_orders_in_the_readers_calendar(client):
    from datetime import UTC, datetime

    from oscar.test.factories import create_order

    from tests.merchants.factories import UserFactory

    user = UserFactory(username="pilgrim@example.com")
    order = create_order(user=user)
    order.date_placed = datetime(2025, 3, 20, 21, 0, tzinfo=UTC)  # 00:30 on Nowruz in Tehran
    order.save(update_fields=["date_placed"])
    client.force_login(user)
    client.cookies[COOKIE] = "fa"
    assert "۱ فروردین ۱۴۰۴، ۰۰:۳۰" in client.get(reverse("customer:order-list")).content.decode()
    client.cookies[COOKIE] = "en"
    assert "Mar 21, 2025, 00:30" in client.get(reverse("customer:order-list")).content.decode()
