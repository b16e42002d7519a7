"""The two-factor pages: verify a code, enrol an authenticator app."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_otp import login as otp_login
from django_otp import match_token

from accounts_security.forms import OTPTokenForm
from accounts_security.selectors import user_has_otp_device
from accounts_security.services import totp_device_confirm, totp_device_pending


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


class VerifyView(LoginRequiredMixin, View):
    """Ask for a TOTP code or a backup token; on success mark the session verified."""

    template_name = "accounts_security/verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not user_has_otp_device(user=request.user):
            return HttpResponseRedirect(
                f"{reverse('accounts_security:setup')}?{request.GET.urlencode()}"
            )
        return self._render(request, OTPTokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OTPTokenForm(request.POST)
        if form.is_valid():
            device = match_token(request.user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return HttpResponseRedirect(_next_url(request))
            form.add_error(
                "token",
                _("Code: this code is not valid, or it was already used. Try the current one."),
            )
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: OTPTokenForm, status: int = 200) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"form": form, "next": _next_url(request)},
            status=status,
        )


class SetupView(LoginRequiredMixin, View):
    """Enrol an authenticator app: its secret as text, otpauth URI and QR code; confirm with a
    code; then show the backup tokens once."""

    template_name = "accounts_security/setup.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Adding a device to an account that has one needs that one first: a stolen password
        # alone must not be enough to enrol the thief's phone.
        if (
            request.user.is_authenticated
            and user_has_otp_device(user=request.user)
            and not request.user.is_verified()
        ):
            return HttpResponseRedirect(
                f"{reverse('accounts_security:verify')}?{request.GET.urlencode()}"
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, OTPTokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OTPTokenForm(request.POST)
        device = totp_device_pending(user=request.user)
        if form.is_valid():
            tokens = totp_device_confirm(device=device, token=form.cleaned_data["token"])
            if tokens is not None:
                otp_login(request, device)
                return render(
                    request,
                    "accounts_security/backup_tokens.html",
                    {"tokens": tokens, "next": _next_url(request)},
                )
            form.add_error(
                "token",
                _("Code: this code does not match; check the phone's clock and try again."),
            )
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: OTPTokenForm, status: int = 200) -> HttpResponse:
        device = totp_device_pending(user=request.user)
        uri = device.config_url
        context = {
            "form": form,
            "next": _next_url(request),
            "secret": base64.b32encode(device.bin_key).decode("ascii"),
            "otpauth_uri": uri,
            "qr_svg": segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code")),
        }
        return render(request, self.template_name, context, status=status)
