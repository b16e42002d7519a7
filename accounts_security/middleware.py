"""Send signed-in privileged staff who have not verified a second factor to the verify page (or
to enrolment when they have no device), before any staff page. See `accounts_security.access`."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts_security.access import path_requires_otp, user_requires_otp
from accounts_security.selectors import user_has_otp_device


class StaffOTPRequiredMiddleware:
    """After `django_otp.middleware.OTPMiddleware` (which adds ``user.is_verified()``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.STAFF_OTP_REQUIRED
            and path_requires_otp(request.path_info)
            and user_requires_otp(request.user)
            and not request.user.is_verified()
        ):
            name = (
                "accounts_security:verify"
                if user_has_otp_device(user=request.user)
                else "accounts_security:setup"
            )
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(name)}?{query}")
        return self.get_response(request)
