"""Language choice from links, and clean fallback from codes we do not serve.

Django's ``LocaleMiddleware`` already ignores a language cookie naming a language outside
``LANGUAGES`` and falls back to ``Accept-Language`` and then ``LANGUAGE_CODE``; it leaves the bad
cookie in place, and Django's ``set_language`` view writes any code Django has a catalogue for
("de"). This middleware, placed right after ``LocaleMiddleware``:

- honours ``?language=fa`` on any page (a shareable link in a language): the language is
  activated for this request and remembered in the language cookie;
- ignores ``?language=xx`` for a code we do not serve (the page renders in the language the
  visitor would otherwise get);
- deletes a language cookie we do not serve, whether it came with the request or is being set by
  the response (``/i18n/setlang/`` with ``language=de``), and stores a regional variant being set
  as the language we serve ("fa-IR" as "fa").
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from i18n.languages import language_supported

__all__ = ["LANGUAGE_PARAMETER", "LanguageFallbackMiddleware"]

LANGUAGE_PARAMETER = "language"


def _cookie_set(response: HttpResponse, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _cookie_delete(response: HttpResponse) -> None:
    response.delete_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LanguageFallbackMiddleware:
    """See the module docstring. Must come after ``LocaleMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        asked = request.GET.get(LANGUAGE_PARAMETER) if request.method in ("GET", "HEAD") else None
        chosen = language_supported(asked) if asked else None
        if chosen is not None:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        name = settings.LANGUAGE_COOKIE_NAME
        if name in response.cookies:
            being_set = response.cookies[name].value
            # A deletion has an empty value; anything else must name a language we serve.
            if being_set:
                served = language_supported(being_set)
                del response.cookies[name]
                if served is None:
                    _cookie_delete(response)
                else:
                    _cookie_set(response, served)
            return response
        if chosen is not None:
            if request.COOKIES.get(name) != chosen:
                _cookie_set(response, chosen)
        elif name in request.COOKIES and language_supported(request.COOKIES[name]) is None:
            _cookie_delete(response)
        return response
