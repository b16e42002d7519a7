"""Who may open the municipal finance pages under ``/finance/``.

Members of the ``Municipal finance`` group (``marketplace.core.roles.MUNICIPAL_FINANCE``) and
active superusers. Anonymous visitors are sent to the login page; every other signed-in user
(customers, merchant staff, customs officers, municipal staff) gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from marketplace.core.roles import MUNICIPAL_FINANCE


def user_is_finance_staff(user: Any) -> bool:
    """An active superuser or an active member of the municipal finance group."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_finance_staff", None)
    if cached is None:
        cached = user.groups.filter(name=MUNICIPAL_FINANCE).exists()
        user._finance_staff = cached
    return bool(cached)


def finance_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a view function: anonymous → login, others who are not finance staff → 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_is_finance_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class FinanceStaffRequiredMixin:
    """The same rule for class-based views."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_is_finance_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
