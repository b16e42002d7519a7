"""Template context for the display-currency menu."""

from __future__ import annotations

from django.http import HttpRequest

from currencies.selectors import display_currency_choices, display_currency_for


def display_currency(request: HttpRequest) -> dict[str, object]:
    """``display_currency`` (the buyer's, validated) and ``display_currency_choices`` (a callable:
    the menu is only worked out by templates that draw it)."""
    return {
        "display_currency": display_currency_for(request),
        "display_currency_choices": display_currency_choices,
    }
