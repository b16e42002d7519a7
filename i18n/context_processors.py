"""Template context for the language switcher."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest

from i18n.formatting import uses_jalali
from i18n.middleware import LANGUAGE_PARAMETER


def current_page(request: HttpRequest) -> str:
    """This page's path and query string, without ``?language=`` (which would undo a switch),
    for the switchers' ``next``."""
    query = [
        (key, value)
        for key, values in request.GET.lists()
        if key != LANGUAGE_PARAMETER
        for value in values
    ]
    return request.path + (f"?{urlencode(query)}" if query else "")


def language(request: HttpRequest) -> dict[str, object]:
    """``language_neutral_url_path``: the page the language switcher returns to. Oscar's own
    context processor gives the path alone; this one (listed after it) keeps the query string, so
    switching language on page 2 of a search stays on page 2 of that search.
    ``uses_jalali_calendar``: whether dates read in the Jalali calendar."""
    return {
        "language_neutral_url_path": current_page(request),
        "uses_jalali_calendar": uses_jalali(),
    }
