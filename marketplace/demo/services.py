"""Loading the demo data (``marketplace.demo.data``) into a database, idempotently.

Every row is upserted by its natural key and written only when a value differs, so a second load
writes nothing: no ``updated_at`` / ``date_updated`` moves and every row is counted unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pycountry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.text import slugify
from oscar.core.loading import get_model

from currencies.demo import currency_rates_load
from customs.models import SUBHEADING_LEVEL, HSCode, ProductCustomsInfo
from customs.services import product_customs_set
from marketplace.core.money import from_minor
from marketplace.core.roles import roles_ensure
from marketplace.demo import data
from marketplace.demo.customs import demo_customs_load
from marketplace.demo.fees import fee_rules_load
from marketplace.demo.orders import demo_orders_load
from merchants.models import Merchant, MerchantStatus

Country = get_model("address", "Country")
Category = get_model("catalogue", "Category")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
OUTCOMES = (CREATED, UPDATED, UNCHANGED)


class DemoDataError(Exception):
    """The demo data cannot be loaded into this database (e.g. an HS code it lacks)."""


@dataclass
class DemoLoadResult:
    """What `demo_load` did, per kind of row, in load order."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def record(self, kind: str, outcome: str, number: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += number

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    @property
    def changed(self) -> bool:
        return self.total(CREATED) + self.total(UPDATED) > 0


def _assign(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set the values that differ from what `obj` holds; return their names.

    Compares the stored column (``__dict__``), not the attribute: modeltranslation makes
    ``product.title`` read the active language's column with fallbacks.
    """
    changed = [name for name, value in values.items() if obj.__dict__.get(name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _save_changed(obj: models.Model, changed: list[str]) -> None:
    auto_now = [
        f.attname
        for f in obj._meta.concrete_fields
        if getattr(f, "auto_now", False) and f.attname not in changed
    ]
    obj.save(update_fields=[*changed, *auto_now])


def _upsert(
    model: type[models.Model],
    existing: models.Model | None,
    lookup: dict[str, Any],
    values: dict[str, Any],
    *,
    result: DemoLoadResult,
    kind: str,
) -> models.Model:
    """Create the row, update the fields that differ, or leave it alone; record which."""
    if existing is None:
        obj = model(**lookup, **values)
        obj.save()
        result.record(kind, CREATED)
        return obj
    changed = _assign(existing, values)
    if changed:
        _save_changed(existing, changed)
        result.record(kind, UPDATED)
    else:
        result.record(kind, UNCHANGED)
    return existing


def _hs_codes_check() -> None:
    wanted = {p.hs_code: p.sku for products in data.PRODUCTS.values() for p in products}
    found = set(
        HSCode.objects.filter(code__in=wanted, level=SUBHEADING_LEVEL).values_list(
            "code", flat=True
        )
    )
    missing = sorted(set(wanted) - found)
    if missing:
        listed = ", ".join(f"{code} ({wanted[code]})" for code in missing)
        raise DemoDataError(
            f"HS subheadings missing from customs.HSCode: {listed}. Run `manage.py migrate` "
            "(customs.0002 loads the nomenclature) or fix the code in marketplace/demo/data.py."
        )


def _site_load(result: DemoLoadResult) -> None:
    site = Site.objects.filter(pk=settings.SITE_ID).first()
    _upsert(
        Site,
        site,
        {"pk": settings.SITE_ID},
        {"domain": data.SITE_DOMAIN, "name": data.SITE_NAME},
        result=result,
        kind="site",
    )
    Site.objects.clear_cache()


def _countries_load(result: DemoLoadResult) -> None:
    """What Oscar's `oscar_populate_countries` does, but as an upsert with our shipping list."""
    existing = {country.iso_3166_1_a2: country for country in Country.objects.all()}
    to_create, to_update, fields = [], [], set()
    for entry in pycountry.countries:
        values = {
            "iso_3166_1_a3": entry.alpha_3,
            "iso_3166_1_numeric": entry.numeric,
            "printable_name": entry.name,
            "name": getattr(entry, "official_name", ""),
            "is_shipping_country": entry.alpha_2 in data.SHIPPING_COUNTRIES,
        }
        country = existing.get(entry.alpha_2)
        if country is None:
            to_create.append(Country(iso_3166_1_a2=entry.alpha_2, **values))
            continue
        changed = _assign(country, values)
        if changed:
            to_update.append(country)
            fields.update(changed)
    Country.objects.bulk_create(to_create)
    if to_update:
        Country.objects.bulk_update(to_update, sorted(fields))
    result.record("countries", CREATED, len(to_create))
    result.record("countries", UPDATED, len(to_update))
    result.record(
        "countries", UNCHANGED, len(pycountry.countries) - len(to_create) - len(to_update)
    )


def _product_class_load(result: DemoLoadResult) -> Any:
    spec = data.PRODUCT_CLASS
    return _upsert(
        ProductClass,
        ProductClass.objects.filter(slug=spec.slug).first(),
        {"slug": spec.slug},
        {
            "name": spec.name,
            "requires_shipping": spec.requires_shipping,
            "track_stock": spec.track_stock,
        },
        result=result,
        kind="product classes",
    )


def _categories_load(result: DemoLoadResult) -> dict[str, Any]:
    existing = {
        c.code: c for c in Category.objects.filter(code__in=[c.code for c in data.CATEGORIES])
    }
    categories = {}
    for spec in data.CATEGORIES:
        values = {
            "slug": spec.code,
            "name": spec.name_en,
            "name_en": spec.name_en,
            "name_fa": spec.name_fa,
            "description": spec.description_en,
            "description_en": spec.description_en,
            "description_fa": spec.description_fa,
            "is_public": True,
        }
        category = existing.get(spec.code)
        if category is None:
            # Categories are a treebeard tree: new nodes go through add_root, not save().
            category = Category.objects.add_root(instance=Category(code=spec.code, **values))
            result.record("categories", CREATED)
        else:
            changed = _assign(category, values)
            if changed:
                _save_changed(category, changed)
            result.record("categories", UPDATED if changed else UNCHANGED)
        categories[spec.code] = category
    return categories


def _merchants_load(result: DemoLoadResult) -> dict[str, Any]:
    slugs = [m.slug for m in data.MERCHANTS]
    partners = {p.code: p for p in Partner.objects.filter(code__in=slugs)}
    merchants = {m.slug: m for m in Merchant.objects.filter(slug__in=slugs)}
    loaded = {}
    for spec in data.MERCHANTS:
        partner = _upsert(
            Partner,
            partners.get(spec.slug),
            {"code": spec.slug},
            {"name": spec.name_en},
            result=result,
            kind="partners",
        )
        # No onboarding flow exists yet to approve merchants through; demo merchants start
        # approved so that they can sell.
        _upsert(
            Merchant,
            merchants.get(spec.slug),
            {"slug": spec.slug},
            {
                "partner_id": partner.pk,
                "name_en": spec.name_en,
                "name_fa": spec.name_fa,
                "status": MerchantStatus.APPROVED,
                "city": "Mashhad",
            },
            result=result,
            kind="merchants",
        )
        loaded[spec.slug] = partner
    return loaded


def _products_load(
    result: DemoLoadResult,
    *,
    product_class: Any,
    categories: dict[str, Any],
    partners: dict[str, Any],
) -> None:
    specs = [(slug, p) for slug, products in data.PRODUCTS.items() for p in products]
    upcs = [data.UPC_PREFIX + p.sku for _slug, p in specs]
    products = {
        p.upc: p for p in Product.objects.filter(upc__in=upcs).prefetch_related("categories")
    }
    stockrecords = {
        (s.partner_id, s.partner_sku): s
        for s in StockRecord.objects.filter(partner__in=partners.values())
    }
    customs = {c.product_id: c for c in ProductCustomsInfo.objects.filter(product__upc__in=upcs)}
    for merchant_slug, spec in specs:
        upc = data.UPC_PREFIX + spec.sku
        product = _upsert(
            Product,
            products.get(upc),
            {"upc": upc},
            {
                "structure": Product.STANDALONE,
                "product_class_id": product_class.pk,
                "is_public": True,
                "slug": slugify(spec.title_en),
                "title": spec.title_en,
                "title_en": spec.title_en,
                "title_fa": spec.title_fa,
                "description": spec.description_en,
                "description_en": spec.description_en,
                "description_fa": spec.description_fa,
            },
            result=result,
            kind="products",
        )
        category = categories[spec.category]
        current = {c.pk for c in product.categories.all()} if upc in products else set()
        if current != {category.pk}:
            product.categories.set([category])
            result.record("product categories", UPDATED if current else CREATED)
        else:
            result.record("product categories", UNCHANGED)

        partner = partners[merchant_slug]
        stockrecord = stockrecords.get((partner.pk, spec.sku))
        values = {
            "product_id": product.pk,
            "price": from_minor(spec.price_irr, data.CURRENCY),
            "price_currency": data.CURRENCY,
        }
        if stockrecord is None:
            # Stock levels are set once: later they are the merchant's and the orders' business.
            values["num_in_stock"] = spec.num_in_stock
        _upsert(
            StockRecord,
            stockrecord,
            {"partner_id": partner.pk, "partner_sku": spec.sku},
            values,
            result=result,
            kind="stock records",
        )

        info = customs.get(product.pk)
        wanted = {
            "hs_code_id": spec.hs_code,
            "origin_country": "IR",
            "net_weight_grams": spec.net_weight_grams,
            "customs_description": spec.customs_description,
        }
        if info is not None and all(info.__dict__[k] == v for k, v in wanted.items()):
            result.record("customs info", UNCHANGED)
            continue
        try:
            product_customs_set(
                product=product,
                hs_code=spec.hs_code,
                origin_country="IR",
                net_weight_grams=spec.net_weight_grams,
                customs_description=spec.customs_description,
            )
        except ValidationError as exc:
            raise DemoDataError(f"{spec.sku}: {exc.message_dict}") from exc
        result.record("customs info", UPDATED if info is not None else CREATED)


def _users_load(result: DemoLoadResult, *, password: str, partners: dict[str, Any]) -> None:
    names = {name for u in data.USERS for name in (u.group, *u.extra_groups) if name}
    groups = {g.name: g for g in Group.objects.filter(name__in=names)}
    users = {u.email: u for u in User.objects.filter(email__in=[u.email for u in data.USERS])}
    for spec in data.USERS:
        values = {
            "username": spec.email,
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "is_active": True,
            "is_staff": spec.is_staff,
            "is_superuser": spec.is_superuser,
        }
        user = users.get(spec.email)
        if user is None:
            user = User(email=spec.email, **values)
            user.set_password(password)
            user.save()
            outcome = CREATED
        else:
            changed = _assign(user, values)
            if not user.check_password(password):
                user.set_password(password)
                changed.append("password")
            if changed:
                user.save(update_fields=changed)
            outcome = UPDATED if changed else UNCHANGED

        wanted_groups = {groups[name].pk for name in (spec.group, *spec.extra_groups) if name}
        if set(user.groups.values_list("pk", flat=True)) != wanted_groups:
            user.groups.set(wanted_groups)
            outcome = outcome if outcome == CREATED else UPDATED
        if spec.merchant:
            partner = partners[spec.merchant]
            if not partner.users.filter(pk=user.pk).exists():
                partner.users.add(user)
                outcome = outcome if outcome == CREATED else UPDATED
        result.record("users", outcome)


def _staff_otp_load(result: DemoLoadResult) -> None:
    """Privileged demo users get the published demo TOTP key (accounts_security.demo_otp), so
    `make demo-otp` prints the code that gets them past the second factor."""
    from accounts_security.access import user_requires_otp
    from accounts_security.demo_otp import demo_otp_devices_ensure

    users = User.objects.filter(email__in=[u.email for u in data.USERS]).order_by("pk")
    staff = [user for user in users if user_requires_otp(user)]
    created, updated = demo_otp_devices_ensure(users=staff)
    result.record("staff OTP devices", CREATED, created)
    result.record("staff OTP devices", UPDATED, updated)
    result.record("staff OTP devices", UNCHANGED, len(staff) - created - updated)


def demo_load(*, password: str) -> DemoLoadResult:
    """Load (or bring up to date) the whole demo data set in one transaction.

    Creates or updates: the role groups (`roles_ensure`), the Site, all countries (shipping on
    for Iran and its neighbours), the "Goods" product class, the categories, twelve merchants
    with their Oscar partners, about 150 products with a stock record and customs information
    each, one user per role with `password`, the fee rules and illustrative exchange rates
    (`currencies.demo`); then, outside that transaction, the paid demo orders
    (`marketplace.demo.orders`) and the Herat order whose declarations wait for the customs
    officer (`marketplace.demo.customs`). Idempotent: a second run writes nothing and reports
    every row unchanged; stock levels are only set when a stock record is created.

    Raises `DemoDataError` (nothing written) if an HS code of the data is not in the database.
    """
    result = DemoLoadResult()
    # English is the base language: title/name/description columns hold the English text.
    with translation.override("en"), transaction.atomic():
        _hs_codes_check()
        roles = roles_ensure()
        result.record("role groups", CREATED, len(roles.created))
        result.record("role groups", UPDATED, len(roles.updated))
        result.record("role groups", UNCHANGED, len(roles.unchanged))
        _site_load(result)
        _countries_load(result)
        product_class = _product_class_load(result)
        categories = _categories_load(result)
        partners = _merchants_load(result)
        _products_load(
            result, product_class=product_class, categories=categories, partners=partners
        )
        _users_load(result, password=password, partners=partners)
        _staff_otp_load(result)
        fee_rules_load(result, categories=categories, partners=partners)
        currency_rates_load(result)
    # Orders go through checkout, payments and settlement services, each with its own transactions.
    demo_orders_load(result)
    # The Herat order (saffron and a carpet, duties paid): its declarations wait at /customs/.
    demo_customs_load(result)
    return result
