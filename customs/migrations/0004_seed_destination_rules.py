"""Seed destination, HS and risk rules for Afghanistan, Iraq, Turkmenistan, Pakistan, Azerbaijan,
Turkey and Armenia, and Iran's export rules.

ILLUSTRATIVE: every row is marked ``illustrative`` with a note; the rates, thresholds and lists are
plausible placeholders for the operator to confirm against each destination's tariff and Iran's
export regulations before going live (edit them in the admin: a new row from a date, not an edit
of the old one, so orders keep the rules they were charged with). Money is in IRR.

Self-contained (historical models, its own data) so later code changes cannot break it.
Reversible: unloading deletes exactly the rows it made (by their note).
"""

from datetime import UTC, datetime

from django.db import migrations

NOTE = "Illustrative seed: for the operator to confirm"
VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)

# country: (incoterm, de minimis IRR, import VAT bp, default duty bp)
DESTINATIONS = {
    "AF": ("DDP", 0, 1000, 500),
    "IQ": ("DDP", 0, 0, 500),
    "TM": ("DAP", 0, 1500, 1000),
    "PK": ("DAP", 0, 1800, 2000),
    "AZ": ("DAP", 50_000_000, 1800, 1500),
    "TR": ("DAP", 15_000_000, 2000, 2000),
    "AM": ("DDP", 100_000_000, 2000, 1000),
}

# country: {hs prefix: duty bp}; the longest prefix wins (TR shows it on saffron).
DUTIES = {
    "AF": {"0910": 1000, "5701": 1000, "0802": 500},
    "IQ": {"0910": 1000, "5701": 2000},
    "TM": {"5701": 2000},
    "PK": {"0910": 3000, "0802": 2000, "5701": 3000},
    "AZ": {"0910": 1500, "5701": 1500},
    "TR": {"09": 2000, "0910": 1500, "091020": 1000, "5701": 2000},
    "AM": {"5701": 1000},
}

ALCOHOL = ("2203", "2204", "2205", "2206", "2208")
ARMS = "93"
PROHIBITED = {
    "AF": [*ALCOHOL, ARMS],
    "IQ": ["2208", ARMS],
    "TM": [ARMS],
    "PK": ["2203", "2204", "2208", ARMS],
    "AZ": [ARMS],
    "TR": [ARMS],
    "AM": [ARMS],
}
PROHIBITED_REASONS = {
    ARMS: "Arms and ammunition may not be sent by post or courier.",
}
ALCOHOL_REASON = "Alcoholic beverages may not be imported."

# country: [(hs prefix, document, reason)]
RESTRICTED = {
    country: [
        (
            "3004",
            "Import permit of the destination's health ministry",
            "Medicines need an import permit.",
        )
    ]
    for country in DESTINATIONS
}
RESTRICTED["AZ"].append(
    ("1211", "Phytosanitary certificate", "Medicinal plants need a phytosanitary certificate.")
)

HERITAGE_PERMIT = "Export permit of the Ministry of Cultural Heritage, Tourism and Handicrafts"
# Origin side: leaving Iran. (hs prefix, heritage only, document, reason)
EXPORT_AUTHORISATIONS = [
    ("9706", False, HERITAGE_PERMIT, "Antiques of an age exceeding 100 years need an export permit."),
    ("9705", False, HERITAGE_PERMIT, "Collections and collectors' pieces need an export permit."),
    ("5701", True, HERITAGE_PERMIT, "Cultural-heritage hand-knotted carpets need an export permit."),
]

# (name, kind, lane, params)
RISK_RULES = [
    ("Antiques (HS 9706)", "hs_prefix", "red", {"hs_code_id": "9706"}),
    ("Hand-knotted carpets (HS 5701)", "hs_prefix", "yellow", {"hs_code_id": "5701"}),
    ("Declared more than 30% below the catalogue price", "under_declared", "yellow", {"threshold_bp": 3000}),
    ("A merchant's first 3 declarations", "new_merchant", "yellow", {"count": 3}),
    ("Merchant with a rejected declaration", "merchant_rejections", "red", {"count": 1}),
    (
        "Saffron under 300,000,000 IRR per kg",
        "value_per_weight",
        "yellow",
        {"hs_code_id": "091020", "min_per_kg_minor": 300_000_000},
    ),
    ("Random documentary check (5%)", "random", "yellow", {"rate_bp": 500}),
    ("Random post-clearance audit (10%)", "random", "blue", {"rate_bp": 1000}),
]


def rules_load(apps, schema_editor):
    DestinationRule = apps.get_model("customs", "DestinationRule")
    HSRule = apps.get_model("customs", "HSRule")
    RiskRule = apps.get_model("customs", "RiskRule")
    HSCode = apps.get_model("customs", "HSCode")
    seed = {"valid_from": VALID_FROM, "illustrative": True, "note": NOTE}

    prefixes = {ARMS, *ALCOHOL, "3004", "1211", "9706", "9705", "5701"}
    for duties in DUTIES.values():
        prefixes |= set(duties)
    missing = prefixes - set(HSCode.objects.filter(code__in=prefixes).values_list("code", flat=True))
    if missing:
        raise RuntimeError(f"HS codes missing for the seed rules: {sorted(missing)}")

    for country, (incoterm, de_minimis, vat_bp, duty_bp) in DESTINATIONS.items():
        DestinationRule.objects.create(
            country=country,
            incoterm=incoterm,
            currency="IRR",
            de_minimis_minor=de_minimis,
            import_vat_bp=vat_bp,
            default_duty_bp=duty_bp,
            valuation_basis="cif",
            **seed,
        )
        for prefix, rate_bp in DUTIES[country].items():
            HSRule.objects.create(
                direction="import", country=country, hs_code_id=prefix, kind="duty",
                rate_bp=rate_bp, **seed,
            )
        for prefix in PROHIBITED[country]:
            HSRule.objects.create(
                direction="import", country=country, hs_code_id=prefix, kind="prohibited",
                reason=PROHIBITED_REASONS.get(prefix, ALCOHOL_REASON), **seed,
            )
        for prefix, document, reason in RESTRICTED[country]:
            HSRule.objects.create(
                direction="import", country=country, hs_code_id=prefix, kind="restricted",
                document=document, reason=reason, **seed,
            )
    for prefix, heritage_only, document, reason in EXPORT_AUTHORISATIONS:
        HSRule.objects.create(
            direction="export", country="IR", hs_code_id=prefix, kind="authorisation",
            heritage_only=heritage_only, document=document, reason=reason, **seed,
        )
    for name, kind, lane, params in RISK_RULES:
        RiskRule.objects.create(name=name, kind=kind, lane=lane, illustrative=True, **params)


def rules_unload(apps, schema_editor):
    apps.get_model("customs", "HSRule").objects.filter(note=NOTE).delete()
    apps.get_model("customs", "DestinationRule").objects.filter(note=NOTE).delete()
    apps.get_model("customs", "RiskRule").objects.filter(
        illustrative=True, name__in=[name for name, *_ in RISK_RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("customs", "0003_rules_declarations_hooks")]

    operations = [migrations.RunPython(rules_load, rules_unload)]
