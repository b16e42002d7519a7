"""Who reaches which dashboard page, and what merchant staff see there.

Every URL under /dashboard/ (Oscar's dashboard, ours under /dashboard/merchant/, the catalogue
imports) and every merchant-facing URL (the ``merchants`` namespace) is enumerated from the URL
resolver and must have a row in ``MATRIX``: a URL added without one fails
``test_the_matrix_covers_every_dashboard_and_merchant_url``.

Each row fills the URL's arguments with real objects (``{m}`` is the merchant whose objects are
used: rows holding ``{m}`` run twice, with merchant A's objects as written and with merchant B's
with the A and B columns swapped) and gives the outcome of a GET per role:

    200, 403, 404, 405  that status
    login               302 to a login page (the dashboard's or the storefront's)
    302                 a redirect elsewhere (e.g. Oscar's "choose a product type first")

Every page merchant staff get with 200 is searched for the other merchant's product titles,
SKUs, UPCs, order numbers, buyer names, e-mail addresses and street addresses.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import (
    AttributeOptionGroupFactory,
    ConditionalOfferFactory,
    OptionFactory,
    ProductAlertFactory,
    ProductReviewFactory,
    RangeFactory,
    VoucherFactory,
    VoucherSetFactory,
    create_shipping_weight_band,
)

from catalogue_imports.models import ImportJob
from marketplace.core import roles
from merchants.models import ApplicationStatus
from purchases.services import purchase_place
from purchases.shipping import MerchantDelivery
from tests.customs.factories import hs_codes_ensure
from tests.merchants.factories import MerchantApplicationFactory, MerchantFactory
from tests.search.factories import CategoryFactory, ProductClassFactory, ProductFactory
from tests.search.factories import StockRecordFactory as SearchStockRecordFactory
from tests.shop import basket_build

User = get_user_model()
Basket = get_model("basket", "Basket")
CommunicationEventType = get_model("communication", "CommunicationEventType")
Country = get_model("address", "Country")
Line = get_model("order", "Line")
Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db

ROLES = ("merchant_a", "merchant_b", "municipal", "customs", "buyer", "anonymous", "admin")

# fmt: off
#: route -> (URL arguments as name=object, expected GET outcome per role in ROLES order)
MATRIX: dict[str, tuple[str, str]] = {
    # route                                                               arguments                                      A      B      muni   cust   buyer  anon   admin
    "/dashboard/":                                                        ("",                                           "200    200    403    403    403    login  200"),
    "/dashboard/login/":                                                  ("",                                           "200    200    200    200    200    200    200"),
    "/dashboard/logout/":                                                 ("",                                           "405    405    405    405    405    405    405"),
    # catalogue: products and stock
    "/dashboard/catalogue/":                                              ("",                                           "200    200    403    403    403    login  200"),
    "/dashboard/catalogue/products/<int:pk>/":                            ("pk=product_{m}",                             "200    404    403    403    403    login  200"),
    "/dashboard/catalogue/products/<int:pk>/delete/":                     ("pk=product_{m}",                             "200    404    403    403    403    login  200"),
    "/dashboard/catalogue/products/create/":                              ("",                                           "302    302    403    403    403    login  302"),
    "/dashboard/catalogue/products/create/<product_class_slug>/":         ("product_class_slug=product_class_slug",      "200    200    403    403    403    login  200"),
    "/dashboard/catalogue/products/<int:parent_pk>/create-variant/":      ("parent_pk=parent_{m}",                       "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/products/bulk-action/":                         ("",                                           "302    302    403    403    403    login  302"),
    "/dashboard/catalogue/product-lookup/":                               ("",                                           "200    200    403    403    403    login  200"),
    "/dashboard/catalogue/stock-alerts/":                                 ("",                                           "200    200    403    403    403    login  200"),
    # catalogue: shared structure, administrators only
    "/dashboard/catalogue/categories/":                                   ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/categories/<int:pk>/":                          ("pk=category",                                "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/categories/create/":                            ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/categories/create/<int:parent>/":               ("parent=category",                            "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/categories/<int:pk>/update/":                   ("pk=category",                                "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/categories/<int:pk>/delete/":                   ("pk=category",                                "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/product-types/":                                ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/product-type/create/":                          ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/product-type/<int:pk>/update/":                 ("pk=product_class",                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/product-type/<int:pk>/delete/":                 ("pk=product_class",                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/attribute-option-group/":                       ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/attribute-option-group/create/":                ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/attribute-option-group/<str:pk>/update/":       ("pk=option_group",                            "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/attribute-option-group/<str:pk>/delete/":       ("pk=option_group",                            "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/option/":                                       ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/option/create/":                                ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/option/<str:pk>/update/":                       ("pk=option",                                  "403    403    403    403    403    login  200"),
    "/dashboard/catalogue/option/<str:pk>/delete/":                       ("pk=option",                                  "403    403    403    403    403    login  200"),
    # orders
    "/dashboard/orders/":                                                 ("",                                           "200    200    403    403    403    login  200"),
    "/dashboard/orders/statistics/":                                      ("",                                           "200    200    403    403    403    login  200"),
    "/dashboard/orders/<str:number>/":                                    ("number=order_{m}",                           "200    404    403    403    403    login  200"),
    "/dashboard/orders/<str:number>/notes/<int:note_id>/":                ("number=order_{m} note_id=note_{m}",          "200    404    403    403    403    login  200"),
    "/dashboard/orders/<str:number>/lines/<int:line_id>/":                ("number=order_{m} line_id=line_{m}",          "200    404    403    403    403    login  200"),
    "/dashboard/orders/<str:number>/shipping-address/":                   ("number=order_{m}",                           "200    404    403    403    403    login  200"),
    # reports, customers, content, partners, offers, shipping: administrators only
    "/dashboard/reports/":                                                ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/users/":                                                  ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/users/<pk>/":                                             ("pk=buyer",                                   "403    403    403    403    403    login  200"),
    "/dashboard/users/<pk>/password-reset/":                              ("pk=buyer",                                   "403    403    403    403    403    login  405"),
    "/dashboard/users/alerts/":                                           ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/users/alerts/<pk>/delete/":                               ("pk=product_alert",                           "403    403    403    403    403    login  200"),
    "/dashboard/users/alerts/<pk>/update/":                               ("pk=product_alert",                           "403    403    403    403    403    login  200"),
    "/dashboard/pages/":                                                  ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/pages/create/":                                           ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/pages/update/<str:pk>/":                                  ("pk=page",                                    "403    403    403    403    403    login  200"),
    "/dashboard/pages/delete/<str:pk>/":                                  ("pk=page",                                    "403    403    403    403    403    login  200"),
    "/dashboard/partners/":                                               ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/partners/create/":                                        ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/partners/<int:pk>/":                                      ("pk=partner_{m}",                             "403    403    403    403    403    login  200"),
    "/dashboard/partners/<int:pk>/delete/":                               ("pk=partner_{m}",                             "403    403    403    403    403    login  200"),
    "/dashboard/partners/<int:partner_pk>/users/add/":                    ("partner_pk=partner_{m}",                     "403    403    403    403    403    login  200"),
    "/dashboard/partners/<int:partner_pk>/users/select/":                 ("partner_pk=partner_{m}",                     "403    403    403    403    403    login  200"),
    "/dashboard/partners/<int:partner_pk>/users/<int:user_pk>/link/":     ("partner_pk=partner_{m} user_pk=staff_{m}",   "403    403    403    403    403    login  302"),
    "/dashboard/partners/<int:partner_pk>/users/<int:user_pk>/unlink/":   ("partner_pk=partner_{m} user_pk=staff_{m}",   "403    403    403    403    403    login  405"),
    "/dashboard/partners/<int:partner_pk>/users/<int:user_pk>/update/":   ("partner_pk=partner_{m} user_pk=staff_{m}",   "403    403    403    403    403    login  200"),
    "/dashboard/offers/":                                                 ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/offers/new/metadata/":                                    ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/offers/new/condition/":                                   ("",                                           "403    403    403    403    403    login  302"),
    "/dashboard/offers/new/incentive/":                                   ("",                                           "403    403    403    403    403    login  302"),
    "/dashboard/offers/new/restrictions/":                                ("",                                           "403    403    403    403    403    login  302"),
    "/dashboard/offers/<int:pk>/":                                        ("pk=offer",                                   "403    403    403    403    403    login  200"),
    "/dashboard/offers/<int:pk>/metadata/":                               ("pk=offer",                                   "403    403    403    403    403    login  200"),
    "/dashboard/offers/<int:pk>/condition/":                              ("pk=offer",                                   "403    403    403    403    403    login  200"),
    "/dashboard/offers/<int:pk>/incentive/":                              ("pk=offer",                                   "403    403    403    403    403    login  200"),
    "/dashboard/offers/<int:pk>/restrictions/":                           ("pk=offer",                                   "403    403    403    403    403    login  200"),
    "/dashboard/offers/<int:pk>/delete/":                                 ("pk=offer",                                   "403    403    403    403    403    login  200"),
    "/dashboard/ranges/":                                                 ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/ranges/create/":                                          ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/ranges/<int:pk>/":                                        ("pk=range",                                   "403    403    403    403    403    login  200"),
    "/dashboard/ranges/<int:pk>/delete/":                                 ("pk=range",                                   "403    403    403    403    403    login  200"),
    "/dashboard/ranges/<int:pk>/products/":                               ("pk=range",                                   "403    403    403    403    403    login  200"),
    "/dashboard/ranges/<int:pk>/reorder/":                                ("pk=range",                                   "403    403    403    403    403    login  405"),
    "/dashboard/reviews/":                                                ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/reviews/<int:pk>/":                                       ("pk=review",                                  "403    403    403    403    403    login  200"),
    "/dashboard/reviews/<int:pk>/delete/":                                ("pk=review",                                  "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/":                                               ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/create/":                                        ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/update/<int:pk>/":                               ("pk=voucher",                                 "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/delete/<int:pk>/":                               ("pk=voucher",                                 "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/stats/<int:pk>/":                                ("pk=voucher",                                 "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/sets/":                                          ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/sets/create/":                                   ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/sets/update/<int:pk>/":                          ("pk=voucher_set",                             "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/sets/detail/<int:pk>/":                          ("pk=voucher_set",                             "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/sets/download/<int:pk>/":                        ("pk=voucher_set",                             "403    403    403    403    403    login  200"),
    "/dashboard/vouchers/sets/delete/<int:pk>/":                          ("pk=voucher_set",                             "403    403    403    403    403    login  200"),
    "/dashboard/comms/":                                                  ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/comms/<slug>/":                                           ("slug=comms_code",                            "403    403    403    403    403    login  200"),
    "/dashboard/shipping/weight-based/":                                  ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/shipping/weight-based/create/":                           ("",                                           "403    403    403    403    403    login  200"),
    "/dashboard/shipping/weight-based/<int:pk>/":                         ("pk=shipping_method",                         "403    403    403    403    403    login  200"),
    "/dashboard/shipping/weight-based/<int:pk>/edit/":                    ("pk=shipping_method",                         "403    403    403    403    403    login  200"),
    "/dashboard/shipping/weight-based/<int:pk>/delete/":                  ("pk=shipping_method",                         "403    403    403    403    403    login  200"),
    "/dashboard/shipping/weight-based/<int:method_pk>/bands/<int:pk>/":   ("method_pk=shipping_method pk=shipping_band", "403    403    403    403    403    login  200"),
    "/dashboard/shipping/weight-based/<int:method_pk>/bands/<int:pk>/delete/": ("method_pk=shipping_method pk=shipping_band", "403 403  403    403    403    login  200"),
    # catalogue imports (catalogue_imports: merchant staff of approved merchants only)
    "/dashboard/imports/":                                                ("",                                           "200    200    403    403    403    login  403"),
    "/dashboard/imports/<int:pk>/":                                       ("pk=import_job_{m}",                          "200    404    403    403    403    login  403"),
    "/dashboard/imports/<int:pk>/progress/":                              ("pk=import_job_{m}",                          "200    404    403    403    403    login  403"),
    # the uploaded file itself: also to admins (accounts_security / issue #8)
    "/dashboard/imports/<int:pk>/file/":                                  ("pk=import_job_{m}",                          "200    404    403    403    403    login  200"),
    # merchant-facing pages (merchants.urls): applying, municipal review, licence scans, public page
    "/merchants/apply/":                                                  ("",                                           "200    200    200    200    200    login  200"),
    "/merchants/review/":                                                 ("",                                           "403    403    200    403    403    login  200"),
    "/merchants/review/<int:pk>/":                                        ("pk=application_{m}",                         "403    403    200    403    403    login  200"),
    "/merchants/applications/<int:pk>/licence/":                          ("pk=application_{m}",                         "200    404    200    404    404    login  200"),
    "/merchants/<slug:slug>/":                                            ("slug=slug_{m}",                              "200    200    200    200    200    200    200"),
    # ours: customs data (customs officers may correct any product, as roles.py grants)
    "/dashboard/merchant/products/<int:pk>/customs/":                     ("pk=product_{m}",                             "200    404    403    200    403    login  200"),
    "/dashboard/merchant/hs-codes/":                                      ("",                                           "200    200    403    200    403    login  200"),
    # ours: the merchant's Money page and statement (own merchant only; administrators choose one)
    "/dashboard/merchant/money/":                                         ("",                                           "200    200    403    403    403    login  200"),
    "/dashboard/merchant/money/statement.csv":                            ("",                                           "200    200    403    403    403    login  404"),
    # ours: the merchant's customs declarations and customs' questions (own merchant only; officers
    # and administrators work them at /customs/); answering is a POST
    "/dashboard/merchant/customs/":                                       ("",                                           "200    200    403    403    403    login  403"),
    "/dashboard/merchant/customs/<int:pk>/":                              ("pk=declaration_{m}",                         "200    404    403    403    403    login  403"),
    "/dashboard/merchant/customs/<int:pk>/queries/<int:query_pk>/answer/": ("pk=declaration_{m} query_pk=query_{m}",     "405    405    403    403    403    login  403"),
}
# fmt: on

#: Storefront pages anyone may read: another merchant's goods on them are not a leak.
PUBLIC_ROUTES = frozenset({"/merchants/<slug:slug>/"})


# --- the world: two merchants, their goods, orders and staff, and everyone else -----------------


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, Any]
    #: strings that must never appear on a page of the other merchant's staff
    secrets: dict[str, list[str]] = field(default_factory=dict)
    #: strings each merchant's own pages show (to prove the pages are not simply empty)
    own: dict[str, list[str]] = field(default_factory=dict)


def _user(username: str, first_name: str, last_name: str, *, groups=(), **flags) -> Any:
    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.ir",
        password="not-used",
        first_name=first_name,
        last_name=last_name,
        **flags,
    )
    if groups:
        user.groups.set(Group.objects.filter(name__in=groups))
    return user


def _goods(merchant, *, title, title_fa, sku, upc, price, parent=None, categories=()):
    if parent is not None:
        product = ProductFactory(
            structure=Product.CHILD, parent=parent, product_class=None, title_en=title,
            title=title, title_fa=title_fa, upc=upc,
        )  # fmt: skip
    else:
        product = ProductFactory(
            title_en=title, title=title, title_fa=title_fa, upc=upc, categories=list(categories)
        )
    SearchStockRecordFactory(
        product=product, partner=merchant.partner, partner_sku=sku, price=Decimal(price),
        num_in_stock=50,
    )  # fmt: skip
    return product


def _basket(owner, items):
    return basket_build(items, owner=owner)


def _place(number: str, buyer, items, *, street: str, first_name: str, last_name: str):
    address = ShippingAddress(
        first_name=first_name,
        last_name=last_name,
        line1=street,
        line4="Mashhad",
        country_id="IR",
        phone_number="+989151234567",
    )
    return purchase_place(
        basket=_basket(buyer, items),
        number=number,
        user=buyer,
        guest_email="",
        shipping_address=address,
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )


def world_build() -> World:
    """Two merchants (A: saffron, B: carpets), one purchase spanning both, one purchase from each
    alone, and a user per role."""
    from marketplace.core.roles import roles_ensure

    roles_ensure()
    hs_codes_ensure()
    Country.objects.update_or_create(
        iso_3166_1_a2="IR",
        defaults={
            "iso_3166_1_a3": "IRN",
            "iso_3166_1_numeric": "364",
            "printable_name": "Iran",
            "name": "Islamic Republic of Iran",
            "is_shipping_country": True,
        },
    )
    merchant_a = MerchantFactory(slug="novin-saffron", name_en="Novin Saffron House")
    merchant_b = MerchantFactory(slug="vakil-carpets", name_en="Vakil Carpet Bazaar")
    staff_a = _user("staff-novin", "Reza", "Ahmadi", groups=[roles.MERCHANT_STAFF])
    staff_b = _user("staff-vakil", "Nima", "Sadeghi", groups=[roles.MERCHANT_STAFF])
    merchant_a.partner.users.add(staff_a)
    merchant_b.partner.users.add(staff_b)
    municipal_groups = [roles.MUNICIPAL_FINANCE, roles.MUNICIPAL_STAFF]
    users = {
        "merchant_a": staff_a,
        "merchant_b": staff_b,
        # As in the demo data: is_staff so they can sign in to the admin; in both municipal groups.
        "municipal": _user("finance", "Ali", "Rezaei", groups=municipal_groups, is_staff=True),
        "customs": _user(
            "customs", "Zahra", "Mousavi", groups=[roles.CUSTOMS_OFFICER], is_staff=True
        ),
        "buyer": _user("maryam", "Maryam", "Hosseini"),
        "anonymous": None,
        "admin": _user("admin", "Sara", "Tehrani", is_staff=True, is_superuser=True),
    }
    farid = _user("farid", "Farid", "Bagheri")  # buys from merchant B only
    leila = _user("leila", "Leila", "Karimi")  # buys from merchant A only

    product_class = ProductClassFactory(slug="goods", name="Goods")
    spices = CategoryFactory(name="Spices")
    saffron = _goods(
        merchant_a, title="Sargol saffron tin", title_fa="زعفران سرگل قوطی", sku="NOVIN-SAF-0001",
        upc="UPC-NOVIN-0001", price=4_500_000, categories=[spices],
    )  # fmt: skip
    barberry_parent = ProductFactory(
        structure=Product.PARENT, title_en="Dried barberries", title="Dried barberries",
        title_fa="زرشک خشک", upc="UPC-NOVIN-0002",
    )  # fmt: skip
    _goods(
        merchant_a, title="Dried barberries 250 g", title_fa="زرشک ۲۵۰ گرم", sku="NOVIN-BAR-0250",
        upc="UPC-NOVIN-0003", price=900_000, parent=barberry_parent,
    )  # fmt: skip
    rug = _goods(
        merchant_b, title="Kashmar wool rug", title_fa="فرش پشمی کاشمر", sku="VAKIL-RUG-0042",
        upc="UPC-VAKIL-0042", price=30_000_000,
    )  # fmt: skip
    kilim_parent = ProductFactory(
        structure=Product.PARENT, title_en="Qashqai kilim", title="Qashqai kilim",
        title_fa="گلیم قشقایی", upc="UPC-VAKIL-0050",
    )  # fmt: skip
    _goods(
        merchant_b, title="Qashqai kilim 2x3", title_fa="گلیم ۲ در ۳", sku="VAKIL-KIL-0203",
        upc="UPC-VAKIL-0051", price=12_000_000, parent=kilim_parent,
    )  # fmt: skip

    # One purchase spanning both merchants, then one from each alone.
    mixed = _place(
        "700100", users["buyer"], [(saffron, 2), (rug, 1)], street="Ahmadabad Street 7",
        first_name="Maryam", last_name="Hosseini",
    )  # fmt: skip
    _place(
        "700200", farid, [(rug, 1)], street="Kuhsangi Boulevard 44", first_name="Farid",
        last_name="Bagheri",
    )  # fmt: skip
    _place(
        "700300", leila, [(saffron, 1)], street="Sajjad Boulevard 19", first_name="Leila",
        last_name="Karimi",
    )  # fmt: skip
    order_a, order_b = (part.order for part in mixed.merchant_orders.order_by("sequence"))
    assert order_a.number == "700100-1" and order_a.lines.get().partner == merchant_a.partner
    note_a = OrderNote.objects.create(order=order_a, user=staff_a, message="Packed in tin")
    note_b = OrderNote.objects.create(order=order_b, user=staff_b, message="Rolled, not folded")

    site = Site.objects.get_current()
    page = FlatPage.objects.create(url="/about/", title="About the bazaar", content="Salam")
    page.sites.add(site)
    comms, _ = CommunicationEventType.objects.get_or_create(
        code="MKT_TEST", defaults={"name": "Marketplace test", "category": "Order related"}
    )
    band = create_shipping_weight_band(Decimal("5"), Decimal("100000"))
    applications = {
        m: MerchantApplicationFactory(
            applicant=staff, status=ApplicationStatus.APPROVED, merchant=merchant,
            name_en=merchant.name_en, trade_licence_number=licence, decided_at=timezone.now(),
        )
        for m, merchant, staff, licence in (
            ("a", merchant_a, staff_a, "MHD-NOVIN-0101"),
            ("b", merchant_b, staff_b, "MHD-VAKIL-0202"),
        )
    }  # fmt: skip
    import_jobs = {
        m: ImportJob.objects.create(
            merchant=merchant,
            file=SimpleUploadedFile(name, b"sku,title\n"),  # a real file: its page serves it
            original_filename=name,
            created_by=staff,
        )
        for m, merchant, staff, name in (
            ("a", merchant_a, staff_a, "novin-prices.csv"),
            ("b", merchant_b, staff_b, "vakil-rugs.csv"),
        )
    }

    objects = {
        "product_a": saffron.pk,
        "product_b": rug.pk,
        "parent_a": barberry_parent.pk,
        "parent_b": kilim_parent.pk,
        "order_a": order_a.number,
        "order_b": order_b.number,
        "line_a": order_a.lines.get().pk,
        "line_b": order_b.lines.get().pk,
        "note_a": note_a.pk,
        "note_b": note_b.pk,
        "partner_a": merchant_a.partner.pk,
        "partner_b": merchant_b.partner.pk,
        "staff_a": staff_a.pk,
        "staff_b": staff_b.pk,
        "merchant_a": merchant_a,
        "merchant_b": merchant_b,
        "product_class": product_class.pk,
        "product_class_slug": product_class.slug,
        "category": spices.pk,
        "option_group": AttributeOptionGroupFactory().pk,
        "option": OptionFactory().pk,
        "buyer": users["buyer"].pk,
        "product_alert": ProductAlertFactory(user=users["buyer"], product=saffron).pk,
        "page": page.pk,
        "offer": ConditionalOfferFactory(name="Norooz offer").pk,
        "range": RangeFactory(name="Norooz range").pk,
        "review": ProductReviewFactory(product=saffron, user=users["buyer"]).pk,
        "voucher": VoucherFactory(code="NOROOZ1405").pk,
        "voucher_set": VoucherSetFactory(count=1).pk,
        "comms_code": comms.code,
        "shipping_method": band.method_id,
        "shipping_band": band.pk,
        "import_job_a": import_jobs["a"].pk,
        "import_job_b": import_jobs["b"].pk,
        "application_a": applications["a"].pk,
        "application_b": applications["b"].pk,
        "slug_a": merchant_a.slug,
        "slug_b": merchant_b.slug,
    }
    secrets = {
        "a": [
            "Sargol saffron tin", "زعفران سرگل قوطی", "Dried barberries", "زرشک",
            "NOVIN-SAF-0001", "NOVIN-BAR-0250", "UPC-NOVIN-", "700100-1", "700300",
            "Leila", "leila@example.ir", "Sajjad Boulevard", "Packed in tin", "Ahmadi", "novin-prices.csv", "MHD-NOVIN-0101",
        ],
        "b": [
            "Kashmar wool rug", "فرش پشمی کاشمر", "Qashqai kilim", "گلیم", "VAKIL-RUG-0042",
            "VAKIL-KIL-0203", "UPC-VAKIL-", "700100-2", "700200", "Farid", "Bagheri",
            "farid@example.ir", "Kuhsangi", "Rolled, not folded", "Sadeghi", "vakil-rugs.csv", "MHD-VAKIL-0202",
        ],
    }  # fmt: skip
    own = {
        "a": ["Sargol saffron tin", "NOVIN-SAF-0001", "700100-1"],
        "b": ["Kashmar wool rug", "VAKIL-RUG-0042", "700100-2"],
    }
    return World(users=users, objects=objects, secrets=secrets, own=own)


@pytest.fixture
def world() -> World:
    return world_build()


@pytest.fixture
def clients(world) -> dict[str, Client]:
    result = {}
    for role, user in world.users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        result[role] = client
    return result


# --- helpers -----------------------------------------------------------------------------------


def _join_route(prefix: str, route: str) -> str:
    # As django.urls.resolvers.URLResolver._join_route: a nested regex loses its "^".
    return prefix + (route[1:] if route.startswith("^") else route)


def _readable(route: str) -> str:
    """ "dashboard/users/(?P<pk>-?\\d+)/$" -> "/dashboard/users/<pk>/"."""
    return "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route).replace("$", "")


def url_routes() -> dict[str, str]:
    """Every dashboard and merchant-facing route (readable form) -> its URL name."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = _join_route(prefix, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, route, inner)
                continue
            name = ":".join(filter(None, [namespace, pattern.name]))
            if route.startswith("dashboard/") or namespace.split(":")[0] == "merchants":
                found[_readable(route)] = name

    walk(get_resolver().url_patterns, "", "")
    return found


def _kwargs(spec: str, objects: dict[str, Any], merchant: str) -> dict[str, Any]:
    kwargs = {}
    for item in spec.split():
        name, key = item.split("=")
        kwargs[name] = objects[key.format(m=merchant)]
    return kwargs


def _expected(codes: str, merchant: str) -> dict[str, str]:
    values = codes.split()
    assert len(values) == len(ROLES), codes
    if merchant == "b":  # B's objects: the merchant columns swap
        values[0], values[1] = values[1], values[0]
    return dict(zip(ROLES, values, strict=True))


LOGIN_PATHS = {reverse("dashboard:login"), resolve_url(settings.LOGIN_URL)}


def outcome(response) -> str:
    if response.status_code == 302:
        return "login" if urlsplit(response["Location"]).path in LOGIN_PATHS else "302"
    return str(response.status_code)


def body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def leaks(text: str, secrets: list[str]) -> list[str]:
    """The secrets found in `text`, as written or as JSON escapes them (``\\u0641...``)."""
    return [s for s in secrets if s in text or json.dumps(s)[1:-1] in text]


def cells():
    """(route, url name, merchant whose objects fill it, kwargs spec, expected per role)."""
    names = url_routes()
    for route, (spec, codes) in MATRIX.items():
        for merchant in ("a", "b") if "{m}" in spec else ("a",):
            yield route, names.get(route), merchant, spec, _expected(codes, merchant)


# --- the matrix --------------------------------------------------------------------------------


def test_the_matrix_covers_every_dashboard_and_merchant_url():
    enumerated = set(url_routes())

    missing = sorted(enumerated - set(MATRIX))
    stale = sorted(set(MATRIX) - enumerated)

    assert not missing, f"dashboard/merchant URLs without a row in MATRIX: {missing}"
    assert not stale, f"MATRIX rows for URLs that no longer exist: {stale}"


def customs_objects_add(world: World) -> None:
    """A declaration of each merchant's order to Herat with a query waiting for an answer
    (``declaration_{m}``, ``query_{m}``). Added for the matrix only: the other tests count the
    merchants' orders."""
    from tests.customs.factories import declaration_with_query

    for m in ("a", "b"):
        declaration, query = declaration_with_query(world.objects[f"merchant_{m}"])
        world.objects[f"declaration_{m}"] = declaration.pk
        world.objects[f"query_{m}"] = query.pk


def test_every_role_gets_exactly_the_expected_outcome_and_merchants_see_no_other_merchant(
    world, clients
):
    customs_objects_add(world)
    mismatches, leaked, checked_pages = [], [], 0
    for route, name, merchant, spec, expected in cells():
        path = reverse(name, kwargs=_kwargs(spec, world.objects, merchant))
        assert _readable(resolve(path).route) == route, (route, path)
        for role in ROLES:
            response = clients[role].get(path)
            got = outcome(response)
            if got != expected[role]:
                mismatches.append(f"{path} as {role}: expected {expected[role]}, got {got}")
                continue
            if got == "200" and role in ("merchant_a", "merchant_b") and route not in PUBLIC_ROUTES:
                checked_pages += 1
                other = "b" if role == "merchant_a" else "a"
                found = leaks(body(response), world.secrets[other])
                if found:
                    leaked.append(f"{path} as {role} shows {found}")

    assert mismatches == [], "\n".join(mismatches)
    assert leaked == [], "\n".join(leaked)
    assert checked_pages > 30


# --- what merchant staff see on their pages ----------------------------------------------------


def test_a_purchase_spanning_both_merchants_shows_each_only_their_own_order(world, clients):
    # given purchase 700100 with A's saffron (order 700100-1) and B's rug (order 700100-2)
    for merchant, other in (("a", "b"), ("b", "a")):
        client = clients[f"merchant_{merchant}"]
        number = world.objects[f"order_{merchant}"]

        detail = body(client.get(reverse("dashboard:order-detail", kwargs={"number": number})))
        listing = body(client.get(reverse("dashboard:order-list")))

        own_title, own_sku, own_number = world.own[merchant]
        assert own_title in detail and own_sku in detail and own_number in detail
        assert "Maryam" in detail and "Ahmadabad Street 7" in detail  # their buyer's details
        assert own_number in listing
        assert leaks(detail, world.secrets[other]) == []
        assert leaks(listing, world.secrets[other]) == []


def test_search_csv_json_and_statistics_pages_leak_nothing_of_the_other_merchant(world, clients):
    objects = world.objects
    foreign_searches = {
        "a": "?name=Farid+Bagheri&product_title=Kashmar&upc=UPC-VAKIL-0042",
        "b": "?name=Leila+Karimi&product_title=Sargol&upc=UPC-NOVIN-0001",
    }
    for merchant, other in (("a", "b"), ("b", "a")):
        client = clients[f"merchant_{merchant}"]
        foreign_product = objects[f"product_{other}"]
        pages = {
            "order search by the other merchant's buyer": reverse("dashboard:order-list")
            + foreign_searches[merchant],
            "order search by number": reverse("dashboard:order-list") + "?order_number=7001",
            "order CSV": reverse("dashboard:order-list") + "?response_format=csv",
            "order statistics": reverse("dashboard:order-stats"),
            "product search": reverse("dashboard:catalogue-product-list") + "?title=a",
            "product search by UPC": reverse("dashboard:catalogue-product-list") + "?upc=UPC",
            "product lookup": reverse("dashboard:catalogue-product-lookup") + "?q=",
            "product lookup of the other's product": reverse("dashboard:catalogue-product-lookup")
            + f"?initial={foreign_product}",
            "stock alerts": reverse("dashboard:stock-alert-list"),
            "dashboard index": reverse("dashboard:index"),
        }
        for label, path in pages.items():
            response = client.get(path)
            # The page repeats what the user typed ("Customer name matches ..."): not a leak.
            typed = unquote_plus(urlsplit(path).query)
            secrets = [s for s in world.secrets[other] if s not in typed]
            assert response.status_code == 200, (merchant, label)
            assert leaks(body(response), secrets) == [], (merchant, label)
        foreign_search = client.get(pages["order search by the other merchant's buyer"])
        assert list(foreign_search.context["orders"]) == []

    csv_rows = list(csv.reader(io.StringIO(body(clients["merchant_a"].get(pages["order CSV"])))))
    assert sorted(row[0] for row in csv_rows[1:]) == ["700100-1", "700300-1"]


def test_an_order_mixing_both_merchants_is_shown_to_neither(world, clients):
    # given an order made outside checkout with one line of each merchant (Oscar #2240's case)
    order_a = Order.objects.get(number=world.objects["order_a"])
    line_b = Line.objects.get(pk=world.objects["line_b"])
    Line.objects.filter(pk=line_b.pk).update(order=order_a)

    for role in ("merchant_a", "merchant_b"):
        client = clients[role]
        detail = client.get(reverse("dashboard:order-detail", kwargs={"number": order_a.number}))
        line = client.get(
            reverse(
                "dashboard:order-line-detail",
                kwargs={"number": order_a.number, "line_id": line_b.pk},
            )
        )
        listing = body(client.get(reverse("dashboard:order-list")))

        assert detail.status_code == line.status_code == 404
        assert order_a.number not in listing
    assert clients["admin"].get(f"/dashboard/orders/{order_a.number}/").status_code == 200


# --- what merchant staff cannot write ----------------------------------------------------------


class _FormFields:
    """The submittable fields of the form `form_id` of a page, as a browser would post them
    (selected options, checked boxes, textarea contents; no files)."""

    def __init__(self, html: str, form_id: str = "create_update_product_form"):
        from html.parser import HTMLParser

        self.data: dict[str, list[str]] = {}
        fields = self.data

        class Parser(HTMLParser):
            select = None
            textarea = None
            in_form = False
            done = False

            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if self.done:
                    return
                if tag == "form" and a.get("id") == form_id:
                    self.in_form = True
                if not self.in_form or ("name" not in a and tag != "option"):
                    return
                if tag == "input":
                    kind = a.get("type", "text")
                    if kind in ("checkbox", "radio") and "checked" not in a:
                        return
                    if kind in ("submit", "button", "file"):
                        return
                    default = "on" if kind in ("checkbox", "radio") else ""
                    fields.setdefault(a["name"], []).append(a.get("value", default))
                elif tag == "select":
                    self.select = a["name"]
                    fields.setdefault(a["name"], [])
                elif tag == "option" and self.select and "selected" in a:
                    fields[self.select].append(a.get("value", ""))
                elif tag == "textarea":
                    self.textarea = a["name"]
                    fields[a["name"]] = [""]

            def handle_endtag(self, tag):
                if tag == "select":
                    self.select = None
                elif tag == "textarea":
                    self.textarea = None
                elif tag == "form" and self.in_form:
                    self.in_form, self.done = False, True

            def handle_data(self, data):
                if self.textarea:
                    fields[self.textarea][-1] += data

        Parser().feed(html)


def test_merchant_staff_cannot_attach_stock_to_another_merchant(world, clients):
    # given merchant A's product edit form, with its stock record moved to merchant B's partner
    path = reverse("dashboard:catalogue-product", kwargs={"pk": world.objects["product_a"]})
    data = _FormFields(body(clients["merchant_a"].get(path))).data
    assert data["stockrecords-0-partner"] == [str(world.objects["partner_a"])]
    data["stockrecords-0-partner"] = [str(world.objects["partner_b"])]
    before = sorted(StockRecord.objects.values_list("pk", "partner_id", "product_id"))

    response = clients["merchant_a"].post(path, data)

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["stockrecord_formset"].errors[0]
    assert "partner" in errors
    assert sorted(StockRecord.objects.values_list("pk", "partner_id", "product_id")) == before

    # nor by adding a second stock record for merchant B
    data = _FormFields(body(clients["merchant_a"].get(path))).data
    data.update(
        {
            "stockrecords-TOTAL_FORMS": ["2"],
            "stockrecords-1-partner": [str(world.objects["partner_b"])],
            "stockrecords-1-partner_sku": ["SNEAKY-1"],
            "stockrecords-1-price_currency": ["IRR"],
            "stockrecords-1-price": ["1000"],
            "stockrecords-1-num_in_stock": ["5"],
        }
    )
    response = clients["merchant_a"].post(path, data)

    assert response.status_code == 200
    assert "partner" in response.context["stockrecord_formset"].errors[1]
    assert not StockRecord.objects.filter(partner_sku="SNEAKY-1").exists()


def test_merchant_staff_can_save_their_own_product(world, clients):
    # the positive control for the test above: the same form, unchanged but for the title, saves
    path = reverse("dashboard:catalogue-product", kwargs={"pk": world.objects["product_a"]})
    data = _FormFields(body(clients["merchant_a"].get(path))).data
    data["title"] = ["Sargol saffron tin, 4.6 g"]

    response = clients["merchant_a"].post(path, data)

    assert response.status_code == 302
    assert Product.objects.get(pk=world.objects["product_a"]).title == "Sargol saffron tin, 4.6 g"


def test_merchant_staff_cannot_change_another_merchants_products_or_orders(world, clients):
    client = clients["merchant_a"]
    objects = world.objects
    rug = objects["product_b"]
    order_b = Order.objects.get(number=objects["order_b"])
    address_b = order_b.shipping_address

    responses = [
        client.post(reverse("dashboard:catalogue-product-delete", kwargs={"pk": rug})),
        client.post(reverse("dashboard:catalogue-product", kwargs={"pk": rug}), {"title": "x"}),
        client.post(
            reverse("dashboard:order-detail", kwargs={"number": order_b.number}),
            {"order_action": "change_order_status", "new_status": "Cancelled"},
        ),
        client.post(
            reverse("dashboard:order-detail", kwargs={"number": order_b.number}),
            {"order_action": "save_note", "message": "mine now"},
        ),
        client.post(
            reverse("dashboard:order-shipping-address", kwargs={"number": order_b.number}),
            {"first_name": "X", "last_name": "Y", "line1": "Z", "line4": "Q", "country": "IR"},
        ),
        client.post(
            reverse("merchant_dashboard:product-customs", kwargs={"pk": rug}),
            {
                "hs_code": "570110",
                "origin_country": "IR",
                "net_weight_grams": "1",
                "customs_description": "Rug",
            },
        ),
    ]
    # bulk actions of the lists take ids of rows the user cannot see; they change nothing
    client.post(
        reverse("dashboard:order-list"),
        {"action": "change_order_statuses", "selected_order": [order_b.pk], "new_status": "x"},
    )
    client.post(
        reverse("dashboard:catalogue-product-list"),
        {"action": "make_products_non_public", "selected_product": [rug]},
    )

    assert [r.status_code for r in responses] == [404] * len(responses)
    order_b.refresh_from_db()
    address_b.refresh_from_db()
    assert order_b.status == Order.objects.get(number=objects["order_a"]).status
    assert order_b.notes.filter(message="mine now").count() == 0
    assert address_b.first_name == "Maryam"
    assert Product.objects.get(pk=rug).is_public
    assert Product.objects.get(pk=rug).title_en == "Kashmar wool rug"
    assert not hasattr(Product.objects.get(pk=rug), "customs_info")


def test_editing_the_buyers_address_on_one_merchants_order_leaves_the_others_alone(world, clients):
    # given purchase 700100, whose two merchant orders each have their own copy of the address
    order_a = Order.objects.get(number=world.objects["order_a"])
    order_b = Order.objects.get(number=world.objects["order_b"])
    path = reverse("dashboard:order-shipping-address", kwargs={"number": order_a.number})
    data = _FormFields(
        body(clients["merchant_a"].get(path)), form_id="order_shipping_address_form"
    ).data
    data["line1"] = ["Ahmadabad Street 7, second floor"]

    response = clients["merchant_a"].post(path, data)

    assert response.status_code == 302
    order_a.shipping_address.refresh_from_db()
    order_b.shipping_address.refresh_from_db()
    assert order_a.shipping_address.line1 == "Ahmadabad Street 7, second floor"
    assert order_b.shipping_address.line1 == "Ahmadabad Street 7"


def test_a_product_stocked_by_both_merchants_is_left_to_the_administrators(world, clients):
    # given B also stocks A's saffron
    saffron = Product.objects.get(pk=world.objects["product_a"])
    SearchStockRecordFactory(
        product=saffron, partner=world.objects["merchant_b"].partner, partner_sku="VAKIL-SAF-9"
    )

    for role in ("merchant_a", "merchant_b"):
        client = clients[role]
        edit = client.get(reverse("dashboard:catalogue-product", kwargs={"pk": saffron.pk}))
        delete = client.post(
            reverse("dashboard:catalogue-product-delete", kwargs={"pk": saffron.pk})
        )
        listing = body(client.get(reverse("dashboard:catalogue-product-list")))

        assert edit.status_code == delete.status_code == 404
        assert "Sargol saffron tin" not in listing
    assert Product.objects.filter(pk=saffron.pk).exists()
    admin_edit = clients["admin"].get(f"/dashboard/catalogue/products/{saffron.pk}/")
    assert admin_edit.status_code == 200


def test_navigation_offers_merchant_staff_only_what_they_may_open(world, clients):
    html = body(clients["merchant_a"].get(reverse("dashboard:index")))
    nav = html[html.index('id="bottom_nav_bar"') :]
    nav_urls = set(re.findall(r'href="(/[^"]*)"', nav[: nav.index("</nav>")]))

    assert nav_urls == {
        reverse("dashboard:index"),
        reverse("dashboard:catalogue-product-list"),
        reverse("dashboard:stock-alert-list"),
        reverse("dashboard:order-list"),
        reverse("dashboard:order-stats"),
        reverse("catalogue_imports:upload"),
        reverse("merchant_dashboard:money"),
    }
