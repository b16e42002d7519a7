"""Factories and helpers for customs tests."""

import importlib

import factory
from django.apps import apps
from factory.django import DjangoModelFactory
from oscar.core.loading import get_model

from customs.models import HSCode

_HS_MIGRATION = "customs.migrations.0002_load_hs_2022"


def hs_codes_ensure() -> None:
    """Make sure the HS nomenclature is in the test database.

    Migration customs.0002 loads it when the test database is created, but a transactional test
    elsewhere in the suite flushes every table, migration data included; reload it then.
    """
    if not HSCode.objects.exists():
        importlib.import_module(_HS_MIGRATION).hs_codes_load(apps, None)


class ProductClassFactory(DjangoModelFactory):
    class Meta:
        model = get_model("catalogue", "ProductClass")
        django_get_or_create = ("slug",)

    name = "Goods"
    slug = "goods"
    requires_shipping = True
    track_stock = True


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = get_model("catalogue", "Product")

    structure = "standalone"
    upc = factory.Sequence(lambda n: f"TEST-{n:04d}")
    title = factory.Sequence(lambda n: f"Test product {n}")
    title_en = factory.SelfAttribute("title")
    product_class = factory.SubFactory(ProductClassFactory)
