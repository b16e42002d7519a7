"""Cached storefront pages: the content versions they are checked against, and the page cache.

**Content versions.** PostgreSQL stamps versions in the same transaction as every write to a
table the storefront shows (ORM saves, ``queryset.update()``, bulk imports and raw SQL alike), so
a reader sees a new stamp exactly when it can see the rows written with it:

- per product (``catalogue_product_version``, catalogue migration 0036): any write to the product
  row or to its stock records, images, categories, attribute values, options, recommendations or
  reviews (a variant's also stamps its parent);
- ``listing``: the same writes, except an update of stock records that changes nothing but stock
  (what a checkout does): what the listings hold and their order may have changed;
- ``catalogue`` (migration 0035): everything else the pages show (categories, partners, merchants,
  product classes, options, attributes); ``category``: the category tree, for the menus.

A stored page records the versions it was rendered under and the stamps of the products it shows
(``page_products_add``), read in one snapshot with the rows it was rendered from; it is served
only while they are all current (one query), so a price, stock, title, category or merchant
change shows on the next request, while a checkout re-renders only the pages showing the
products whose stock it took.

**Page cache.** Catalogue, category, search and product pages are cached whole in Redis for
anonymous visitors with no pending messages (``page_serve``), under a key of the path, the query
string, the language, the currency, the buyer's display currency and its rate
(``currencies.selectors.display_cache_token``: approximate prices) and the host, checked against
the content versions above. The parts that differ between visitors are kept out of the stored page and filled in on
every request:

- the CSRF token (the visitor's own, from ``get_token``, which also sets their CSRF cookie),
- the ``<meta name="created">`` time that Oscar's base template prints with ``{% now %}``,
- fragments drawn with ``{% page_fragment name arg %}`` (``FRAGMENTS``): the mini-basket and the
  navigation bar's basket button, and the product page's recently viewed products. A fragment is
  stored with the page only as it looks to a visitor without its cookies (no basket, no history);
  visitors with those cookies get it rendered for them.

Signed-in visitors and requests carrying messages are rendered as before (the product cards and
category menus inside are still cached: ``templatetags/listing_tags.py``). Setting
``CATALOGUE_PAGE_CACHE = False`` turns the page cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import defaultfilters, loader
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from redis.exceptions import RedisError

from currencies.selectors import display_cache_token

logger = logging.getLogger(__name__)

PAGE_CACHE_SECONDS = 10 * 60
PAGE_KEY_VERSION = "v3"

_VERSIONS_SQL = "SELECT kind, stamp FROM catalogue_content_version ORDER BY id"


def content_versions(request: HttpRequest | None = None) -> dict[str, str]:
    """The current version of each kind of storefront content: ``{"catalogue": ..., "category":
    ...}``, opaque strings that change with every committed write (catalogue migration 0035).

    One query, remembered on ``request`` for the rest of it. Read-only.
    """
    if request is not None and (known := getattr(request, "_content_versions", None)) is not None:
        return known
    with connection.cursor() as cursor:
        cursor.execute(_VERSIONS_SQL)
        rows = cursor.fetchall()
    stamps: dict[str, list[str]] = {}
    for kind, stamp in rows:
        stamps.setdefault(kind, []).append(str(stamp))
    versions = {kind: ".".join(values) for kind, values in stamps.items()}
    if request is not None:
        request._content_versions = versions
    return versions


_PRODUCT_STAMPS_SQL = (
    "SELECT product_id, stamp FROM catalogue_product_version WHERE product_id = ANY(%s)"
)
# the versions as ``content_versions`` reads them (in id order), and the product stamps
_CHECK_SQL = (
    "SELECT kind, stamp, id FROM catalogue_content_version UNION ALL "
    "SELECT 'product:' || product_id, stamp, 0 FROM catalogue_product_version "
    "WHERE product_id = ANY(%s) ORDER BY 3"
)


def product_stamps(product_ids) -> dict[str, str]:
    """The content stamp of each product in ``product_ids`` (``""`` for one never written since
    catalogue migration 0036), as ``{"<id>": "<stamp>"}``. One query. Read-only."""
    ids = sorted({int(pk) for pk in product_ids})
    stamps = dict.fromkeys(map(str, ids), "")
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_PRODUCT_STAMPS_SQL, [ids])
            for product_id, stamp in cursor.fetchall():
                stamps[str(product_id)] = str(stamp)
    return stamps


def page_products_add(request: HttpRequest | None, product_ids) -> None:
    """Note that the page being rendered for ``request`` shows the products ``product_ids``: it
    is stored with their stamps and served only while they are unchanged. Product cards
    (``render_product_cached``) and the product page call this."""
    shown = getattr(request, "_page_products", None)
    if shown is not None:
        shown.update(int(pk) for pk in product_ids if pk is not None)


def _current(entry: dict) -> bool:
    """Whether a stored page is still what rendering it now would show: every version it was
    rendered under and every product stamp it recorded unchanged. One query."""
    products = entry.get("products", {})
    with connection.cursor() as cursor:
        cursor.execute(_CHECK_SQL, [[int(pk) for pk in products]])
        rows = cursor.fetchall()
    stamps: dict[str, list[str]] = {}
    for kind, stamp, _id in rows:
        stamps.setdefault(kind, []).append(str(stamp))
    versions = {kind: ".".join(values) for kind, values in stamps.items()}
    if any(versions.get(kind, "") != value for kind, value in entry["versions"].items()):
        return False
    return all(versions.get(f"product:{pk}", "") == stamp for pk, stamp in products.items())


@contextlib.contextmanager
def _one_snapshot():
    """Run the block's queries in one snapshot (a REPEATABLE READ transaction), so the versions
    and product stamps read after rendering belong to the rows the page was rendered from. Inside
    a caller's transaction its snapshot rules instead."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def category_tree_version(request: HttpRequest | None = None) -> str:
    """The version of the category tree, part of the cache key of the category menus."""
    return content_versions(request).get("category", "")


# --- fragments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fragment:
    """A part of a cached page drawn for each visitor: ``render(request, arg)``; ``cookies``
    names the cookies without which it looks the same to every anonymous visitor."""

    render: Callable[[HttpRequest, str], str]
    cookies: Callable[[], tuple[str, ...]]


def _template_fragment(template_name: str) -> Callable[[HttpRequest, str], str]:
    def render(request: HttpRequest, _arg: str) -> str:
        # Oscar's basket partials read nothing but ``request``.
        return loader.render_to_string(template_name, {"request": request})

    return render


def _recently_viewed(request: HttpRequest, arg: str) -> str:
    from marketplace.oscar_apps.catalogue.templatetags.listing_tags import recently_viewed_listing

    current = SimpleNamespace(pk=int(arg)) if arg else None
    context = recently_viewed_listing({"request": request}, current_product=current)
    return loader.render_to_string("oscar/customer/history/recently_viewed_products.html", context)


def _basket_cookies() -> tuple[str, ...]:
    return (settings.OSCAR_BASKET_COOKIE_OPEN,)


FRAGMENTS: dict[str, Fragment] = {
    "mini_basket": Fragment(_template_fragment("oscar/partials/mini_basket.html"), _basket_cookies),
    "navbar_basket": Fragment(
        _template_fragment("oscar/partials/navbar_basket.html"), _basket_cookies
    ),
    "recently_viewed": Fragment(
        _recently_viewed, lambda: (settings.OSCAR_RECENTLY_VIEWED_COOKIE_NAME,)
    ),
}

_HOLE = "\x00"
_CSRF_HOLE = f"{_HOLE}csrf{_HOLE}"
_NOW_HOLE = f"{_HOLE}now{_HOLE}"
# The request's Content-Security-Policy nonce (django-csp): each response has its own.
_NONCE_HOLE = f"{_HOLE}nonce{_HOLE}"
_FRAGMENT_HOLE = re.compile(f"{_HOLE}fragment:([a-z_]+):([^{_HOLE}]*){_HOLE}")
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Oscar's base.html: <meta name="created" content="{% now "jS M Y h:i" %}" />
_CREATED = re.compile(r'(<meta name="created" content=")([^"]*)(")')
_CREATED_FORMAT = "jS M Y h:i"


def fragment_output(request: HttpRequest, name: str, arg: str = "") -> SafeString:
    """``{% page_fragment name arg %}``: the fragment for this request; while ``page_serve`` is
    capturing a page, a placeholder that it fills in on every request instead."""
    output = mark_safe(FRAGMENTS[name].render(request, arg))  # noqa: S308 - template output
    capture = getattr(request, "_page_capture", None)
    if capture is None:
        return output
    placeholder = f"{_HOLE}fragment:{name}:{arg}{_HOLE}"
    capture[placeholder] = output
    return mark_safe(placeholder)  # noqa: S308 - our placeholder, replaced before sending


def _without_cookies(request: HttpRequest, name: str) -> bool:
    return not any(cookie in request.COOKIES for cookie in FRAGMENTS[name].cookies())


# --- the page cache ---------------------------------------------------------------------------


def page_cacheable(request: HttpRequest) -> bool:
    """Whether ``request`` may be answered from, and stored in, the page cache: a GET by an
    anonymous visitor with no messages waiting to be shown (reading them does not consume them)."""
    return (
        getattr(settings, "CATALOGUE_PAGE_CACHE", True)
        and request.method == "GET"
        and not request.user.is_authenticated
        and not len(messages.get_messages(request))
    )


def page_key(request: HttpRequest, name: str) -> str:
    """The cache key of the page ``name`` at this URL as an anonymous visitor sees it (whether
    the stored page is still current is checked against the content versions: ``_current``)."""
    signature = repr(
        (
            name,
            request.path,
            sorted(request.GET.lists()),
            translation.get_language(),
            settings.OSCAR_DEFAULT_CURRENCY,
            display_cache_token(request),  # approximate prices in the buyer's display currency
            request.get_host(),
            request.is_secure(),
        )
    )
    digest = hashlib.sha256(signature.encode()).hexdigest()
    return f"page:{PAGE_KEY_VERSION}:{digest}"


def _now_text() -> str:
    # what Django's {% now %} prints
    tz = timezone.get_current_timezone() if settings.USE_TZ else None
    return defaultfilters.date(datetime.now(tz=tz), _CREATED_FORMAT)


def _entry(html: str, captured: dict[str, str], request: HttpRequest) -> dict:
    """What the cache stores of a page rendered for ``request``: the HTML with the visitor's CSRF
    token and the time replaced by holes, and the fragments as they look without cookies."""
    token = _CSRF_INPUT.search(html)
    nonce = getattr(request, "_csp_nonce", None)

    def anonymised(text: str) -> str:
        text = text.replace(token.group(1), _CSRF_HOLE) if token else text
        return text.replace(nonce, _NONCE_HOLE) if nonce else text

    html = _CREATED.sub(lambda m: m.group(1) + _NOW_HOLE + m.group(3), anonymised(html), count=1)
    fragments = {
        placeholder: anonymised(str(output))
        for placeholder, output in captured.items()
        if _without_cookies(request, _FRAGMENT_HOLE.fullmatch(placeholder).group(1))
    }
    return {"html": html, "csrf": token is not None, "fragments": fragments, "nonce": bool(nonce)}


def _fill(request: HttpRequest, entry: dict) -> str:
    """The stored page for ``request``: its fragments, then its CSRF token (``get_token`` also
    sets the visitor's CSRF cookie, as rendering ``{% csrf_token %}`` does) and the time."""
    stored = entry["fragments"]

    def fragment(match: re.Match) -> str:
        name, arg = match.group(1), match.group(2)
        if match.group(0) in stored and _without_cookies(request, name):
            return stored[match.group(0)]
        return FRAGMENTS[name].render(request, arg)

    html = _FRAGMENT_HOLE.sub(fragment, entry["html"])
    if entry["csrf"]:
        html = html.replace(_CSRF_HOLE, get_token(request))
    if entry.get("nonce"):
        html = html.replace(_NONCE_HOLE, str(request.csp_nonce))
    return html.replace(_NOW_HOLE, _now_text())


LISTING_VERSIONS = ("catalogue", "listing")
PRODUCT_VERSIONS = ("catalogue",)


def page_serve(
    request: HttpRequest,
    name: str,
    render: Callable[[], HttpResponse],
    *,
    versions: tuple[str, ...] = LISTING_VERSIONS,
    on_hit: Callable[[HttpResponse], None] | None = None,
) -> HttpResponse:
    """Answer ``request`` with the page ``name`` from the cache, else ``render()`` and store it.

    ``render`` is the view's own GET; only its 200 responses are stored, with the content
    ``versions`` it was rendered under (listings: ``catalogue`` and ``listing``; the product page
    only ``catalogue``) and the stamps of the products it shows, all read in the snapshot it was
    rendered from. A stored page is served while they are all current (one query), else rendered
    again. ``on_hit`` runs on a response served from the cache, for what the view does besides
    rendering (the product page's ``product_viewed`` signal). A page served from the cache is the
    same HTML as the page rendered, with this visitor's CSRF token, time and fragments. Writes to
    the cache only; with the cache unreachable the page is rendered, as for a signed-in visitor.
    """
    if not page_cacheable(request):
        return render()
    key = page_key(request, name)
    try:
        entry = cache.get(key)
    except (RedisError, OSError):  # the page cache is an optimisation: render without it
        logger.warning("page cache unavailable; rendering %s", request.path, exc_info=True)
        return render()
    if entry is not None and _current(entry):
        response = HttpResponse(_fill(request, entry))
        if on_hit is not None:
            on_hit(response)
        return response
    request._page_capture = captured = {}
    request._page_products = shown = set()
    try:
        with _one_snapshot():
            request._content_versions = None  # read again, in this snapshot
            current = content_versions(request)
            response = render()
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            stamps = product_stamps(shown) if response.status_code == 200 else {}
    finally:
        request._page_capture = None
        request._page_products = None
    if not captured and response.status_code != 200:
        return response
    html = response.content.decode(response.charset)
    if response.status_code == 200:
        stored = _entry(html, captured, request)
        stored["versions"] = {kind: current.get(kind, "") for kind in versions}
        stored["products"] = stamps
        with contextlib.suppress(RedisError, OSError):
            cache.set(key, stored, PAGE_CACHE_SECONDS)
    response.content = _FRAGMENT_HOLE.sub(lambda m: captured[m.group(0)], html)
    return response
