"""The admin site: django-otp's `OTPAdminSite`, which admits only users verified with a second
factor, while ``STAFF_OTP_REQUIRED`` is on.

The admin's own login page stays the plain username + password form: after it,
`StaffOTPRequiredMiddleware` sends the user to the verify page (or to enrolment when they have no
device yet), which OTPAdminSite's one-step login form cannot offer.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django_otp.admin import OTPAdminSite


class MarketplaceAdminSite(OTPAdminSite):
    login_form = AdminAuthenticationForm
    login_template = None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.STAFF_OTP_REQUIRED:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)
