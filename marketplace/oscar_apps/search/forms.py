"""Search and sort forms for the catalogue, category and search pages, without haystack.

Oscar's forms (``oscar.apps.search.forms``) subclass haystack's ``FacetedSearchForm`` and run the
search themselves. Ours only parse the query string; the views ask PostgreSQL
(``marketplace.oscar_apps.search.views``). The class names, the ``q`` and ``sort_by`` fields and
the sort choices are Oscar's, because Oscar's templates and its ``search_form`` context processor
(``SearchForm(request.GET)``) use them.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchInput(forms.TextInput):
    """An HTML5 ``type="search"`` input; browsers without it show a text box."""

    input_type = "search"


class SortChoiceField(forms.ChoiceField):
    """A choice field that reads an unknown value as no choice, so a stale sort link still works."""

    def to_python(self, value):
        value = super().to_python(value)
        return value if self.valid_value(value) else ""


class SearchForm(forms.Form):
    """The query ``q`` and the ``sort_by`` choice, as Oscar's search form names them.

    An empty query finds nothing, as on Oscar's search page; ``BrowseCategoryForm`` lists
    everything instead. An unknown ``sort_by`` is ignored rather than shown as an error, so an
    old or hand-edited link still lists products in the default order.
    """

    # Oscar's sort keys, kept so links and the sort widget's values stay the same.
    RELEVANCY = "relevancy"
    TOP_RATED = "rating"
    NEWEST = "newest"
    PRICE_HIGH_TO_LOW = "price-desc"
    PRICE_LOW_TO_HIGH = "price-asc"
    TITLE_A_TO_Z = "title-asc"
    TITLE_Z_TO_A = "title-desc"

    SORT_BY_CHOICES = [
        (RELEVANCY, _("Relevancy")),
        (TOP_RATED, _("Customer rating")),
        (NEWEST, _("Newest")),
        (PRICE_HIGH_TO_LOW, _("Price high to low")),
        (PRICE_LOW_TO_HIGH, _("Price low to high")),
        (TITLE_A_TO_Z, _("Title A to Z")),
        (TITLE_Z_TO_A, _("Title Z to A")),
    ]

    # Whether an empty query lists every browsable product (catalogue pages) or none (search).
    empty_query_lists_all = False

    # tabindex 1: pressing tab on any page focuses the search box, as in Oscar.
    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        widget=SearchInput({"placeholder": _("Search"), "tabindex": "1", "class": "form-control"}),
    )
    sort_by = SortChoiceField(
        label=_("Sort by"),
        choices=SORT_BY_CHOICES,
        widget=forms.Select(),
        required=False,
    )

    @property
    def query(self) -> str:
        """The stripped search text; ``""`` when absent or longer than the field allows."""
        return (self._cleaned_value("q") or "").strip()

    @property
    def sort(self) -> str:
        """The chosen sort key; ``RELEVANCY`` when none, or an unknown one, was given."""
        return self._cleaned_value("sort_by") or self.RELEVANCY

    def _cleaned_value(self, name: str):
        if not self.is_bound:
            return None
        self.is_valid()  # fills cleaned_data with the fields that validated
        return self.cleaned_data.get(name)


class BrowseCategoryForm(SearchForm):
    """Variant of ``SearchForm`` whose empty query lists every browsable product."""

    empty_query_lists_all = True


class CategoryForm(BrowseCategoryForm):
    """``BrowseCategoryForm`` for one category page; ``categories`` is kept as in Oscar."""

    def __init__(self, categories=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
