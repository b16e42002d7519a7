"""In Chromium: the vendored Chart.js draws every chart of the finance dashboard and the
transparency page from the pages' JSON, in English and in Persian, with no script errors."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.finance.screens import finance_make, merchant_staff_make, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS_DRAWN = """() => {
    const canvases = Array.from(document.querySelectorAll("canvas[data-chart]"));
    return canvases.length > 0 && window.Chart && canvases.every((c) => window.Chart.getChart(c));
}"""

CHART_DATA = """(id) => {
    const chart = window.Chart.getChart(document.querySelector(`canvas[data-chart="${id}"]`));
    return {type: chart.config.type, labels: chart.data.labels,
            data: chart.data.datasets.map((d) => d.data), locale: chart.options.locale};
}"""


def _errors(tab) -> list[str]:
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def _language(tab, live_server, language: str) -> None:
    tab.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )


def test_the_transparency_page_draws_its_charts_in_persian(live_server, page, shot, settings):
    world_build(settings)
    errors = _errors(page)
    _language(page, live_server, "fa")

    page.goto(live_server.url + "/transparency/")
    page.wait_for_function(CHARTS_DRAWN)
    shot("transparency-fa")

    fees = page.evaluate(CHART_DATA, "chart-fees-by-month")
    assert fees["type"] == "bar"
    assert fees["locale"] == "fa"
    assert fees["data"][0][-2:] == [420_000, 89_999]
    orders = page.evaluate(CHART_DATA, "chart-orders-by-month")
    assert orders["data"][0][-2:] == [2, 2]
    assert page.locator(".finance-screen").get_attribute("dir") == "rtl"
    assert errors == []


def test_the_finance_dashboard_draws_three_charts(live_server, page, shot, settings):
    world_build(settings)
    client = Client()
    client.force_login(finance_make())
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    _language(page, live_server, "en")
    errors = _errors(page)

    page.goto(live_server.url + "/finance/")
    page.wait_for_function(CHARTS_DRAWN)
    shot("finance-dashboard-en")

    months = page.evaluate(CHART_DATA, "chart-fees-by-month")
    assert months["data"][0][-2:] == [420_000, 89_999]  # collected
    assert months["data"][1][-2:] == [0, 400_000]  # remitted
    categories = page.evaluate(CHART_DATA, "chart-fees-by-category")
    assert categories["type"] == "doughnut"
    assert categories["labels"] == ["Carpets", "Saffron", "Nuts"]
    top = page.evaluate(CHART_DATA, "chart-top-merchants")
    assert top["labels"][0] == "Vakil Carpet Bazaar"
    assert errors == []


def test_the_merchant_money_page_in_persian(live_server, page, shot, settings):
    world = world_build(settings)
    client = Client()
    client.force_login(merchant_staff_make("staff-novin", world.novin))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    _language(page, live_server, "fa")
    errors = _errors(page)

    page.goto(live_server.url + "/dashboard/merchant/money/")
    shot("merchant-money-fa")

    assert page.locator("#statement tbody tr").count() == 8
    assert "۱۰٬۳۰۰٬۰۰۱" in page.locator("#balance-pending").inner_text()
    assert errors == []
