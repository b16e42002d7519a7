"""Product listings that stay cheap: ``{% recently_viewed_listing current_product=product %}``
(Oscar's recently viewed products, loaded in a fixed number of queries),
``{% render_product_cached product %}`` (Oscar's product card, cached), and the tags of the
cached pages (``caching.py``): ``{% category_tree_version %}`` and ``{% page_fragment %}``."""

import hashlib

from django import template
from django.core.cache import cache
from django.utils import translation
from django.utils.safestring import mark_safe
from oscar.core.loading import get_class
from oscar.templatetags.product_tags import render_product

from marketplace.oscar_apps.catalogue.caching import page_products_add
from marketplace.oscar_apps.catalogue.views import products_in_order

CustomerHistoryManager = get_class("customer.history", "CustomerHistoryManager")

register = template.Library()

RECENTLY_VIEWED_SHOWN = 6  # what Oscar's recently_viewed_products.html shows


@register.inclusion_tag("oscar/customer/history/recently_viewed_products.html", takes_context=True)
def recently_viewed_listing(context, current_product=None):
    request = context["request"]
    ids = list(reversed(CustomerHistoryManager.extract(request)))
    if current_product is not None:
        ids = [pk for pk in ids if pk != current_product.pk]
    # the partial shows the six most recent; load no more than that
    return {"products": products_in_order(ids[:RECENTLY_VIEWED_SHOWN]), "request": request}


# --- cached product cards -------------------------------------------------------------------

CARD_CACHE_SECONDS = 60 * 60
_CSRF_PLACEHOLDER = "\x00csrf\x00"


def _card_key(product, context) -> str:
    """Everything a product card shows, from rows already loaded: a change to the product, its
    price, stock, images, rating, its merchant's trading status, the language or the buyer's display
    currency and its rate makes a new key, so a cached card can never show a stale price or
    availability, nor another buyer's approximate price."""
    from currencies.selectors import display_cache_token
    from merchants.selectors import partner_ids_not_trading

    request = context.get("request")
    not_trading = getattr(request, "_cards_not_trading", None)
    if not_trading is None:  # one cache read per page, not per card
        not_trading = partner_ids_not_trading()
        if request is not None:
            request._cards_not_trading = not_trading
    products = [product, *getattr(product, "_prefetched_public_children", ())]
    stock = [
        (
            record.pk,
            str(record.price),
            record.price_currency,
            record.num_in_stock,
            record.num_allocated,
            record.partner_id in not_trading,
            record.date_updated.isoformat(),
        )
        for item in products
        for record in item.stockrecords.all()
    ]
    images = [
        (image.pk, image.display_order, image.original.name) for image in product.images.all()
    ]
    request = context.get("request")
    signature = repr(
        (
            product.pk,
            product.date_updated.isoformat(),
            # shown on the card; read too, as a queryset.update() leaves date_updated alone
            product.get_title(),
            product.slug,
            str(product.rating),
            stock,
            images,
            translation.get_language(),
            display_cache_token(request),
            bool(request and request.user.is_authenticated),
        )
    )
    return "card:v2:" + hashlib.sha256(signature.encode()).hexdigest()


@register.simple_tag(takes_context=True)
def render_product_cached(context, product):
    """Oscar's ``render_product``, cached in Redis under a key made of what the card shows.

    The card's add-to-basket form carries the request's CSRF token: it is cached as a placeholder
    and put back on the way out. Products loaded without their stock records and images prefetched
    are rendered uncached (the key would cost queries).
    """
    if product:
        # the page cache serves a page showing this card only while the product is unchanged
        page_products_add(
            context.get("request"),
            [
                product.pk,
                *(child.pk for child in getattr(product, "_prefetched_public_children", ())),
            ],
        )
    cache_ready = "stockrecords" in getattr(product, "_prefetched_objects_cache", {}) and (
        "images" in product._prefetched_objects_cache
    )
    if not product or not cache_ready:
        return render_product(context, product)
    token = str(context.get("csrf_token", ""))
    key = _card_key(product, context)
    html = cache.get(key)
    if html is None:
        html = str(render_product(context, product))
        cache.set(
            key, html.replace(token, _CSRF_PLACEHOLDER) if token else html, CARD_CACHE_SECONDS
        )
        return mark_safe(html)  # noqa: S308 - Oscar's rendered template output
    return mark_safe(html.replace(_CSRF_PLACEHOLDER, token))  # noqa: S308 - as above


@register.simple_tag(takes_context=True)
def category_tree_version(context) -> str:
    """``{% category_tree_version as version %}``: part of the cache key of category menus; it
    changes with every committed write to a category (``caching.content_versions``)."""
    from marketplace.oscar_apps.catalogue.caching import category_tree_version as current

    return current(context.get("request"))


@register.simple_tag(takes_context=True)
def page_fragment(context, name: str, arg="") -> str:
    """``{% page_fragment "mini_basket" %}``: a part of the page drawn for each visitor, filled
    into the cached page on every request (``caching.FRAGMENTS``)."""
    from marketplace.oscar_apps.catalogue.caching import fragment_output

    return fragment_output(context["request"], name, str(arg))
