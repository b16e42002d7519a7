"""The customs data page of a product and the HS code search behind its HS code field."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from oscar.core.loading import get_model

from customs.models import ProductCustomsInfo
from customs.services import product_customs_set
from marketplace.core import roles
from marketplace.core.roles import roles_ensure
from tests.customs.factories import hs_codes_ensure
from tests.merchants.factories import MerchantFactory
from tests.search.factories import (
    ChildProductFactory,
    ParentProductFactory,
    ProductFactory,
    StockRecordFactory,
)

User = get_user_model()
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

VALID = {
    "hs_code": "091020",
    "origin_country": "IR",
    "net_weight_grams": "250",
    "customs_description": "Saffron, dried stigmas",
}


@pytest.fixture(autouse=True)
def _reference_data(db):
    roles_ensure()
    hs_codes_ensure()


def _user(username, *, groups=(), **flags):
    user = User.objects.create_user(username=username, email=f"{username}@example.ir", **flags)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def _goods(merchant, title):
    product = ProductFactory(title_en=title, title=title)
    StockRecordFactory(product=product, partner=merchant.partner, price=Decimal(1_000_000))
    return product


@pytest.fixture
def novin(db):
    return MerchantFactory(slug="novin-saffron", name_en="Novin Saffron House")


@pytest.fixture
def vakil(db):
    return MerchantFactory(slug="vakil-carpets", name_en="Vakil Carpet Bazaar")


@pytest.fixture
def novin_staff(client, novin):
    user = _user("staff-novin", groups=[roles.MERCHANT_STAFF])
    novin.partner.users.add(user)
    client.force_login(user)
    return client


@pytest.fixture
def saffron(novin):
    return _goods(novin, "Sargol saffron tin")


@pytest.fixture
def rug(vakil):
    return _goods(vakil, "Kashmar wool rug")


def customs_url(product) -> str:
    return reverse("merchant_dashboard:product-customs", kwargs={"pk": product.pk})


def info_values(product):
    return (
        ProductCustomsInfo.objects.filter(product=product)
        .values_list("hs_code_id", "origin_country", "net_weight_grams", "customs_description")
        .first()
    )


# --- the customs form ---------------------------------------------------------------------------


def test_merchant_staff_save_the_customs_data_of_their_product(novin_staff, saffron):
    page = novin_staff.get(customs_url(saffron))
    assert page.status_code == 200
    assert page.context["form"].initial == {"origin_country": "IR"}

    response = novin_staff.post(customs_url(saffron), VALID)

    assert response.status_code == 302
    assert response["Location"] == customs_url(saffron)
    assert info_values(saffron) == ("091020", "IR", 250, "Saffron, dried stigmas")
    followed = novin_staff.get(response["Location"])
    assert [str(m) for m in followed.context["messages"]] == ["Customs data saved."]
    assert followed.context["form"].initial["hs_code"] == "091020"
    assert "091020 Spices; saffron" in followed.content.decode()


def test_the_form_accepts_the_ways_people_write_a_subheading_and_updates_in_place(
    novin_staff, saffron
):
    product_customs_set(
        product=saffron,
        hs_code="091020",
        origin_country="IR",
        net_weight_grams=100,
        customs_description="Saffron",
    )
    first = ProductCustomsInfo.objects.get(product=saffron)

    response = novin_staff.post(
        customs_url(saffron), {**VALID, "hs_code": "0910.20", "net_weight_grams": "500"}
    )

    assert response.status_code == 302
    assert ProductCustomsInfo.objects.get(product=saffron).pk == first.pk
    assert info_values(saffron) == ("091020", "IR", 500, "Saffron, dried stigmas")


def test_an_unknown_hs_code_is_reported_on_the_hs_code_field_and_nothing_is_written(
    novin_staff, saffron
):
    response = novin_staff.post(customs_url(saffron), {**VALID, "hs_code": "999999"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "hs_code": ["999999 is not a subheading of the HS 2022 nomenclature."]
    }
    # shown inside the HS code's own form group, right after its input
    html = response.content.decode()
    group = re.search(r'<div class="form-group[^"]*">(?:(?!<div class="form-group).)*id_hs_code.*?</div>\s*</div>', html, re.S)  # fmt: skip
    assert group and "999999 is not a subheading" in group.group(0)
    assert not ProductCustomsInfo.objects.filter(product=saffron).exists()


def test_every_bad_field_is_named_and_existing_data_is_left_untouched(novin_staff, saffron):
    product_customs_set(
        product=saffron,
        hs_code="091020",
        origin_country="IR",
        net_weight_grams=100,
        customs_description="Saffron",
    )
    before = ProductCustomsInfo.objects.get(product=saffron).updated_at

    response = novin_staff.post(
        customs_url(saffron),
        {
            "hs_code": "0910",  # a heading, not a subheading
            "origin_country": "IR",
            "net_weight_grams": "0",
            "customs_description": "زعفران",
        },
    )

    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == [
        "customs_description",
        "hs_code",
        "net_weight_grams",
    ]
    info = ProductCustomsInfo.objects.get(product=saffron)
    assert (info.net_weight_grams, info.customs_description, info.updated_at) == (
        100,
        "Saffron",
        before,
    )


def test_a_parent_product_is_refused_with_a_message_about_the_product(novin_staff, novin):
    parent = ParentProductFactory(title_en="Dried barberries")
    child = ChildProductFactory(parent=parent)
    StockRecordFactory(product=child, partner=novin.partner)

    response = novin_staff.post(customs_url(parent), VALID)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Parent products are not shipped; set customs information on a child."
    ]
    assert not ProductCustomsInfo.objects.exists()


def test_another_merchants_product_is_not_found_and_nothing_is_written(novin_staff, rug):
    assert novin_staff.get(customs_url(rug)).status_code == 404
    assert novin_staff.post(customs_url(rug), VALID).status_code == 404
    assert not ProductCustomsInfo.objects.exists()


def test_customs_officers_and_admins_may_edit_any_product_others_may_not(client, saffron, rug):
    customs = _user("customs", groups=[roles.CUSTOMS_OFFICER], is_staff=True)
    admin = _user("admin", is_staff=True, is_superuser=True)
    finance = _user("finance", groups=[roles.MUNICIPAL_FINANCE], is_staff=True)
    buyer = _user("buyer")

    client.force_login(customs)
    assert client.post(customs_url(rug), {**VALID, "hs_code": "570110"}).status_code == 302
    client.force_login(admin)
    assert client.post(customs_url(saffron), VALID).status_code == 302
    for user in (finance, buyer):
        client.force_login(user)
        assert client.post(customs_url(saffron), {**VALID, "hs_code": "570110"}).status_code == 403
    client.logout()
    anonymous = client.post(customs_url(saffron), {**VALID, "hs_code": "570110"})

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("dashboard:login") + "?next=")
    assert info_values(rug)[0] == "570110"
    assert info_values(saffron)[0] == "091020"


def test_the_product_page_and_the_product_list_link_to_the_customs_page(novin_staff, saffron):
    edit = novin_staff.get(reverse("dashboard:catalogue-product", kwargs={"pk": saffron.pk}))
    listing = novin_staff.get(reverse("dashboard:catalogue-product-list"))

    assert f'href="{customs_url(saffron)}"' in edit.content.decode()
    assert f'href="{customs_url(saffron)}"' in listing.content.decode()


def test_the_hs_code_field_is_wired_to_the_search(novin_staff, saffron):
    html = novin_staff.get(customs_url(saffron)).content.decode()

    assert 'list="hs-code-options"' in html
    assert '<datalist id="hs-code-options">' in html
    assert reverse("merchant_dashboard:hs-code-search") in html
    assert "cdn" not in html.lower()


# --- the HS code search -------------------------------------------------------------------------


def search(client, **params):
    return client.get(reverse("merchant_dashboard:hs-code-search"), params)


def test_search_by_code_prefix_returns_the_heading_and_its_subheadings_in_code_order(novin_staff):
    response = search(novin_staff, q="0910")

    assert response.status_code == 200
    assert [(r["code"], r["level"]) for r in response.json()["results"]] == [
        ("0910", 4),
        ("091011", 6),
        ("091012", 6),
        ("091020", 6),
        ("091030", 6),
        ("091091", 6),
        ("091099", 6),
    ]


def test_search_by_word_finds_saffron_subheading_first(novin_staff):
    results = search(novin_staff, q="saffron").json()["results"]

    assert results[0] == {"code": "091020", "description": "Spices; saffron", "level": 6}
    assert [r["code"] for r in results] == ["091020", "0910"]


def test_search_narrows_to_a_level_and_rejects_other_levels(novin_staff):
    subheadings = search(novin_staff, q="0910", level="6").json()["results"]

    assert {r["level"] for r in subheadings} == {6}
    assert len(subheadings) == 6
    assert search(novin_staff, q="0910", level="5").status_code == 400
    assert search(novin_staff, q="  ").json() == {"results": []}


def test_search_requires_a_login_and_a_customs_role(client, saffron):
    anonymous = search(client, q="0910")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("dashboard:login") + "?next=")

    client.force_login(_user("buyer"))
    assert search(client, q="0910").status_code == 403
    client.force_login(_user("finance", groups=[roles.MUNICIPAL_FINANCE], is_staff=True))
    assert search(client, q="0910").status_code == 403
    client.force_login(_user("customs", groups=[roles.CUSTOMS_OFFICER], is_staff=True))
    assert search(client, q="0910").status_code == 200


def test_merchant_staff_find_the_catalogue_import_in_the_dashboard_menu(novin_staff):
    response = novin_staff.get("/dashboard/")

    assert response.status_code == 200
    assert reverse("catalogue_imports:upload") in response.content.decode()


def test_the_merchant_menu_is_not_shown_to_platform_admins(client, db):
    admin = _user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.get("/dashboard/")

    assert response.status_code == 200
    assert reverse("catalogue_imports:upload") not in response.content.decode()


def test_a_merchant_order_page_links_to_its_refund_page(client, db):
    from django.urls import reverse as url_for

    from purchases.services import purchase_place
    from purchases.shipping import MerchantDelivery
    from tests.shop import basket_build, bazaar_create, iran_ensure

    ShippingAddress = get_model("order", "ShippingAddress")
    country = iran_ensure()
    (merchant, product), *_ = bazaar_create()
    purchase = purchase_place(
        basket=basket_build([(product, 1)]),
        number="300001",
        user=None,
        guest_email="pilgrim@example.com",
        shipping_address=ShippingAddress(
            first_name="Reza", last_name="K", line1="1 St", line4="Mashhad", country=country
        ),
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )
    part = purchase.merchant_orders.get()
    staff = _user("staff-refunds", groups=[roles.MERCHANT_STAFF])
    merchant.partner.users.add(staff)
    client.force_login(staff)

    response = client.get(url_for("dashboard:order-detail", kwargs={"number": part.order.number}))

    assert response.status_code == 200
    assert url_for("payments:merchant-order-refund", args=[part.pk]) in response.content.decode()
