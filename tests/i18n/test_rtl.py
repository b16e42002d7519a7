"""Right-to-left layout: Persian and Arabic pages are served with dir=rtl and the rtlcss build of
Oscar's CSS, English and Russian with dir=ltr and Oscar's own; no CDN; the vendored RTL CSS really
is the mirror of the installed Oscar's; emails carry the buyer's direction; and in Chromium the
page really lays out from the right."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import oscar
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import mail
from django.test import Client
from django.utils import translation

from purchases.models import Purchase
from purchases.tasks import purchase_confirmation_send
from tests.merchants.factories import UserFactory
from tests.payments.fixtures import CARD_OK, Checkout

pytest_plugins = ["tests.payments.fixtures"]

COOKIE = settings.LANGUAGE_COOKIE_NAME
RTL_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "oscar-rtl"
OSCAR_CSS = Path(oscar.__file__).parent / "static" / "oscar" / "css"

RTL_LANGUAGES = ["fa", "ar"]
LTR_LANGUAGES = ["en", "ru"]

#: A stylesheet or script loaded from another host (a CDN) in the served HTML.
EXTERNAL_ASSET = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(?:https?:)?//', re.I)


def html_tag(html: str) -> str:
    match = re.search(r"<html\b[^>]*>", html)
    assert match, "no <html> element"
    return match.group(0)


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', html)


@pytest.fixture
def saffron(db):
    from tests.search.factories import ProductFactory, StockRecordFactory

    product = ProductFactory(title="Sargol saffron", title_en="Sargol saffron")
    StockRecordFactory(product=product, price=4_500_000, num_in_stock=10)
    return product


@pytest.fixture
def storefront_pages(saffron):
    """path -> a client that may see it (anonymous; the basket and checkout with a line in it)."""

    def visit(language: str) -> dict[str, str]:
        client = Client()
        client.cookies[COOKIE] = language
        client.post(f"/basket/add/{saffron.pk}/", {"quantity": 1})
        pages = {}
        # "/" redirects to the catalogue, the storefront's home page
        for path in ["/catalogue/", saffron.get_absolute_url(), "/basket/", "/checkout/"]:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[path] = response.content.decode()
        return pages

    return visit


@pytest.fixture
def staff_pages(db):
    """The Oscar dashboard (a superuser), the customs queue (an officer) and the finance
    dashboard (municipal finance)."""
    from tests.customs.factories import officer_create
    from tests.finance.screens import finance_make

    staff = {
        "/dashboard/": UserFactory(
            username="root@mashhad.example", is_staff=True, is_superuser=True
        ),
        "/customs/": officer_create(),
        "/finance/": finance_make(),
    }

    def visit(language: str) -> dict[str, str]:
        pages = {}
        for path, user in staff.items():
            client = Client()
            client.force_login(user)
            client.cookies[COOKIE] = language
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[path] = response.content.decode()
        return pages

    return visit


# --- the served HTML --------------------------------------------------------------------------


@pytest.mark.parametrize("language", RTL_LANGUAGES)
def test_persian_and_arabic_storefront_pages_are_right_to_left(storefront_pages, language):
    for path, html in storefront_pages(language).items():
        assert html_tag(html).startswith(f'<html lang="{language}" dir="rtl"'), path
        sheets = stylesheets(html)
        assert "/static/vendor/oscar-rtl/styles.rtl.css" in sheets, path
        assert "/static/oscar/css/styles.css" not in sheets, path
        # our corrections come after Oscar's CSS, so they win
        assert sheets.index("/static/marketplace/site.css") > sheets.index(
            "/static/vendor/oscar-rtl/styles.rtl.css"
        ), path
        assert "/static/marketplace/a11y.css" in sheets, path


@pytest.mark.parametrize("language", LTR_LANGUAGES)
def test_english_and_russian_storefront_pages_are_left_to_right(storefront_pages, language):
    for path, html in storefront_pages(language).items():
        assert html_tag(html).startswith(f'<html lang="{language}" dir="ltr"'), path
        sheets = stylesheets(html)
        assert "/static/oscar/css/styles.css" in sheets, path
        assert not [sheet for sheet in sheets if "oscar-rtl" in sheet], path
        assert "/static/marketplace/site.css" in sheets, path


@pytest.mark.parametrize(("language", "direction"), [("fa", "rtl"), ("ar", "rtl"), ("en", "ltr")])
def test_the_dashboard_and_staff_screens_follow_the_language(staff_pages, language, direction):
    for path, html in staff_pages(language).items():
        assert html_tag(html).startswith(f'<html lang="{language}" dir="{direction}"'), path
        sheets = stylesheets(html)
        rtl = [sheet for sheet in sheets if "oscar-rtl" in sheet]
        if direction == "rtl":
            assert rtl, path
        else:
            assert not rtl, path
    dashboard = stylesheets(staff_pages(language)["/dashboard/"])
    if direction == "rtl":
        assert "/static/vendor/oscar-rtl/dashboard.rtl.css" in dashboard
        assert "/static/oscar/css/dashboard.css" not in dashboard
    else:
        assert "/static/oscar/css/dashboard.css" in dashboard


@pytest.mark.parametrize("language", ["fa", "en"])
def test_no_page_loads_anything_from_a_cdn(storefront_pages, staff_pages, language):
    pages = {**storefront_pages(language), **staff_pages(language)}
    for path, html in pages.items():
        assert not EXTERNAL_ASSET.search(html), (path, EXTERNAL_ASSET.search(html).group(0))
        assert "googleapis" not in html, path
        # jQuery is ours, loaded once, before the scripts that need it
        assert html.count('src="/static/oscar/js/jquery/jquery.min.js"') == 1, path


def test_every_stylesheet_the_pages_link_is_a_static_file(storefront_pages, staff_pages):
    sheets = {
        sheet
        for language in ("fa", "en")
        for html in {**storefront_pages(language), **staff_pages(language)}.values()
        for sheet in stylesheets(html)
    }
    for sheet in sheets:
        assert finders.find(sheet.removeprefix(settings.STATIC_URL)), sheet


# --- the vendored RTL stylesheets -----------------------------------------------------------


def rule(css: str, selector: str) -> str:
    """The declarations of the first rule whose selector list has ``selector`` itself."""
    for selectors, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if selector in (part.strip() for part in selectors.split(",")):
            return declarations
    raise AssertionError(f"no rule for {selector}")


@pytest.mark.parametrize("name", ["styles", "dashboard"])
def test_the_rtl_css_is_the_installed_oscars_css_mirrored(name):
    source = OSCAR_CSS / f"{name}.css"
    built = RTL_DIR / f"{name}.rtl.css"
    css = built.read_text(encoding="utf-8")

    recorded = re.search(r"source-sha256: ([0-9a-f]{64})", css)
    assert recorded, f"{built} has no source-sha256 header: run scripts/vendor_assets.sh"
    assert recorded.group(1) == hashlib.sha256(source.read_bytes()).hexdigest(), (
        f"{built} was built from another Oscar {name}.css than the one installed (Oscar upgraded?):"
        " run scripts/vendor_assets.sh and commit static/vendor/oscar-rtl/"
    )

    # margins, floats and alignment swap sides
    assert "margin-right: 1rem" in rule(css, ".ml-3")
    assert "margin-left" not in rule(css, ".ml-3")
    assert "margin-left: auto" in rule(css, ".mr-auto")
    assert "float: left" in rule(css, ".float-right")
    assert "text-align: left" in rule(css, ".text-right")
    assert "text-align: right" in rule(css, ".text-left")
    # the charset still comes first; the source map reference is gone
    assert css.startswith('@charset "UTF-8";')
    assert "sourceMappingURL" not in css


@pytest.mark.parametrize("name", ["styles", "dashboard"])
def test_the_rtl_css_finds_oscars_fonts_and_images(name):
    css = (RTL_DIR / f"{name}.rtl.css").read_text(encoding="utf-8")
    urls = [u for u in re.findall(r'url\("?([^")]+)"?\)', css) if not u.startswith("data:")]
    assert urls
    for url in urls:
        target = (RTL_DIR / url).resolve()
        relative = target.relative_to(Path(settings.BASE_DIR) / "static").as_posix()
        assert finders.find(relative), f"{url} in {name}.rtl.css resolves to nothing"


# --- emails -------------------------------------------------------------------------------


def checkout_in(client, bazaar, language: str) -> Purchase:
    client.cookies[COOKIE] = language
    response = Checkout(client, bazaar, quantities=[1, 1, 1]).pay(CARD_OK)
    assert response.status_code == 302
    return Purchase.objects.get()


@pytest.mark.parametrize(("language", "direction"), [("fa", "rtl"), ("ar", "rtl"), ("en", "ltr")])
def test_the_confirmation_email_has_the_buyers_direction(
    client, bazaar, queued, language, direction
):
    purchase = checkout_in(client, bazaar, language)

    purchase_confirmation_send(purchase.pk)

    html = mail.outbox[0].alternatives[0][0]
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert html_tag(html) == f'<html lang="{language}" dir="{direction}">'
    assert f'<body dir="{direction}">' in html


@pytest.mark.parametrize(("language", "direction"), [("fa", "rtl"), ("en", "ltr")])
def test_oscars_emails_have_the_readers_direction(db, language, direction):
    from django.template.loader import render_to_string

    with translation.override(language):
        html = render_to_string(
            "oscar/communication/emails/commtype_password_changed_body.html",
            {"user": UserFactory(), "reset_url": "/x/", "site": None},
        )
    assert f'lang="{language}" dir="{direction}"' in html_tag(html)
    assert f'dir="{direction}"' in re.search(r"<body\b[^>]*>", html).group(0)


# --- in a real browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "direction"), [("fa", "rtl"), ("en", "ltr")])
def test_the_page_lays_out_from_the_readers_side(
    live_server, page, shot, saffron, language, direction
):
    page.context.add_cookies([{"name": COOKIE, "value": language, "url": live_server.url}])
    missing: list[str] = []
    page.on("requestfailed", lambda request: missing.append(request.url))
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)

    page.goto(live_server.url + saffron.get_absolute_url())
    page.wait_for_load_state("networkidle")
    shot(f"product-{language}")

    assert page.evaluate("getComputedStyle(document.body).direction") == direction
    width = page.evaluate("document.documentElement.clientWidth")
    # Oscar's header: the shop's name (brand.html) and the mini-basket, on one row
    brand = page.locator("header.header .h1 > a").first.bounding_box()
    basket = page.locator("header.header .basket-mini").first.bounding_box()
    assert brand and basket
    if direction == "rtl":
        # the shop's name at the right edge, the mini-basket across from it on the left
        assert brand["x"] + brand["width"] > width * 0.6
        assert basket["x"] < brand["x"]
    else:
        assert brand["x"] < width * 0.4
        assert basket["x"] > brand["x"]
    # Persian readers get Vazirmatn, really loaded (not a fallback)
    if language == "fa":
        assert "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")
        assert page.evaluate("document.fonts.check('16px Vazirmatn')")
    assert missing == []
