"""A database outage is answered 503 with Retry-After, from a page that needs no database.

The end-to-end version (a real PostgreSQL stopped under load behind gunicorn) is
tests/reliability/test_postgres_restart.py; these check each entry point on its own.
"""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from marketplace.core.errors import DatabaseUnavailableMiddleware, server_error


def _middleware() -> DatabaseUnavailableMiddleware:
    return DatabaseUnavailableMiddleware(lambda request: None)


@pytest.mark.parametrize("error", [OperationalError("server closed"), InterfaceError("closed")])
def test_a_view_losing_the_database_answers_503_with_retry_after(error):
    request = RequestFactory().get("/catalogue/")

    response = _middleware().process_exception(request, error)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert "Please try again in a moment." in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_an_error_raised_from_a_database_error_is_a_database_outage_too():
    request = RequestFactory().get("/")
    try:
        try:
            raise OperationalError("connection refused")
        except OperationalError as exc:
            raise RuntimeError("while loading the basket") from exc
    except RuntimeError as wrapped:
        response = _middleware().process_exception(request, wrapped)
    assert response.status_code == 503


def test_other_errors_are_left_to_the_500_page():
    request = RequestFactory().get("/")

    assert _middleware().process_exception(request, ValueError("bug")) is None
    try:
        raise ValueError("bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500


def test_the_500_handler_answers_503_for_an_outage_outside_the_view():
    # e.g. the session middleware saving the session after the database went away
    request = RequestFactory().get("/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
