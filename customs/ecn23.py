"""The e-CN23: a declaration as JSON, with element names from the WCO Data Model.

The structure, the meaning of each element and the code lists are documented in
``docs/customs/ecn23.md``; ``docs/customs/ecn23.schema.json`` is its JSON Schema (tests validate
every document we build against it). Amounts are decimal strings in major units with their
ISO 4217 code (``{"value": "4500000", "currencyID": "IRR"}``); masses are kilograms as decimal
strings (``{"value": "0.005", "unitCode": "KGM"}``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings

from customs.models import Declaration
from marketplace.core.money import from_minor

SCHEMA_VERSION = "1.0"
#: WCO DM transaction nature "outright purchase/sale": the CN23 category "sale of goods".
TRANSACTION_NATURE = {"sale_of_goods": "11"}
#: Duty/tax type codes (the EU customs code list the WCO DM DutyTaxFee.TypeCode uses).
DUTY_TYPE, VAT_TYPE = "A00", "B00"


def _amount(minor: int, currency: str) -> dict[str, str]:
    return {"value": str(from_minor(minor, currency)), "currencyID": currency}


def _kilograms(grams: int) -> dict[str, str]:
    return {"value": f"{Decimal(grams) / 1000:f}", "unitCode": "KGM"}


def _address(party: dict[str, Any]) -> dict[str, Any]:
    address: dict[str, Any] = {
        "Line": " ".join(line for line in party.get("address_lines", []) if line),
        "CityName": party.get("city", ""),
        "CountryCode": party.get("country", ""),
    }
    if party.get("postcode"):
        address["PostcodeID"] = party["postcode"]
    return address


def _party(party: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"Name": party.get("name", ""), "Address": _address(party)}
    if party.get("id"):
        result["ID"] = party["id"]
    communication = [
        {"ID": party[key], "TypeCode": code}
        for key, code in (("phone", "TE"), ("email", "EM"))
        if party.get(key)
    ]
    if communication:
        result["Communication"] = communication
    return result


def declaration_ecn23(*, declaration: Declaration) -> dict[str, Any]:
    """The e-CN23 document of ``declaration`` (with its items) as a JSON-ready dict. Read-only."""
    currency = declaration.currency
    items = list(declaration.items.order_by("sequence"))
    goods_items = []
    for item in items:
        duty_taxes = [
            {
                "TypeCode": DUTY_TYPE,
                "TaxRateNumeric": f"{Decimal(item.duty_rate_bp) / 100:f}",
                "Payment": {"PaymentAmount": _amount(item.duty_minor, currency)},
            },
            {
                "TypeCode": VAT_TYPE,
                "Payment": {"PaymentAmount": _amount(item.import_vat_minor, currency)},
            },
        ]
        goods_items.append(
            {
                "SequenceNumeric": item.sequence,
                "Commodity": {
                    "Description": item.description,
                    "Classification": [{"ID": item.hs_code_id, "IdentificationTypeCode": "HS"}],
                },
                "GoodsMeasure": {
                    "NetNetWeightMeasure": _kilograms(item.net_weight_grams),
                    "TariffQuantity": {"value": str(item.quantity), "unitCode": "NAR"},
                },
                "CustomsValueAmount": _amount(item.value_minor, currency),
                "Origin": {"CountryCode": item.origin_country},
                "DutyTaxFee": duty_taxes,
                "Extension": {"CulturalHeritageIndicator": item.cultural_heritage},
            }
        )
    order = declaration.merchant_order.order
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Declaration": {
            "FunctionalReferenceID": declaration.number,
            "TypeCode": "CN23",
            "IssueDateTime": declaration.submitted_at.isoformat(),
            "GoodsItemQuantity": len(items),
            "InvoiceAmount": _amount(declaration.goods_value_minor, currency),
            "Exporter": _party(declaration.exporter),
            "GoodsShipment": {
                "TransactionNatureCode": TRANSACTION_NATURE.get(declaration.category, "99"),
                "ExportCountry": {"ID": settings.MARKETPLACE_SHIPPING["domestic_country"]},
                "Destination": {"CountryCode": declaration.destination_country},
                "Consignee": _party(declaration.consignee),
                "TradeTerms": {"ConditionCode": declaration.incoterm},
                "GovernmentAgencyGoodsItem": goods_items,
            },
            "Extension": {
                "CN23CategoryCode": declaration.category,
                "MerchantOrderNumber": order.number,
                "ShippingChargeAmount": _amount(declaration.shipping_minor, currency),
                "DutyAmount": _amount(declaration.duty_minor, currency),
                "ImportVATAmount": _amount(declaration.import_vat_minor, currency),
                "DutiesCollectedAmount": _amount(declaration.duty_collected_minor, currency),
                "TotalNetMassMeasure": _kilograms(declaration.net_weight_grams),
            },
        },
    }


def declaration_ecn23_json(*, declaration: Declaration) -> str:
    """The e-CN23 as compact UTF-8 JSON text (what the HTTP backend signs and sends)."""
    return json.dumps(
        declaration_ecn23(declaration=declaration),
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
