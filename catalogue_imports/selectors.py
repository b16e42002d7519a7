"""Reads for catalogue imports: whom a user imports for, their jobs, the category tree."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from oscar.core.loading import get_model

from catalogue_imports.columns import CellError, cell_text
from catalogue_imports.models import ImportJob
from merchants.models import Merchant, MerchantStatus

Category = get_model("catalogue", "Category")

_SEPARATOR = ">"
_WHITESPACE = re.compile(r"\s+")
# Arabic letters Persian text is often typed with, and the zero-width non-joiner people type or not.
_PERSIAN_FORMS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": ""})


def merchants_staffed_by(*, user: Any) -> QuerySet[Merchant]:
    """Approved merchants whose Oscar partner lists `user` among its users, by name."""
    if not user.is_authenticated:
        return Merchant.objects.none()
    return Merchant.objects.filter(partner__users=user, status=MerchantStatus.APPROVED).order_by(
        "name_en", "pk"
    )


def import_jobs_visible_to(*, user: Any) -> QuerySet[ImportJob]:
    """Import jobs of the approved merchants `user` works for, newest first."""
    return ImportJob.objects.filter(merchant__in=merchants_staffed_by(user=user)).select_related(
        "merchant"
    )


def _name_normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_PERSIAN_FORMS).casefold()
    return _WHITESPACE.sub(" ", text).strip()


class CategoryIndex:
    """Oscar's category tree in memory, for resolving the paths merchants write.

    A path names each level by its English or Persian name (or Oscar's own ``name`` column),
    separated by ">": "Saffron", "Nuts & dried fruit > Pistachios", "آجیل و خشکبار > پسته".
    Matching ignores case, repeated spaces, Arabic/Persian letter forms and zero-width
    non-joiners. A single name that is not a top-level category may name a category anywhere in
    the tree if exactly one is called that.
    """

    def __init__(self, categories: list[dict[str, Any]]) -> None:
        steplen = Category.steplen
        self._children: dict[str, list[tuple[int, str, frozenset[str]]]] = defaultdict(list)
        self._by_name: dict[str, list[int]] = defaultdict(list)
        self._labels: dict[int, str] = {}
        by_path = {c["path"]: c for c in categories}
        for category in sorted(categories, key=lambda c: c["path"]):
            names = frozenset(
                _name_normalize(value)
                for value in (category["name"], category["name_en"], category["name_fa"])
                if value
            )
            parent_path = category["path"][:-steplen]
            self._children[parent_path].append((category["id"], category["path"], names))
            for name in names:
                self._by_name[name].append(category["id"])
            parent = by_path.get(parent_path)
            label = category["name_en"] or category["name"] or category["name_fa"] or ""
            self._labels[category["id"]] = (
                f"{self._labels[parent['id']]} > {label}" if parent else label
            )
        self._resolved: dict[str, int] = {}

    def label(self, category_id: int) -> str:
        return self._labels[category_id]

    def resolve(self, value: Any) -> int:
        """The id of the category `value` names; `CellError` if none or several match."""
        text = cell_text(value)
        if text in self._resolved:
            return self._resolved[text]
        segments = [_name_normalize(segment) for segment in text.split(_SEPARATOR)]
        if not all(segments):
            raise CellError(
                f"Write the category as names separated by '>', such as "
                f"'Nuts & dried fruit > Pistachios', not {text!r}."
            )
        parents = [""]
        found: list[tuple[int, str]] = []
        for segment in segments:
            found = [
                (category_id, path)
                for parent in parents
                for category_id, path, names in self._children.get(parent, ())
                if segment in names
            ]
            parents = [path for _, path in found]
        ids = [category_id for category_id, _ in found]
        if not ids and len(segments) == 1:
            ids = self._by_name.get(segments[0], [])
        if len(ids) > 1:
            options = " or ".join(repr(self._labels[category_id]) for category_id in ids[:3])
            raise CellError(
                f"Several categories are called {text!r}: write the full path, such as {options}."
            )
        if not ids:
            raise CellError(
                f"There is no category {text!r}. Use an existing category's English or Persian "
                "name, levels separated by '>' (such as 'Nuts & dried fruit > Pistachios')."
            )
        self._resolved[text] = ids[0]
        return ids[0]


def category_index() -> CategoryIndex:
    """The whole category tree (a few hundred rows at most), read once per import."""
    categories = list(
        # rewrite(False): modeltranslation would otherwise read name_en where we ask for name.
        Category.objects.rewrite(False).values("id", "path", "name", "name_en", "name_fa")
    )
    return CategoryIndex(categories)
