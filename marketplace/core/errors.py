"""Answers for when the database is unreachable: a plain 503 with Retry-After, not a 500.

A PostgreSQL restart or failover makes every request that needs the database raise
``OperationalError`` (cannot connect) or ``InterfaceError`` (connection closed under it). Those
requests are answered "come back in a moment" with ``503 Service Unavailable`` and
``Retry-After``, from a page that needs no database (no templates, no context processors), so
browsers, crawlers and load balancers retry instead of caching an error. The next request after
the database is back succeeds: ``CONN_HEALTH_CHECKS`` replaces the dead persistent connection.

``DatabaseUnavailableMiddleware`` catches the errors views raise; ``server_error`` (the project's
``handler500``) catches those raised elsewhere in the request (middleware, session saving).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5

DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the database cannot be used."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def database_unavailable_response() -> HttpResponse:
    """A 503 page built without the database or templates."""
    title = escape(_("Temporarily unavailable"))
    message = escape(_("The shop is briefly unavailable. Please try again in a moment."))
    body = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{message}</p></body></html>"
    )
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a view's ``OperationalError``/``InterfaceError`` into a 503 with Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return database_unavailable_response()
        return None


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME):
    """``handler500``: a 503 when the uncaught error is the database being unavailable, else
    Django's 500 page."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response()
    return defaults.server_error(request, template_name=template_name)
