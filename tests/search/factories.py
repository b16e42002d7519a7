"""factory_boy factories for Oscar's catalogue and partner models, for any app's tests.

Products are created with English and Persian titles (``title_en``, ``title_fa``, the
modeltranslation columns) and priced in IRR through a stock record. Categories are treebeard
nodes: pass ``parent`` to create a child, omit it for a root.

    product = ProductFactory(title_en="Negin saffron", title_fa="زعفران نگین")
    StockRecordFactory(product=product, price=Decimal("1250000"))
    food = CategoryFactory(name="Food"); saffron = CategoryFactory(name="Saffron", parent=food)
    ProductFactory(categories=[saffron])
"""

from __future__ import annotations

from decimal import Decimal

import factory
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductImage = get_model("catalogue", "ProductImage")
Category = get_model("catalogue", "Category")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")


class ProductClassFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Goods {n}")
    slug = factory.Sequence(lambda n: f"goods-{n}")
    requires_shipping = True
    track_stock = True

    class Meta:
        model = ProductClass
        django_get_or_create = ("slug",)


class PartnerFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Bazaar merchant {n}")
    code = factory.Sequence(lambda n: f"merchant-{n}")

    class Meta:
        model = Partner
        django_get_or_create = ("code",)


class CategoryFactory(factory.django.DjangoModelFactory):
    """A category node; ``parent=<Category>`` makes it that category's child."""

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    is_public = True

    class Meta:
        model = Category

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.objects.add_root(kwargs)
        node = model_class.objects.add_child(parent, kwargs)
        parent.refresh_from_db()  # treebeard updates numchild in the database only
        return node


class ProductFactory(factory.django.DjangoModelFactory):
    """A public standalone product; ``categories=[...]`` files it under those categories."""

    structure = Product.STANDALONE
    is_public = True
    product_class = factory.SubFactory(ProductClassFactory, slug="goods")
    title_en = factory.Sequence(lambda n: f"Product {n}")
    title_fa = factory.Sequence(lambda n: f"کالای {n}")
    upc = factory.Sequence(lambda n: f"978{n:010d}")

    class Meta:
        model = Product

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.add(*extracted)


class ParentProductFactory(ProductFactory):
    """A parent product (its variants are ``ChildProductFactory(parent=...)``)."""

    structure = Product.PARENT


class ChildProductFactory(factory.django.DjangoModelFactory):
    """A variant of ``parent``; children have no product class of their own in Oscar."""

    structure = Product.CHILD
    is_public = True
    parent = factory.SubFactory(ParentProductFactory)
    product_class = None
    title_en = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.title_en} variant {n}")
    upc = factory.Sequence(lambda n: f"979{n:010d}")

    class Meta:
        model = Product


class StockRecordFactory(factory.django.DjangoModelFactory):
    """Stock of a product at a partner, priced in Iranian rials."""

    product = factory.SubFactory(ProductFactory)
    partner = factory.SubFactory(PartnerFactory, code="bazaar")
    partner_sku = factory.Sequence(lambda n: f"SKU-{n}")
    price_currency = "IRR"
    price = Decimal("1250000")
    num_in_stock = 10

    class Meta:
        model = StockRecord


class ProductImageFactory(factory.django.DjangoModelFactory):
    """A small generated image; point MEDIA_ROOT at a temporary directory in tests."""

    product = factory.SubFactory(ProductFactory)
    original = factory.django.ImageField(width=32, height=32, color="orange")
    display_order = 0

    class Meta:
        model = ProductImage
