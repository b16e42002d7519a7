"""Catalogue, category and search pages listed from PostgreSQL instead of django-haystack.

Oscar loads these three classes by name (``catalogue.views`` takes ``CatalogueView`` and
``ProductCategoryView`` from ``search.views``; the search app config takes ``FacetedSearchView``),
so this module replaces them without touching Oscar's URLs. They keep Oscar's templates, context
names, redirects and the ``user_search`` signal; they drop facets. Anonymous visitors get the pages
from the page cache (``marketplace.oscar_apps.catalogue.caching.page_serve``).

The reads live in the module-level functions (``product_list`` and the expressions it uses). A
page costs the same number of queries whatever its size: a count, the page, and one prefetch each
for stock records (with partner), images, public variants (plus their stock records when the page
shows a parent product) and browsable categories.

Search is PostgreSQL full-text search over every title translation, the UPC and every description
translation, with the ``simple`` configuration (no stemming: Persian has no stemmer, and one
configuration must serve four languages). Every word must match as a word prefix, so "saff" finds
saffron. The document expression is indexed by catalogue migration 0034 and must stay identical
to it, or PostgreSQL stops using the index (``tests/search/test_indexes.py`` checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.contrib.postgres.search import (
    CombinedSearchVector,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from modeltranslation.utils import build_localized_fieldname, resolution_order
from modeltranslation.utils import get_language as get_content_language
from oscar.apps.search.signals import user_search
from oscar.core.loading import get_class, get_model

from marketplace.oscar_apps.catalogue.caching import page_serve
from merchants.selectors import product_filter_trading

SearchForm = get_class("search.forms", "SearchForm")
BrowseCategoryForm = get_class("search.forms", "BrowseCategoryForm")
CategoryForm = get_class("search.forms", "CategoryForm")

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
Option = get_model("catalogue", "Option")
StockRecord = get_model("partner", "StockRecord")

# One text-search configuration for all four languages; 'simple' lower-cases and splits words.
SEARCH_CONFIG = "simple"
TITLE_FIELDS = ("title_fa", "title_en", "title_ar", "title_ru")
DESCRIPTION_FIELDS = ("description_fa", "description_en", "description_ar", "description_ru")
# Shorter words match only whole words: a one-letter prefix would match nearly everything.
MIN_PREFIX_LENGTH = 2
# Words beyond this are ignored, which bounds the cost of a pasted paragraph.
MAX_QUERY_WORDS = 8
# Ranking recomputes a tsvector per matching row (about 10 microseconds each for the titles), so
# a query matching more products than this is listed in the default order instead of by rank.
RANK_LIMIT = 1000


def product_search_document() -> CombinedSearchVector:
    """The text-search document of a product: titles and UPC weighted A, descriptions C.

    Identical to the expression of index ``catalogue_product_search_gin`` (catalogue migration
    0034); change both together.
    """
    return SearchVector(*TITLE_FIELDS, "upc", config=SEARCH_CONFIG, weight="A") + SearchVector(
        *DESCRIPTION_FIELDS, config=SEARCH_CONFIG, weight="C"
    )


def product_search_query(text: str) -> SearchQuery | None:
    """A tsquery requiring every word of ``text``, each as a word prefix; ``None`` for no words.

    Each word is quoted as one tsquery operand, so operators typed by the user (``&``, ``|``,
    ``!``, ``:``) are searched for as text and can never make the query invalid.
    """
    operands = []
    for word in text.split()[:MAX_QUERY_WORDS]:
        quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
        operands.append(quoted + ":*" if len(word) >= MIN_PREFIX_LENGTH else quoted)
    if not operands:
        return None
    return SearchQuery(" & ".join(operands), search_type="raw", config=SEARCH_CONFIG)


@dataclass(frozen=True)
class ProductListing:
    """Products for one listing page, and their number when it was already counted."""

    products: QuerySet
    count: int | None = None


def product_list(
    *,
    query: str = "",
    sort: str = SearchForm.RELEVANCY,
    category=None,
    empty_query_lists_all: bool = True,
) -> ProductListing:
    """Browsable products for a listing page, ordered, with what ``render_product`` reads.

    ``category`` narrows to products in that category or any of its descendants, as Oscar's
    category page does. A non-empty ``query`` keeps the products whose titles (any language), UPC
    or descriptions contain every word as a word prefix; "Relevancy" ranks title and UPC matches
    first, unless more than ``RANK_LIMIT`` products match. With an empty query,
    ``empty_query_lists_all`` chooses between every product (catalogue) and none (search page).

    A non-empty query is counted here (one query, through the GIN index) and the count returned,
    so the paginator does not count again; otherwise nothing is read until the queryset is.
    Read-only.
    """
    # Goods of suspended (or not yet approved) merchants are not listed anywhere.
    products = product_filter_trading(products=Product.objects.browsable())
    if category is not None:
        in_subtree = ProductCategory.objects.filter(
            product=OuterRef("pk"), category__in=Category.objects.get_tree(category)
        )
        products = products.filter(Exists(in_subtree))
    count = None
    rank = None
    if query:
        tsquery = product_search_query(query)
        if tsquery is None:
            return ProductListing(products=products.none(), count=0)
        products = products.alias(document=product_search_document()).filter(document=tsquery)
        count = products.count()
        if 0 < count <= RANK_LIMIT:
            rank = SearchRank(
                SearchVector(*TITLE_FIELDS, "upc", config=SEARCH_CONFIG, weight="A"), tsquery
            )
    elif not empty_query_lists_all:
        products = products.none()
        count = 0
    ordered = _ordered(products, sort=sort, rank=rank)
    return ProductListing(products=products_with_listing_relations(ordered), count=count)


# The listing order behind "Relevancy" without a query: Oscar's priority ("the highest priority
# products are shown first"), then newest. Index catalogue_product_browse_idx serves it.
DEFAULT_ORDER = (F("priority").desc(), F("date_created").desc(), F("id").desc())


def _ordered(products: QuerySet, *, sort: str, rank: SearchRank | None) -> QuerySet:
    """Order for a ``SearchForm`` sort key; ``id`` last keeps pages stable."""
    if sort == SearchForm.NEWEST:
        return products.order_by("-date_created", "-id")
    if sort == SearchForm.TOP_RATED:
        return products.order_by(F("rating").desc(nulls_last=True), *DEFAULT_ORDER)
    if sort in (SearchForm.PRICE_LOW_TO_HIGH, SearchForm.PRICE_HIGH_TO_LOW):
        price = F("listing_price")
        by_price = (
            price.asc(nulls_last=True)
            if sort == SearchForm.PRICE_LOW_TO_HIGH
            else price.desc(nulls_last=True)
        )
        return products.alias(listing_price=_listing_price()).order_by(by_price, "-id")
    if sort in (SearchForm.TITLE_A_TO_Z, SearchForm.TITLE_Z_TO_A):
        title = F("listing_title")
        by_title = title.asc() if sort == SearchForm.TITLE_A_TO_Z else title.desc()
        return products.alias(listing_title=_displayed_title()).order_by(by_title, "-id")
    if rank is not None:
        return products.alias(rank=rank).order_by(F("rank").desc(), *DEFAULT_ORDER)
    return products.order_by(*DEFAULT_ORDER)


def _listing_price() -> Coalesce:
    """The lowest stock record price of a product, or of its public children for a parent.

    Sorting compares amounts only: every stock record is priced in OSCAR_DEFAULT_CURRENCY here.
    """
    own = StockRecord.objects.filter(product=OuterRef("pk"))
    children = StockRecord.objects.filter(product__parent=OuterRef("pk"), product__is_public=True)
    return Coalesce(
        Subquery(own.values("product").annotate(lowest=Min("price")).values("lowest")),
        Subquery(children.values("product__parent").annotate(lowest=Min("price")).values("lowest")),
    )


def _displayed_title() -> Coalesce:
    """The title ``product.title`` shows: the active language's, then the fallbacks, non-empty."""
    return Coalesce(
        *(
            NullIf(build_localized_fieldname("title", language), Value(""))
            for language in resolution_order(get_content_language())
        ),
        Value(""),
        output_field=CharField(),
    )


def products_with_listing_relations(products: QuerySet) -> QuerySet:
    """Load in a fixed number of queries what product cards read (``render_product``).

    Stock records with their partner (price and availability), images (thumbnail), product class
    (joined), public children with their stock records (a parent's "from" price), browsable
    categories (``get_categories``), and the two option flags ``Product.has_options`` reads.
    """
    stockrecords = StockRecord.objects.select_related("partner")
    public_children = Product.objects.public().prefetch_related(
        Prefetch("stockrecords", queryset=stockrecords)
    )
    return (
        products.select_related("product_class")
        .annotate(
            has_product_class_options=Exists(
                Option.objects.filter(productclass=OuterRef("product_class"))
            ),
            has_product_options=Exists(Option.objects.filter(product=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch("stockrecords", queryset=stockrecords),
            "images",
            Prefetch("children", queryset=public_children, to_attr="_prefetched_public_children"),
            Prefetch(
                "categories",
                queryset=Category.objects.browsable(),
                to_attr="_prefetched_browsable_categories",
            ),
        )
    )


class InvalidPageError(Exception):
    """The requested page number is not a page of the listing."""


class CountedPaginator(Paginator):
    """A paginator that can be told the number of objects, when it was counted already, and
    that reads a page's ids before its rows (``page_rows``)."""

    def __init__(self, *args, count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # fills the ``count`` cached_property

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(page_rows(self.object_list, bottom, top), number, self)


def page_rows(products: QuerySet, bottom: int, top: int) -> list:
    """``products[bottom:top]`` in two queries: the page's ids, then those rows.

    Why: PostgreSQL skips an OFFSET by producing every skipped row, so reading whole rows (and
    their select-list subqueries) for a deep page costs in proportion to its depth: page 2,083 of
    100,000 products took 1.5 s; its ids alone take 76 ms. Read-only.
    """
    if isinstance(products, list):
        return products[bottom:top]
    ids = list(products.values_list("pk", flat=True)[bottom:top])
    if not ids:
        return []
    rows = {product.pk: product for product in products.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


class ProductListView(ListView):
    """A paginated product listing driven by a ``SearchForm`` in the query string.

    An invalid page number redirects to page one of the same listing with an error message, as
    Oscar's catalogue views do.
    """

    form_class = BrowseCategoryForm
    paginator_class = CountedPaginator
    context_object_name = "products"
    paginate_by = settings.OSCAR_PRODUCTS_PER_PAGE
    summary = None
    page_cache_name = "catalogue"

    def get(self, request, *args, **kwargs):
        """The page from the page cache for anonymous visitors (``catalogue.caching``), else
        rendered by ``get_uncached``."""
        return page_serve(
            request, self.page_cache_name, lambda: self.get_uncached(request, *args, **kwargs)
        )

    def get_uncached(self, request, *args, **kwargs):
        self.form = self.get_form()
        try:
            return super().get(request, *args, **kwargs)
        except InvalidPageError:
            messages.error(request, _("The given page number was invalid."))
            return redirect(self.get_first_page_url())

    def get_form(self):
        return self.form_class(data=self.request.GET)

    def get_category(self):
        return None

    def get_queryset(self) -> QuerySet:
        self.listing = product_list(
            query=self.form.query,
            sort=self.form.sort,
            category=self.get_category(),
            empty_query_lists_all=self.form.empty_query_lists_all,
        )
        return self.listing.products

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return self.paginator_class(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count=self.listing.count,
            **kwargs,
        )

    def paginate_queryset(self, queryset, page_size):
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404 as exc:
            raise InvalidPageError from exc

    def get_first_page_url(self) -> str:
        params = self.request.GET.copy()
        params.pop(self.page_kwarg, None)
        query_string = params.urlencode()
        return f"{self.request.path}?{query_string}" if query_string else self.request.path

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        context["query"] = self.form.query
        # Oscar's search template reads the page as ``page``.
        context[self.page_kwarg] = context["page_obj"]
        if self.summary is not None:
            context["summary"] = self.summary
        return context


class CatalogueView(ProductListView):
    """Browse all browsable products (Oscar's ``CatalogueView``, from PostgreSQL)."""

    template_name = "oscar/catalogue/browse.html"
    summary = _("All products")


class ProductCategoryView(ProductListView):
    """Browse the products of a category and its descendants (Oscar's ``ProductCategoryView``).

    Non-public categories are 404 except to staff; a stale slug redirects permanently to the
    category's current URL, as in Oscar.
    """

    form_class = CategoryForm
    template_name = "oscar/catalogue/category.html"
    enforce_paths = True
    page_cache_name = "category"

    def get_uncached(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=self.kwargs["pk"])
        if not self.is_viewable(self.category, request):
            raise Http404()
        if response := self.redirect_if_necessary(request.path, self.category):
            return response
        return super().get_uncached(request, *args, **kwargs)

    def is_viewable(self, category, request) -> bool:
        return category.is_public or request.user.is_staff

    def redirect_if_necessary(self, current_path, category):
        if self.enforce_paths:
            expected_path = category.get_absolute_url()
            # Unicode slugs: reverse() percent-encodes them, request.path holds them decoded.
            if unquote(expected_path) != unquote(current_path):
                return HttpResponsePermanentRedirect(expected_path)
        return None

    def get_form(self):
        return self.form_class(
            categories=Category.objects.get_tree(self.category), data=self.request.GET
        )

    def get_category(self):
        return self.category

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["category"] = self.category
        return context


class FacetedSearchView(ProductListView):
    """Search results (Oscar's ``FacetedSearchView``, without facets), from PostgreSQL.

    Sends Oscar's ``user_search`` signal on every request, as Oscar does, so analytics keep
    recording searches. An empty query finds nothing.
    """

    form_class = SearchForm
    template_name = "oscar/search/results.html"
    context_object_name = "results"
    page_cache_name = "search"

    def dispatch(self, request, *args, **kwargs):
        user_search.send(
            sender=self,
            session=request.session,
            user=request.user,
            query=request.GET.get("q", ""),
        )
        return super().dispatch(request, *args, **kwargs)
