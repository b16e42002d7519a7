"""The destination rules in force, read-only (they are edited in the Django admin, audited)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views import View

from customs.access import user_is_customs_officer, user_is_platform_admin
from customs.models import DestinationRule, RiskRule
from customs.selectors.rules import destination_rules_effective_on


class RulesView(View):
    """``/customs/rules/?at=YYYY-MM-DD``: per destination, the rule and HS rules in force, and the
    active risk rules. Customs officers and platform administrators."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user_is_customs_officer(request.user) or user_is_platform_admin(request.user)):
            raise PermissionDenied
        day = parse_date(request.GET.get("at") or "")
        at = (
            datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone())
            if day
            else timezone.now()
        )
        countries = sorted(set(DestinationRule.objects.values_list("country", flat=True)))
        destinations = [
            rules
            for rules in (destination_rules_effective_on(country=c, at=at) for c in countries)
            if rules is not None
        ]
        return render(
            request,
            "customs/rules.html",
            {
                "at": at,
                "destinations": destinations,
                "export_rules": destinations[0].export_rules if destinations else (),
                "risk_rules": RiskRule.objects.filter(active=True).order_by("kind", "name"),
                "is_admin": user_is_platform_admin(request.user),
            },
        )
