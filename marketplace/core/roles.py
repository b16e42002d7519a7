"""Staff roles as Django groups, defined here so that every database grants the same permissions.

Platform administrators are superusers (``is_superuser``), not a group. Everyone else who works on
the marketplace belongs to one of the groups below; ``roles_ensure()`` creates them and sets their
permissions to exactly what is listed here (code is the source of truth: permissions added to these
groups by hand are removed on the next run).

Merchant staff reach Oscar's dashboard without ``is_staff``: Oscar 4.2 lets in any user holding
``partner.dashboard_access`` (``DashboardPermission.partner_dashboard_access`` in
``oscar/apps/dashboard/permissions.py``, used by the dashboard index, catalogue and orders
``permissions_map``) and then shows them only the products and orders of the partners whose
``users`` they are in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q

MERCHANT_STAFF: Final = "Merchant staff"
CUSTOMS_OFFICER: Final = "Customs officers"
MUNICIPAL_FINANCE: Final = "Municipal finance"
MUNICIPAL_STAFF: Final = "Municipal staff"

#: Permissions of each group, as "app_label.codename".
ROLE_PERMISSIONS: Final[dict[str, tuple[str, ...]]] = {
    # Their own partner's products, stock and orders in Oscar's dashboard; nothing else.
    MERCHANT_STAFF: ("partner.dashboard_access",),
    # Read the nomenclature and the catalogue; correct a product's classification, origin and
    # weight.
    CUSTOMS_OFFICER: (
        "catalogue.view_product",
        "customs.view_hscode",
        "customs.view_productcustomsinfo",
        "customs.change_productcustomsinfo",
        # The declarations workspace at /customs/ (customs.access: group membership), and read
        # access to declarations and the rules in the admin.
        "customs.work_declaration",
        "customs.view_declaration",
        "customs.view_destinationrule",
        "customs.view_hsrule",
        "customs.view_riskrule",
    ),
    # Read who the merchants are and what they stock; settlement and payouts bring their own.
    MUNICIPAL_FINANCE: (
        "merchants.view_merchant",
        "partner.view_partner",
        "partner.view_stockrecord",
        "reconciliation.view_reconciliationrun",  # /finance/reconciliation/ runs and mismatches
        "reconciliation.change_reconciliationitem",  # mark a mismatch resolved with a note
        "fees.view_feerule",  # fee rules and their history on /finance/fees/
        "fees.add_feerule",
        "fees.change_feerule",  # end, change (successor) or delete a future rule
        "finance.view_remittance",  # municipal remittance statements and exports
        "finance.add_remittance",  # mark a period remitted with its bank reference
    ),
    # Review merchant applications (approve, reject, ask for changes) and suspend or reinstate
    # merchants, on /merchants/review/ (merchants.services).
    MUNICIPAL_STAFF: (
        "merchants.review_merchantapplication",
        "merchants.view_merchantapplication",
        "merchants.view_merchant",
    ),
}


@dataclass
class RolesResult:
    """Group names by what `roles_ensure` did to them."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _permissions_get(names: set[str]) -> dict[str, Permission]:
    query = Q()
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.filter(query).select_related("content_type")
    }
    missing = sorted(names - found.keys())
    if missing:
        raise ImproperlyConfigured(
            f"Permissions {', '.join(missing)} do not exist; run `manage.py migrate` first "
            "(Django creates permissions after migrating)."
        )
    return found


def roles_ensure() -> RolesResult:
    """Create the role groups and give each exactly the permissions in `ROLE_PERMISSIONS`.

    Idempotent: a second run changes nothing and reports every group unchanged. Raises
    `ImproperlyConfigured` naming any permission that does not exist yet (before `migrate`).
    Runs in one transaction.
    """
    result = RolesResult()
    permissions = _permissions_get({name for names in ROLE_PERMISSIONS.values() for name in names})
    with transaction.atomic():
        for group_name, names in ROLE_PERMISSIONS.items():
            group, created = Group.objects.get_or_create(name=group_name)
            wanted = {permissions[name].pk for name in names}
            current = set(group.permissions.values_list("pk", flat=True))
            if current != wanted:
                group.permissions.set(wanted)
            if created:
                result.created.append(group_name)
            elif current != wanted:
                result.updated.append(group_name)
            else:
                result.unchanged.append(group_name)
    return result
