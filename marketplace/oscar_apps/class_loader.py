"""Oscar's class loader (``OSCAR_DYNAMIC_CLASS_LOADER``) with a few classes replaced by ours.

Oscar loads its forms and views with ``get_class("address.forms", "UserAddressForm")``; a forked
app can replace them, but forking ``address`` (models, migrations) or ``customer`` for one form is
heavy. Classes listed in ``REPLACEMENTS`` are ours wherever Oscar loads them; everything else is
Oscar's default loader, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string
from oscar.core.loading import default_class_loader

__all__ = ["REPLACEMENTS", "class_loader"]

#: (Oscar module label, class name) -> dotted path of our class.
REPLACEMENTS: dict[tuple[str, str], str] = {
    # The address book (/accounts/addresses/) and checkout's "save to address book" form: the
    # same postcodes and phone numbers as checkout's ShippingAddressForm (i18n.addresses).
    ("address.forms", "UserAddressForm"): "i18n.address_forms.UserAddressForm",
    # Date filters typed in the reader's calendar (Jalali under Persian).
    ("dashboard.orders.forms", "OrderSearchForm"): "i18n.dashboard_forms.OrderSearchForm",
    ("dashboard.orders.forms", "OrderStatsForm"): "i18n.dashboard_forms.OrderStatsForm",
    ("dashboard.reports.forms", "ReportForm"): "i18n.dashboard_forms.ReportForm",
    ("customer.forms", "OrderSearchForm"): "i18n.dashboard_forms.CustomerOrderSearchForm",
}


def class_loader(module_label: str, classnames: list[str], module_prefix: str) -> list[Any]:
    """Oscar's ``default_class_loader``, with the classes in ``REPLACEMENTS`` swapped for ours."""
    classes = list(default_class_loader(module_label, classnames, module_prefix))
    for index, classname in enumerate(classnames):
        replacement = REPLACEMENTS.get((module_label, classname))
        if replacement is not None:
            classes[index] = import_string(replacement)
    return classes
