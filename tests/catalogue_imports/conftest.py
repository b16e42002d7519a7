"""Fixtures for catalogue import tests: HS codes, a category tree, a merchant, private files."""

from __future__ import annotations

import pytest

from tests.customs.factories import hs_codes_ensure
from tests.merchants.factories import MerchantFactory
from tests.search.factories import CategoryFactory


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    """Uploaded catalogue files land in a temporary private root."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def hs_codes(db):
    hs_codes_ensure()


@pytest.fixture
def categories(db):
    """Saffron (a root) and Nuts & dried fruit > Pistachios, named in English and Persian."""
    saffron = CategoryFactory(name="Saffron", name_en="Saffron", name_fa="زعفران")
    nuts = CategoryFactory(
        name="Nuts & dried fruit", name_en="Nuts & dried fruit", name_fa="آجیل و خشکبار"
    )
    pistachios = CategoryFactory(
        name="Pistachios", name_en="Pistachios", name_fa="پسته", parent=nuts
    )
    return {"saffron": saffron, "nuts": nuts, "pistachios": pistachios}


@pytest.fixture
def merchant(db, hs_codes, categories):
    return MerchantFactory(slug="zaferan", name_en="Zaferan House")
