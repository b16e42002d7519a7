"""axe-core (vendored from npm: tests/browser/vendor/, scripts/vendor_assets.sh) on the buyer's
pages, in Persian and English: the catalogue home, a product, the basket with goods, and each
checkout step (sign-in or guest, shipping address, payment details, preview, thank-you). No
violation of impact "serious" or "critical" may remain; every violation found is printed, grouped
by impact, and kept in test-artifacts/screenshots/<test>/ (axe-summary.txt, axe-violations.json).

No axe rule is disabled. The moderate ones left (no <main> landmark, content outside landmarks,
Oscar's product cards jumping from h1 to h3) are listed by the run, not asserted."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from tests.playwright_fixtures import screenshots_dir

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")

AXE_RUN = """async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")),
        details: v.nodes.map((n) => n.failureSummary),
    }));
}"""


def axe_check(page, step: str, found: dict) -> None:
    """Run axe on the page as shown; record its violations under ``step``."""
    page.add_script_tag(path=str(AXE))
    found[step] = page.evaluate(AXE_RUN)


def summary(found: dict) -> tuple[str, list[str]]:
    """Every violation by impact (printed), and the blocking ones as one line each."""
    by_impact: dict[str, list[str]] = defaultdict(list)
    for step, violations in found.items():
        for v in violations:
            where = ", ".join(v["nodes"][:3]) + (" …" if len(v["nodes"]) > 3 else "")
            by_impact[v["impact"]].append(f"{step}: {v['id']} ({v['help']}) at {where}")
    lines = []
    for impact in ("critical", "serious", "moderate", "minor"):
        lines.append(f"{impact}: {len(by_impact[impact])}")
        lines.extend(f"    {item}" for item in by_impact[impact])
    blocking = [item for impact in BLOCKING for item in by_impact[impact]]
    return "\n".join(lines), blocking


@pytest.fixture
def tab(browser):
    """A page whose Content-Security-Policy lets the test inject axe (an inline script the
    site's policy rightly refuses); the policy is tested elsewhere, the markup here."""
    context = browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def test_axe_reports_what_it_should(tab):
    # given a page with an unlabelled text box and an image without alternative text
    tab.set_content(
        '<html lang="en"><head><title>Sample</title></head>'
        '<body><main><input type="text"><img src="x.png"></main></body></html>'
    )
    found: dict[str, list] = {}

    # when axe runs on it
    axe_check(tab, "sample", found)

    # then both are reported as critical, so the test below cannot pass by not running axe
    report, blocking = summary(found)
    assert {(v["id"], v["impact"]) for v in found["sample"]} >= {
        ("label", "critical"),
        ("image-alt", "critical"),
    }
    assert len(blocking) == 2
    assert report.startswith("critical: 2\n")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_buyers_pages_have_no_serious_accessibility_violations(
    live_server, tab, shot, bazaar, language, request
):
    (_, saffron), (_, rug), _ = bazaar
    page = tab
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    found: dict[str, list] = {}

    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == language
    axe_check(page, "home", found)
    shot("home", page)

    page.goto(live_server.url + saffron.get_absolute_url())
    axe_check(page, "product", found)
    shot("product", page)
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server.url + rug.get_absolute_url())
    page.locator("#add_to_basket_form button[type=submit]").click()
    page.wait_for_load_state()

    page.goto(live_server.url + "/basket/")
    assert page.locator("#basket_formset .basket-items").count() == 2
    axe_check(page, "basket", found)
    shot("basket", page)

    page.goto(live_server.url + "/checkout/")
    axe_check(page, "checkout-sign-in", found)
    page.fill("#id_username", "pilgrim@example.com")
    page.check("#id_options_0")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/checkout/shipping-address/")
    axe_check(page, "shipping-address", found)
    shot("shipping-address", page)
    page.fill("#id_first_name", "Zahra")
    page.fill("#id_last_name", "Ahmadi")
    page.fill("#id_line1", "Ferdowsi Blvd 3")
    page.fill("#id_line4", "Mashhad")
    page.locator("form#new_shipping_address button[type=submit]").click()
    page.wait_for_url("**/checkout/payment-details/")
    axe_check(page, "payment-details", found)
    shot("payment-details", page)
    page.fill("#id_number", "4242 4242 4242 4242")
    page.fill("#id_expiry", "12/39")
    page.fill("#id_cvc", "123")
    page.locator("#view_preview").click()
    page.wait_for_url("**/checkout/preview/")
    axe_check(page, "preview", found)
    shot("preview", page)
    page.locator("#place-order").click()
    page.wait_for_url("**/checkout/thank-you/")
    axe_check(page, "thank-you", found)
    shot("thank-you", page)

    report, blocking = summary(found)
    (screenshots_dir(request) / "axe-violations.json").write_text(
        json.dumps(found, ensure_ascii=False, indent=1)
    )
    (screenshots_dir(request) / "axe-summary.txt").write_text(report + "\n")
    # The summary is the report asked for (issue #7): shown with -s, and kept in test-artifacts/.
    print(f"\naxe-core violations ({language}), by impact:\n{report}")  # noqa: T201
    assert blocking == [], "\n".join(blocking)
