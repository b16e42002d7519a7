"""Factories and helpers for customs tests."""

import importlib

from django.apps import apps

from customs.models import HSCode
from tests.search import factories as catalogue_factories

_HS_MIGRATION = "customs.migrations.0002_load_hs_2022"


def hs_codes_ensure() -> None:
    """Make sure the HS nomenclature is in the test database.

    Migration customs.0002 loads it when the test database is created, but a transactional test
    elsewhere in the suite flushes every table, migration data included; reload it then.
    """
    if not HSCode.objects.exists():
        importlib.import_module(_HS_MIGRATION).hs_codes_load(apps, None)


# Catalogue factories live with the catalogue's tests; re-exported for the customs tests.
ProductClassFactory = catalogue_factories.ProductClassFactory
ProductFactory = catalogue_factories.ProductFactory
