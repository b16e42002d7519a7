"""The buyer's choice of display currency (a cookie), like Django's ``set_language``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from currencies.selectors import COOKIE_NAME, display_currency_supported

COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def _safe_next(request: HttpRequest) -> str:
    for candidate in (
        request.POST.get("next") or request.GET.get("next"),
        request.META.get("HTTP_REFERER"),
    ):
        if candidate and url_has_allowed_host_and_scheme(
            url=candidate,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return candidate
    return "/"


@require_http_methods(["GET", "POST"])
def display_currency_set(request: HttpRequest) -> HttpResponse:
    """``currency=USD&next=/catalogue/``: remember the buyer's display currency and go back.

    A code we do not offer (``currency=XYZ``, empty, malformed) clears the choice, so prices show
    in the default currency; never an error page. ``next`` must be on this site, else the
    referring page or the home page. Only a cookie is written (no login or session needed);
    accepting GET keeps plain links working.
    """
    asked = request.POST.get("currency", request.GET.get("currency"))
    code = display_currency_supported(asked)
    response = HttpResponseRedirect(_safe_next(request))
    if code is None:
        response.delete_cookie(COOKIE_NAME, samesite="Lax")
    else:
        response.set_cookie(
            COOKIE_NAME,
            code,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response
