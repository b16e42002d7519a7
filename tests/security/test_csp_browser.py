"""The Content-Security-Policy blocks nothing the site itself needs: Chromium reports no
violation on the main pages of buyers, staff and the admin, and Oscar's inline onclick buttons
still work (wired by security/csp-actions.js)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from marketplace.core.roles import CUSTOMS_OFFICER, roles_ensure
from tests.merchants.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
    window.__cspViolations.push(
        e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at "
        + (e.sourceFile || document.location.pathname) + ":" + e.lineNumber
        + (e.target && e.target.outerHTML ? " on " + e.target.outerHTML.slice(0, 200) : "")
    );
});
"""


@pytest.fixture
def csp_page(page):
    """The page, recording CSP violations from events and from the console."""
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)

    def violations() -> list[str]:
        return [*page.evaluate("window.__cspViolations || []"), *console]

    page.csp_violations = violations
    return page


@pytest.fixture
def saffron(iran):
    from tests.search.factories import ProductFactory, StockRecordFactory

    product = ProductFactory(title="Sargol saffron, 4.6 g", title_en="Sargol saffron, 4.6 g")
    StockRecordFactory(product=product, price=Decimal("4500000"), num_in_stock=10)
    return product


def _visit(page, url: str) -> list[str]:
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response is not None
    assert response.status < 400, f"{url}: {response.status}"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    return page.csp_violations()


def test_storefront_pages_report_no_violation(live_server, csp_page, saffron):
    page = csp_page
    for path in ["/", saffron.get_absolute_url(), "/catalogue/", "/accounts/login/"]:
        assert _visit(page, live_server.url + path) == [], path

    # Oscar's "View basket" button had an inline onclick; it still navigates.
    page.goto(live_server.url + saffron.get_absolute_url())
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_load_state()
    page.locator(".basket-mini .btn-group > button").first.click()
    page.wait_for_url("**/basket/")
    assert page.csp_violations() == []


def test_staff_pages_report_no_violation(live_server, csp_page, saffron):
    roles_ensure()
    root = UserFactory(username="root@mashhad.example", is_staff=True, is_superuser=True)
    # Also an officer: the customs workspace is for officers only.
    root.groups.add(Group.objects.get(name=CUSTOMS_OFFICER))
    page = csp_page
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "root@mashhad.example")
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")

    for path in [
        "/admin/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/dashboard/",
        "/dashboard/catalogue/",
        f"/dashboard/catalogue/products/{saffron.pk}/",  # TinyMCE
        "/dashboard/orders/",
        "/finance/",
        "/finance/fees/",
        "/customs/",
        "/merchants/review/",
    ]:
        assert _visit(page, live_server.url + path) == [], path


def test_two_factor_pages_report_no_violation(live_server, csp_page, settings):
    settings.STAFF_OTP_REQUIRED = True
    UserFactory(username="root@mashhad.example", is_staff=True, is_superuser=True)
    page = csp_page
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "root@mashhad.example")
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/two-factor/setup/**")

    assert page.locator(".otp-qr svg").count() == 1
    assert page.csp_violations() == []


def test_guest_checkout_reports_no_violation(live_server, csp_page, saffron):
    page = csp_page
    page.goto(live_server.url + saffron.get_absolute_url())
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/checkout/")
    page.fill("#id_username", "pilgrim@example.com")
    page.check("#id_options_0")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/checkout/shipping-address/")
    page.fill("#id_first_name", "Reza")
    page.fill("#id_last_name", "Karimi")
    page.fill("#id_line1", "Imam Reza Street 12")
    page.fill("#id_line4", "Mashhad")
    page.locator("form#new_shipping_address button[type=submit]").click()
    page.wait_for_url("**/checkout/payment-details/")
    assert page.csp_violations() == []
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_expiry", "12/39")
    page.fill("#id_cvc", "123")
    page.locator("#view_preview").click()
    page.wait_for_url("**/checkout/preview/")
    assert page.csp_violations() == []
    page.locator("#place-order").click()
    page.wait_for_url("**/checkout/thank-you/")
    page.wait_for_load_state("networkidle")

    assert page.csp_violations() == []
    # The "Print this page" link is wired by csp-actions.js (no inline onclick left).
    assert page.locator("a[onclick]").count() == 0
