"""Django's ``date`` and ``time`` filters in the reader's calendar, for every template.

Registered as a template *builtin* after Django's own (settings: ``TEMPLATES[0]["OPTIONS"]
["builtins"]``), so Oscar's unchanged templates (``{{ order.date_placed|date }}``,
``{{ order.date_placed|date:"j F Y" }}``) print Jalali dates in Persian digits under Persian:
the same format string, Jalali year, month and day (``i18n.dateformat.jalali_format``). Under the
other languages, and for ISO formats ("Y-m-d", "c"…) in every language, they are Django's filters,
unchanged. ``time`` only changes the digits.
"""

from __future__ import annotations

from datetime import date as date_type
from datetime import time as time_type
from typing import Any

from django import template
from django.template import defaultfilters

from i18n.dateformat import jalali_format
from i18n.formatting import to_persian_digits, uses_jalali

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    """Django's ``date`` filter; Jalali with Persian digits under Persian."""
    if not uses_jalali() or not isinstance(value, (date_type, time_type)):
        return defaultfilters.date(value, arg)
    try:
        return jalali_format(value, arg or "DATE_FORMAT")
    except AttributeError:  # as Django's filter: a value that is not quite a date
        return ""


@register.filter(expects_localtime=True, is_safe=False)
def time(value: Any, arg: str | None = None) -> str:
    """Django's ``time`` filter; Persian digits under Persian."""
    text = defaultfilters.time(value, arg)
    return to_persian_digits(text) if text and uses_jalali() else text
