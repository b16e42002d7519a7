"""`manage.py load_demo`: what it loads, and that loading again changes nothing."""

import io
import re

import pycountry
import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command
from django.db import connection
from oscar.core.loading import get_model

from customs.models import HSCode, ProductCustomsInfo
from marketplace.core.money import from_minor
from marketplace.core.roles import (
    CUSTOMS_OFFICER,
    MERCHANT_STAFF,
    MUNICIPAL_FINANCE,
    MUNICIPAL_STAFF,
)
from marketplace.demo import data
from merchants.models import Merchant, MerchantStatus

Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()

pytestmark = pytest.mark.django_db

SNAPSHOT_MODELS = [
    Group,
    Group.permissions.through,
    Site,
    Country,
    ProductClass,
    Category,
    Partner,
    Partner.users.through,
    Merchant,
    Product,
    ProductCategory,
    StockRecord,
    ProductCustomsInfo,
    User,
    User.groups.through,
]


def _load(**options) -> str:
    out = io.StringIO()
    call_command("load_demo", allow_without_debug=True, stdout=out, **options)
    return out.getvalue()


def _snapshot() -> dict[str, list[dict]]:
    """Every column of every row the demo touches, timestamps and password hashes included."""
    return {
        model._meta.label: list(
            model.objects.order_by("pk").values(*[f.attname for f in model._meta.concrete_fields])
        )
        for model in SNAPSHOT_MODELS
    }


def _totals(output: str) -> tuple[int, int, int]:
    match = re.search(r"^\s+total\s+(\d+)\s+(\d+)\s+(\d+)\s*$", output, re.MULTILINE)
    assert match, output
    return int(match[1]), int(match[2]), int(match[3])


def _row(output: str, kind: str) -> tuple[int, int, int]:
    match = re.search(rf"^\s+{re.escape(kind)}\s+(\d+)\s+(\d+)\s+(\d+)\s*$", output, re.MULTILINE)
    assert match, output
    return int(match[1]), int(match[2]), int(match[3])


def _specs() -> dict[str, tuple[str, data.DemoProduct]]:
    return {
        data.UPC_PREFIX + spec.sku: (merchant, spec)
        for merchant, specs in data.PRODUCTS.items()
        for spec in specs
    }


# --- What the first run loads --------------------------------------------------------------


def test_first_run_reports_what_it_created(demo_first_run):
    created, updated, unchanged = _totals(demo_first_run)

    assert "Demo data loaded" in demo_first_run
    assert created > 900
    assert updated <= 1  # the Site row Django's migrations create (example.com)
    assert unchanged == 0
    assert _row(demo_first_run, "merchants") == (12, 0, 0)
    assert _row(demo_first_run, "products") == (len(_specs()), 0, 0)
    assert _row(demo_first_run, "users") == (6, 0, 0)


def test_site_and_shipping_countries(demo_first_run):
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("127.0.0.1:8000", "Mashhad e-City Marketplace")

    assert Country.objects.count() == len(pycountry.countries)
    shipping = set(Country.objects.filter(is_shipping_country=True).values_list("pk", flat=True))
    assert shipping == {"IR", "AF", "IQ", "TM", "PK", "AZ", "TR", "AM"}
    assert Country.objects.get(pk="AF").printable_name == "Afghanistan"


def test_about_twelve_approved_merchants_each_on_its_own_partner(demo_first_run):
    merchants = Merchant.objects.select_related("partner")

    assert merchants.count() == 12
    for merchant in merchants:
        assert merchant.status == MerchantStatus.APPROVED
        assert merchant.city == "Mashhad"
        assert merchant.name_en and merchant.name_fa
        assert merchant.partner.code == merchant.slug
        assert merchant.partner.name == merchant.name_en


def test_categories_have_persian_and_english_names(demo_first_run):
    categories = Category.objects.filter(code__in=[c.code for c in data.CATEGORIES])

    assert categories.count() == 9
    assert all(c.name_en and c.name_fa and c.is_public for c in categories)
    assert Category.objects.get(code="saffron").name_fa == "زعفران"


def test_every_product_is_public_bilingual_stocked_by_its_merchant_and_classified(
    demo_first_run,
):
    specs = _specs()
    products = Product.objects.filter(upc__in=specs).prefetch_related(
        "stockrecords__partner", "categories"
    )
    customs = {
        info.product_id: info
        for info in ProductCustomsInfo.objects.select_related("hs_code").filter(
            product__in=products
        )
    }

    assert len(products) == len(specs) >= 140
    for product in products:
        merchant_slug, spec = specs[product.upc]
        assert product.is_public and product.is_standalone
        assert product.product_class.slug == "goods"
        assert (product.title_en, product.title_fa) == (spec.title_en, spec.title_fa)
        assert product.title_en.strip() and product.title_fa.strip()
        assert product.description_en.strip() and product.description_fa.strip()
        assert [c.code for c in product.categories.all()] == [spec.category]

        (stockrecord,) = product.stockrecords.all()
        assert stockrecord.partner.code == merchant_slug
        assert stockrecord.partner_sku == spec.sku
        assert stockrecord.price == from_minor(spec.price_irr, "IRR")
        assert stockrecord.price_currency == "IRR"
        assert 5 <= stockrecord.num_in_stock <= 200

        info = customs[product.pk]
        assert re.fullmatch(r"[0-9]{6}", info.hs_code_id)
        assert info.hs_code.level == 6
        assert info.hs_code_id == spec.hs_code
        assert info.origin_country == "IR"
        assert info.net_weight_grams > 0
        assert info.customs_description.isascii()


def test_the_plain_title_column_holds_the_english_title(demo_first_run):
    # Read the column itself: modeltranslation's `product.title` answers in the active language.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM catalogue_product WHERE upc LIKE 'MHD-%%' "
            "AND (title IS DISTINCT FROM title_en OR description IS DISTINCT FROM description_en)"
        )
        (mismatched,) = cursor.fetchone()

    assert mismatched == 0


def test_real_hs_codes_for_the_signature_goods(demo_first_run):
    def code_of(sku: str) -> str:
        return ProductCustomsInfo.objects.get(product__upc=data.UPC_PREFIX + sku).hs_code_id

    assert code_of("NOV-001") == "091020"  # saffron
    assert code_of("PST-001") == "080251"  # pistachios in shell
    assert code_of("PST-007") == "080252"  # shelled
    assert code_of("BRB-001") == "081340"  # dried barberries
    assert code_of("CRP-001") == "570110"  # hand-knotted wool carpet
    assert code_of("TRQ-001") == "710399"  # worked turquoise
    assert code_of("RSW-001") == "330190"  # rosewater, an aqueous distillate
    assert HSCode.objects.get(code="091020").description == "Spices; saffron"


def test_one_user_per_role_in_the_right_group(demo_first_run):
    users = {user.email: user for user in User.objects.prefetch_related("groups")}

    def groups_of(email: str) -> set[str]:
        return {group.name for group in users[email].groups.all()}

    for email in ("resident@demo.mashhad.example", "buyer.herat@demo.mashhad.example"):
        assert groups_of(email) == set()
        assert not users[email].is_staff

    staff = users["staff.novin@demo.mashhad.example"]
    assert groups_of(staff.email) == {MERCHANT_STAFF}
    assert not staff.is_staff
    assert staff.has_perm("partner.dashboard_access")
    assert list(staff.partners.values_list("code", flat=True)) == ["novin-saffron"]

    assert groups_of("customs@demo.mashhad.example") == {CUSTOMS_OFFICER}
    # municipal finance staff also review merchant applications in the demo
    assert groups_of("finance@demo.mashhad.example") == {MUNICIPAL_FINANCE, MUNICIPAL_STAFF}
    admin = users["admin@demo.mashhad.example"]
    assert admin.is_superuser and admin.is_staff

    for spec in data.USERS:
        assert authenticate(username=spec.email, password=data.DEFAULT_PASSWORD) is not None


def test_role_groups_have_their_permissions(demo_first_run):
    def permissions_of(name: str) -> set[str]:
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Permission.objects.filter(group__name=name).select_related("content_type")
        }

    assert permissions_of(MERCHANT_STAFF) == {"partner.dashboard_access"}
    assert "customs.change_productcustomsinfo" in permissions_of(CUSTOMS_OFFICER)
    assert "merchants.view_merchant" in permissions_of(MUNICIPAL_FINANCE)


def test_logins_table_lists_every_demo_user_with_the_password(demo_first_run):
    for spec in data.USERS:
        line = next(line for line in demo_first_run.splitlines() if spec.email in line)
        assert data.DEFAULT_PASSWORD in line


# --- Running it again ----------------------------------------------------------------------


def test_second_run_changes_nothing_and_says_so(demo_first_run):
    before = _snapshot()

    output = _load()

    assert _snapshot() == before
    created, updated, unchanged = _totals(output)
    assert (created, updated) == (0, 0)
    assert unchanged == _totals(demo_first_run)[0] + _totals(demo_first_run)[1]
    assert "Nothing changed" in output


def test_a_new_password_updates_only_the_users(demo_first_run):
    before = _snapshot()

    output = _load(password="another-demo-password")

    assert _row(output, "users") == (0, 6, 0)
    assert _totals(output)[:2] == (0, 6)
    after = _snapshot()
    assert {label: rows for label, rows in after.items() if label != User._meta.label} == {
        label: rows for label, rows in before.items() if label != User._meta.label
    }
    assert authenticate(username="resident@demo.mashhad.example", password="another-demo-password")
    assert "another-demo-password" in output


def test_changed_rows_are_put_back(demo_first_run):
    product = Product.objects.get(upc="MHD-NOV-001")
    StockRecord.objects.filter(product=product).update(price=1, num_in_stock=3)
    Merchant.objects.filter(slug="novin-saffron").update(status=MerchantStatus.SUSPENDED)

    output = _load()

    stockrecord = StockRecord.objects.get(product=product)
    assert stockrecord.price == 4_500_000
    # Stock levels belong to the merchant once the record exists.
    assert stockrecord.num_in_stock == 3
    assert Merchant.objects.get(slug="novin-saffron").status == MerchantStatus.APPROVED
    assert _row(output, "stock records")[1] == 1
    assert _row(output, "merchants")[1] == 1


# --- Refusals ------------------------------------------------------------------------------


def test_refuses_to_run_without_debug_unless_told(demo_first_run):
    before = _snapshot()

    with pytest.raises(CommandError, match="--allow-without-debug"):
        call_command("load_demo", stdout=io.StringIO())

    assert _snapshot() == before


def test_refuses_a_short_password(demo_first_run):
    with pytest.raises(CommandError, match="at least 8"):
        _load(password="short")


def test_an_hs_code_missing_from_the_nomenclature_fails_loudly_and_writes_nothing(
    demo_first_run, monkeypatch
):
    bad = data.PRODUCTS["novin-saffron"][0]._replace(sku="NOV-999", hs_code="091090")
    monkeypatch.setitem(data.PRODUCTS, "novin-saffron", (*data.PRODUCTS["novin-saffron"], bad))
    before = _snapshot()

    with pytest.raises(CommandError, match=r"091090 \(NOV-999\)"):
        _load()

    assert _snapshot() == before
    assert not Product.objects.filter(upc="MHD-NOV-999").exists()


# --- The cross-border order: Herat, duties paid, declarations in the officer's queue ---------


def test_the_customs_officer_signs_in_at_the_customs_workspace(demo_first_run, client):
    line = next(line for line in demo_first_run.splitlines() if "customs@demo" in line)
    assert line.rstrip().endswith("/customs/ (declarations)")

    assert client.login(username="customs@demo.mashhad.example", password=data.DEFAULT_PASSWORD)
    queue = client.get("/customs/")

    assert queue.status_code == 200
    assert "CN23-HERAT-1001-1" in queue.content.decode()
    assert "CN23-HERAT-1001-2" in queue.content.decode()


def test_the_herat_order_paid_its_duties_and_waits_for_customs(demo_first_run):
    from customs.models import Declaration
    from marketplace.demo.customs import NUMBER
    from payments.models import Payment
    from purchases.models import Purchase

    purchase = Purchase.objects.get(number=NUMBER)
    parts = list(purchase.merchant_orders.select_related("order", "partner").order_by("sequence"))
    payment = Payment.objects.get(purchase=purchase)

    assert purchase.user.email == "buyer.herat@demo.mashhad.example"
    assert [p.partner.code for p in parts] == ["novin-saffron", "ferdowsi-carpets"]
    assert {p.order.shipping_address.country_id for p in parts} == {"AF"}
    assert all(p.duty_minor > 0 for p in parts)  # Afghanistan: DDP, collected at checkout
    assert payment.status == "captured" and payment.captured_minor == purchase.total_minor
    declarations = Declaration.objects.filter(merchant_order__purchase=purchase)
    assert sorted(d.status for d in declarations) == ["yellow", "yellow"]
    assert {d.duty_collected_minor for d in declarations} == {p.duty_minor for p in parts}
    assert {p.order.status for p in parts} == {"Processing"}
