"""Declarations: created once per paid cross-border merchant order, with their items and duties;
the e-CN23 JSON (validated against the documented schema) and the CN23 / invoice PDFs."""

from __future__ import annotations

import json
import re
import threading
import zlib
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.db import connection

from customs.ecn23 import declaration_ecn23, declaration_ecn23_json
from customs.exceptions import CustomsError
from customs.models import Declaration, DeclarationEvent, DeclarationItem, ProductCustomsInfo
from customs.pdf import declaration_pdf
from customs.services import declaration_create
from tests.customs.factories import (
    CARPET,
    SAFFRON,
    foreign_purchase,
    merchant_with_goods,
)

pytestmark = pytest.mark.django_db

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "customs" / "ecn23.schema.json"


@pytest.fixture
def herat_order(rules):
    """One merchant's order to Herat: 2 saffron vials and a carpet."""
    merchant, (saffron, carpet) = merchant_with_goods(SAFFRON, CARPET)
    [merchant_order] = foreign_purchase([(saffron, 2), (carpet, 1)], country_code="AF")
    return merchant, merchant_order


def test_a_paid_cross_border_order_gets_its_declaration(herat_order, settings):
    merchant, merchant_order = herat_order

    declaration = declaration_create(merchant_order_id=merchant_order.pk)

    declaration.refresh_from_db()
    order = merchant_order.order
    assert declaration.number == f"CN23-{order.number}"
    assert (declaration.merchant, declaration.destination_country) == (merchant, "AF")
    assert (declaration.incoterm, declaration.category, declaration.currency) == (
        "DDP",
        "sale_of_goods",
        "IRR",
    )
    assert declaration.exporter["name"] == merchant.name_en
    assert declaration.exporter["name_fa"] == "زعفران نوین"
    assert declaration.consignee == {
        "name": "Ahmad Rahimi",
        "address_lines": ["Jade-ye Walayat 14"],
        "city": "Herat",
        "state": "",
        "postcode": "3001",
        "country": "AF",
        "phone": "",
        "email": "buyer@herat.example",
    }
    items = list(declaration.items.order_by("sequence"))
    assert [
        (
            i.description,
            i.hs_code_id,
            i.quantity,
            i.net_weight_grams,
            i.value_minor,
            i.origin_country,
        )
        for i in items
    ] == [
        ("Saffron, dried stigmas", "091020", 2, 10, 9_000_000, "IR"),
        ("Hand-knotted wool carpet", "570110", 1, 9_000, 30_000_000, "IR"),
    ]
    assert declaration.goods_value_minor == 39_000_000
    assert declaration.net_weight_grams == 9_010
    assert declaration.shipping_minor == merchant_order.shipping_minor > 0
    # Duties: AF 10% on saffron and carpets, on the CIF value; 10% import VAT on value + duty.
    shipping = merchant_order.shipping_minor
    saffron_share = shipping * 9_000_000 // 39_000_000
    assert items[0].duty_minor == (9_000_000 + saffron_share + 5) // 10
    assert declaration.duty_minor == sum(i.duty_minor for i in items)
    assert declaration.import_vat_minor == sum(i.import_vat_minor for i in items)
    assert declaration.duty_collected_minor == merchant_order.duty_minor
    assert declaration.rules["country"] == "AF"
    assert DeclarationEvent.objects.filter(declaration=declaration, action="created").count() == 1


def test_creation_is_idempotent(herat_order):
    _merchant, merchant_order = herat_order

    first = declaration_create(merchant_order_id=merchant_order.pk)
    second = declaration_create(merchant_order_id=merchant_order.pk)

    assert first.pk == second.pk
    assert Declaration.objects.count() == 1
    assert DeclarationItem.objects.count() == 2
    assert DeclarationEvent.objects.filter(action="created").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_makes_one_declaration(hs_codes):
    from tests.customs.factories import customs_rules_ensure, risk_rules_off

    customs_rules_ensure()
    risk_rules_off()
    _merchant, (saffron,) = merchant_with_goods(SAFFRON)
    [merchant_order] = foreign_purchase([(saffron, 1)])
    results, errors = [], []
    barrier = threading.Barrier(4)

    def create():
        try:
            barrier.wait()
            results.append(declaration_create(merchant_order_id=merchant_order.pk).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1
    assert Declaration.objects.count() == 1


def test_a_domestic_order_needs_no_declaration(rules):
    from purchases.services import purchase_place
    from purchases.shipping import MerchantDelivery
    from tests.shop import basket_build, iran_ensure

    _merchant, (saffron,) = merchant_with_goods(SAFFRON)
    iran = iran_ensure()
    from tests.customs.factories import address_abroad

    purchase = purchase_place(
        basket=basket_build([(saffron, 1)]),
        number="777001",
        user=None,
        guest_email="pilgrim@example.com",
        shipping_address=address_abroad("IR", line4="Mashhad", country=iran),
        billing_address=None,
        shipping_method=MerchantDelivery("IR"),
    )

    assert declaration_create(merchant_order_id=purchase.merchant_orders.get().pk) is None
    assert not Declaration.objects.exists()


def test_a_product_without_customs_data_writes_nothing(herat_order):
    _merchant, merchant_order = herat_order
    ProductCustomsInfo.objects.filter(product__title="Kashmar wool rug").delete()

    with pytest.raises(CustomsError, match="Kashmar wool rug"):
        declaration_create(merchant_order_id=merchant_order.pk)

    assert not Declaration.objects.exists()
    assert not DeclarationEvent.objects.exists()


def test_the_celery_task_creates_it_by_id(herat_order):
    from customs.tasks import declaration_create as task

    _merchant, merchant_order = herat_order

    task.run(merchant_order.pk)
    task.run(merchant_order.pk)

    assert Declaration.objects.filter(merchant_order=merchant_order).count() == 1


# --- e-CN23 ------------------------------------------------------------------------------------


def test_ecn23_validates_against_the_documented_schema(herat_order):
    _merchant, merchant_order = herat_order
    declaration = declaration_create(merchant_order_id=merchant_order.pk)
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)

    document = json.loads(declaration_ecn23_json(declaration=declaration))

    jsonschema.Draft202012Validator(schema).validate(document)
    body = document["Declaration"]
    assert body["FunctionalReferenceID"] == declaration.number
    assert body["TypeCode"] == "CN23"
    assert body["GoodsItemQuantity"] == 2
    assert body["InvoiceAmount"] == {"value": "39000000", "currencyID": "IRR"}
    assert body["Exporter"]["Name"] == "Novin Saffron House"
    shipment = body["GoodsShipment"]
    assert shipment["TransactionNatureCode"] == "11"
    assert shipment["Consignee"]["Address"] == {
        "Line": "Jade-ye Walayat 14",
        "CityName": "Herat",
        "CountryCode": "AF",
        "PostcodeID": "3001",
    }
    assert shipment["TradeTerms"] == {"ConditionCode": "DDP"}
    saffron = shipment["GovernmentAgencyGoodsItem"][0]
    assert saffron["Commodity"]["Classification"] == [
        {"ID": "091020", "IdentificationTypeCode": "HS"}
    ]
    assert saffron["GoodsMeasure"]["NetNetWeightMeasure"] == {"value": "0.01", "unitCode": "KGM"}
    assert saffron["GoodsMeasure"]["TariffQuantity"] == {"value": "2", "unitCode": "NAR"}
    assert saffron["Origin"] == {"CountryCode": "IR"}
    assert body["Extension"]["CN23CategoryCode"] == "sale_of_goods"


def test_schema_refuses_a_document_missing_a_required_element(herat_order):
    _merchant, merchant_order = herat_order
    declaration = declaration_create(merchant_order_id=merchant_order.pk)
    schema = json.loads(SCHEMA_PATH.read_text())
    document = declaration_ecn23(declaration=declaration)
    del document["Declaration"]["GoodsShipment"]["GovernmentAgencyGoodsItem"][0]["Commodity"][
        "Classification"
    ]

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


# --- PDFs ------------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (fonts and object streams included)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks)


@pytest.mark.parametrize("kind", ["cn23", "invoice"])
def test_pdfs_render_with_the_vazirmatn_font_embedded(herat_order, kind):
    _merchant, merchant_order = herat_order
    declaration = declaration_create(merchant_order_id=merchant_order.pk)

    pdf = declaration_pdf(declaration=declaration, kind=kind)

    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 5_000
    content = _pdf_text(pdf)
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+Vazirmatn", content)
    assert b"/FontFile2" in content  # the font program itself is embedded, not just named
