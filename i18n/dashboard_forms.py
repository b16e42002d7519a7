"""Oscar's date filters typed in the reader's calendar (``forms.LocalDateField``).

The dashboard's order search, order statistics and reports and the customer's order history take
"from"/"to" dates; Oscar's
fields are Gregorian ``DateField``s with a date picker. Ours take a Jalali year/month/day under
Persian ("1405/09/08" in any digits; an ISO date still works) and ISO dates otherwise; what
Oscar's views receive is the same Gregorian ``date``. Loaded in place of Oscar's forms by
``marketplace.oscar_apps.class_loader`` (settings: ``OSCAR_DYNAMIC_CLASS_LOADER``).
"""

from __future__ import annotations

from django import forms
from oscar.apps.customer import forms as customer_forms
from oscar.apps.dashboard.orders import forms as order_forms
from oscar.apps.dashboard.reports import forms as report_forms

from i18n.formatting import date_format
from i18n.forms import LocalDateField

__all__ = ["CustomerOrderSearchForm", "OrderSearchForm", "OrderStatsForm", "ReportForm"]


def _local_date(field: forms.Field) -> LocalDateField:
    """A ``LocalDateField`` with Oscar's label, help text and ``required`` (Oscar's strings)."""
    return LocalDateField(required=field.required, label=field.label, help_text=field.help_text)


class OrderSearchForm(order_forms.OrderSearchForm):
    """The dashboard order list's search (``/dashboard/orders/``)."""

    date_from = _local_date(order_forms.OrderSearchForm.base_fields["date_from"])
    date_to = _local_date(order_forms.OrderSearchForm.base_fields["date_to"])


class OrderStatsForm(order_forms.OrderStatsForm):
    """The order statistics' date range (``/dashboard/orders/statistics/``)."""

    date_from = _local_date(order_forms.OrderStatsForm.base_fields["date_from"])
    date_to = _local_date(order_forms.OrderStatsForm.base_fields["date_to"])


class ReportForm(report_forms.ReportForm):
    """The reports' date range (``/dashboard/reports/``)."""

    date_from = _local_date(report_forms.ReportForm.base_fields["date_from"])
    date_to = _local_date(report_forms.ReportForm.base_fields["date_to"])


class CustomerOrderSearchForm(customer_forms.OrderSearchForm):
    """The customer's order history filter (``/accounts/orders/``); its description ("Orders
    placed since …") shows the dates in the reader's calendar too."""

    date_from = _local_date(customer_forms.OrderSearchForm.base_fields["date_from"])
    date_to = _local_date(customer_forms.OrderSearchForm.base_fields["date_to"])

    def _orders_description(self, date_from, date_to, order_number):  # type: ignore[no-untyped-def]
        return super()._orders_description(
            date_format(date_from, "short") if date_from else None,
            date_format(date_to, "short") if date_to else None,
            order_number,
        )
