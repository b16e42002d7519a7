"""Who may enter Oscar's dashboard, and as what.

Oscar opens its dashboard to ``is_staff`` users (every view not in an app's ``permissions_map``
falls back to ``default_permissions = ["is_staff"]``, and its querysets show staff everything) and
to holders of ``partner.dashboard_access``, whom it scopes to their partners. Our customs officers
and municipal finance staff are ``is_staff`` only so that they can sign in to the Django admin
(see ``marketplace.core.roles``); in Oscar's dashboard they would see every order, customer and
partner. So the dashboard is open to exactly two kinds of user:

- platform administrators: active superusers, who see everything;
- merchant staff: active, not ``is_staff``, holding ``partner.dashboard_access`` and listed in
  at least one partner's ``users``; every query they reach is scoped to those partners.

Everyone else who is signed in gets 403; anonymous visitors are sent to the dashboard login.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

DASHBOARD_ACCESS_PERMISSION = "partner.dashboard_access"
CUSTOMS_CHANGE_PERMISSION = "customs.change_productcustomsinfo"
HS_CODE_VIEW_PERMISSION = "customs.view_hscode"


def user_is_platform_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def user_is_merchant_staff(user: Any) -> bool:
    """A signed-in partner user whom Oscar would scope to their partners (never ``is_staff``)."""
    if not (user.is_authenticated and user.is_active) or user.is_staff or user.is_superuser:
        return False
    # Cached on the user object: the gate, the navigation and the views ask several times a request.
    cached = getattr(user, "_merchant_staff", None)
    if cached is None:
        cached = user.has_perm(DASHBOARD_ACCESS_PERMISSION) and user.partners.exists()
        user._merchant_staff = cached
    return cached


def dashboard_access_allowed(user: Any) -> bool:
    return user_is_platform_admin(user) or user_is_merchant_staff(user)


def customs_edit_any_allowed(user: Any) -> bool:
    """Superusers and customs officers (``roles.CUSTOMS_OFFICER``) may correct any product."""
    return bool(
        user.is_authenticated and user.is_active and user.has_perm(CUSTOMS_CHANGE_PERMISSION)
    )


def login_redirect(request: Any):
    return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))


def dashboard_required(view: Callable) -> Callable:
    """Wrap a view so only platform administrators and merchant staff reach it.

    Anonymous visitors are redirected to the dashboard login; other signed-in users get 403.
    Applied by our ``DashboardConfig`` to every URL of Oscar's dashboard except login and logout,
    on top of each dashboard app's own ``permissions_map``.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return login_redirect(request)
        if not dashboard_access_allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
