"""HS codes (loaded by migration), product customs information, its service and the HS search."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customs.models import HSCode, ProductCustomsInfo
from customs.selectors import hs_code_search
from customs.services import product_customs_set
from tests.customs.factories import ProductFactory

pytestmark = pytest.mark.django_db

VALID = {
    "hs_code": "091020",
    "origin_country": "IR",
    "net_weight_grams": 5,
    "customs_description": "Saffron, dried stigmas",
}


# --- The nomenclature ----------------------------------------------------------------------


def test_migration_loads_the_whole_hs_2022_nomenclature():
    counts = {level: HSCode.objects.filter(level=level).count() for level in (2, 4, 6)}

    assert counts == {2: 96, 4: 1228, 6: 5612}
    # Comtrade's "not specified" bucket is not a code anyone may declare under.
    assert not HSCode.objects.filter(code__in=["99", "9999", "999999"]).exists()
    saffron = HSCode.objects.get(code="091020")
    assert (saffron.level, saffron.parent_id, saffron.section) == (6, "0910", "II")
    assert saffron.description == "Spices; saffron"
    assert HSCode.objects.get(code="09").parent_id is None


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("0910", 6, "09"),  # four digits claiming to be a subheading
        ("09102", 6, "0910"),  # five digits
        ("09102A", 6, "0910"),  # not digits
        ("99", 2, "09"),  # a chapter with a parent
        ("9999", 4, None),  # a heading without one
        ("999999", 8, "0910"),  # no such level
    ],
)
def test_database_refuses_malformed_hs_codes(code, level, parent):
    with pytest.raises(IntegrityError), transaction.atomic():
        HSCode.objects.create(
            code=code, level=level, parent_id=parent, description="x", section="II"
        )


# --- product_customs_set -------------------------------------------------------------------


def test_service_creates_the_customs_information():
    product = ProductFactory()

    info = product_customs_set(product=product, **VALID)

    info.refresh_from_db()
    assert product.customs_info == info
    assert (info.hs_code_id, info.origin_country, info.net_weight_grams) == ("091020", "IR", 5)
    assert info.customs_description == "Saffron, dried stigmas"


def test_service_normalises_what_people_type():
    product = ProductFactory()

    info = product_customs_set(
        product=product,
        hs_code="۰۹۱۰.۲۰",  # Persian digits, with the dot of the printed tariff
        origin_country=" af ",
        net_weight_grams=5,
        customs_description="  Saffron, dried stigmas  ",
    )

    assert (info.hs_code_id, info.origin_country) == ("091020", "AF")
    assert info.customs_description == "Saffron, dried stigmas"


def test_service_is_idempotent_and_updates_what_changed():
    product = ProductFactory()
    first = product_customs_set(product=product, **VALID)
    stamp = first.updated_at

    same = product_customs_set(product=product, **VALID)
    same.refresh_from_db()
    assert same.pk == first.pk
    assert same.updated_at == stamp

    changed = product_customs_set(product=product, **{**VALID, "net_weight_grams": 23})
    changed.refresh_from_db()
    assert changed.pk == first.pk
    assert changed.net_weight_grams == 23
    assert changed.updated_at > stamp
    assert ProductCustomsInfo.objects.count() == 1


@pytest.mark.parametrize(
    ("hs_code", "message"),
    [
        ("0910", "6-digit"),  # a heading: exists, but too coarse to declare under
        ("09", "6-digit"),  # a chapter
        ("0910201", "6-digit"),  # seven digits
        ("saffron", "6-digit"),
        ("", "6-digit"),
        ("999999", "not a subheading"),  # six digits, no such code
        ("091090", "not a subheading"),  # plausible, but not in HS 2022
    ],
)
def test_service_refuses_a_bad_hs_code_naming_the_field(hs_code, message):
    product = ProductFactory()

    with pytest.raises(ValidationError) as caught:
        product_customs_set(product=product, **{**VALID, "hs_code": hs_code})

    assert set(caught.value.message_dict) == {"hs_code"}
    assert message in caught.value.message_dict["hs_code"][0]
    assert not ProductCustomsInfo.objects.exists()


@pytest.mark.parametrize("country", ["XX", "IRN", "Iran", "I", "", "۱۲"])
def test_service_refuses_a_bad_country_naming_the_field(country):
    product = ProductFactory()

    with pytest.raises(ValidationError) as caught:
        product_customs_set(product=product, **{**VALID, "origin_country": country})

    assert set(caught.value.message_dict) == {"origin_country"}
    assert not ProductCustomsInfo.objects.exists()


@pytest.mark.parametrize("weight", [0, -5, True, 4.6, "5"])
def test_service_refuses_a_weight_that_is_not_a_positive_int(weight):
    product = ProductFactory()

    with pytest.raises(ValidationError) as caught:
        product_customs_set(product=product, **{**VALID, "net_weight_grams": weight})

    assert set(caught.value.message_dict) == {"net_weight_grams"}
    assert not ProductCustomsInfo.objects.exists()


@pytest.mark.parametrize("description", ["", "   ", "زعفران", "Saffron\nthreads", "x" * 256])
def test_service_refuses_a_description_that_is_not_short_plain_english(description):
    product = ProductFactory()

    with pytest.raises(ValidationError) as caught:
        product_customs_set(product=product, **{**VALID, "customs_description": description})

    assert set(caught.value.message_dict) == {"customs_description"}
    assert not ProductCustomsInfo.objects.exists()


def test_service_names_every_bad_field_at_once_and_keeps_the_old_values():
    product = ProductFactory()
    product_customs_set(product=product, **VALID)

    with pytest.raises(ValidationError) as caught:
        product_customs_set(
            product=product,
            hs_code="0910",
            origin_country="XX",
            net_weight_grams=0,
            customs_description="",
        )

    assert set(caught.value.message_dict) == {
        "hs_code",
        "origin_country",
        "net_weight_grams",
        "customs_description",
    }
    info = ProductCustomsInfo.objects.get()
    assert (info.hs_code_id, info.origin_country, info.net_weight_grams) == ("091020", "IR", 5)


def test_service_refuses_parent_products():
    parent = ProductFactory(structure="parent")

    with pytest.raises(ValidationError) as caught:
        product_customs_set(product=parent, **VALID)

    assert set(caught.value.message_dict) == {"product"}
    assert not ProductCustomsInfo.objects.exists()


# --- Database constraints and model validation (what the service would have refused) --------


@pytest.mark.parametrize(
    "overrides",
    [
        {"hs_code_id": "0910"},  # a heading
        {"hs_code_id": "09"},  # a chapter
        {"net_weight_grams": 0},
        {"origin_country": "ir"},
        {"origin_country": "I"},
        {"customs_description": ""},
    ],
)
def test_database_refuses_invalid_customs_information(overrides):
    product = ProductFactory()
    values = {
        "hs_code_id": "091020",
        "origin_country": "IR",
        "net_weight_grams": 5,
        "customs_description": "Saffron",
        **overrides,
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        ProductCustomsInfo.objects.create(product=product, **values)

    assert not ProductCustomsInfo.objects.exists()


def test_database_allows_one_customs_record_per_product():
    product = ProductFactory()
    product_customs_set(product=product, **VALID)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProductCustomsInfo.objects.create(
            product=product,
            hs_code_id="091020",
            net_weight_grams=5,
            customs_description="Saffron",
        )


def test_model_validation_names_the_field_for_forms_and_admin():
    info = ProductCustomsInfo(
        product=ProductFactory(),
        hs_code_id="0910",
        origin_country="XX",
        net_weight_grams=5,
        customs_description="زعفران",
    )

    with pytest.raises(ValidationError) as caught:
        info.full_clean()

    assert {"hs_code", "origin_country", "customs_description"} <= set(caught.value.message_dict)


# --- hs_code_search ------------------------------------------------------------------------


def test_search_by_code_prefix_lists_the_heading_then_its_subheadings():
    results = hs_code_search(query="0910")

    assert [code.code for code in results] == [
        "0910",
        "091011",
        "091012",
        "091020",
        "091030",
        "091091",
        "091099",
    ]


@pytest.mark.parametrize("query", ["0910.20", "0910 20", "۰۹۱۰۲۰", " 091020 "])
def test_search_by_code_accepts_how_codes_are_written(query):
    assert [code.code for code in hs_code_search(query=query)] == ["091020"]


def test_search_by_words_needs_every_word_at_the_start_of_a_word():
    results = hs_code_search(query="pistach shell")

    assert [code.code for code in results] == ["080251", "080252"]
    # "ron" is inside "saffron" but starts no word of it.
    assert "091020" not in {code.code for code in hs_code_search(query="ron", limit=100)}


def test_search_by_word_is_case_insensitive_and_lists_subheadings_first():
    results = hs_code_search(query="SAFFRON")

    assert results[0].code == "091020"
    assert [code.level for code in results] == sorted((c.level for c in results), reverse=True)


def test_search_respects_level_and_limit():
    subheadings = hs_code_search(query="07", level=6, limit=5)

    assert len(subheadings) == 5
    assert all(code.level == 6 and code.code.startswith("07") for code in subheadings)
    assert len(hs_code_search(query="wool", limit=500)) == 100  # capped


@pytest.mark.parametrize("query", ["", "   ", "...", "زعفران", "xyzzyplugh"])
def test_search_without_a_usable_query_finds_nothing(query):
    assert hs_code_search(query=query) == []
