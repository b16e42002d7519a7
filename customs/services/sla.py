"""SLA timers: each lane gives officers ``CUSTOMS_SLA_HOURS[lane]`` from lane assignment to release
or rejection; the beat task marks the declarations past due and escalates by email."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customs.conf import setting
from customs.models import OPEN_STATUSES, Declaration, EventAction
from customs.services.declarations import event_append
from marketplace.core.roles import CUSTOMS_OFFICER

logger = logging.getLogger(__name__)


def _recipients(declaration: Declaration) -> list[str]:
    emails = list(setting("CUSTOMS_ESCALATION_EMAILS"))
    if declaration.assigned_to_id and declaration.assigned_to.email:
        emails.append(declaration.assigned_to.email)
    if not emails:
        emails = list(
            get_user_model()
            .objects.filter(groups__name=CUSTOMS_OFFICER, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    return sorted(set(emails))


def declarations_sla_escalate(*, now: datetime | None = None) -> list[int]:
    """Mark every open declaration whose SLA is past due as breached (once), append the audit
    event, and email the escalation list (``CUSTOMS_ESCALATION_EMAILS``), the assigned officer,
    or failing both every officer. Returns the ids marked. Idempotent: a breached declaration is
    not marked or emailed again."""
    now = now or timezone.now()
    marked = []
    due = Declaration.objects.filter(
        status__in=list(OPEN_STATUSES), sla_due_at__lt=now, sla_breached_at__isnull=True
    ).values_list("pk", flat=True)
    for declaration_id in list(due):
        with transaction.atomic():
            declaration = (
                Declaration.objects.select_for_update(of=("self",))
                .select_related("assigned_to")
                .get(pk=declaration_id)
            )
            if declaration.sla_breached_at is not None or declaration.status not in OPEN_STATUSES:
                continue
            declaration.sla_breached_at = now
            declaration.save(update_fields=["sla_breached_at", "updated_at"])
            event_append(
                declaration,
                action=EventAction.SLA_BREACHED,
                reason=_("Due %(due)s, still %(status)s.")
                % {"due": declaration.sla_due_at.isoformat(), "status": declaration.status},
                after={"sla_breached_at": now.isoformat()},
            )
            recipients = _recipients(declaration)
            number, lane = declaration.number, declaration.lane
            if recipients:
                transaction.on_commit(
                    lambda r=recipients, n=number, lane=lane: send_mail(
                        _("Customs SLA breached: %(number)s") % {"number": n},
                        _("Declaration %(number)s (%(lane)s lane) is past its SLA.")
                        % {"number": n, "lane": lane},
                        settings.DEFAULT_FROM_EMAIL,
                        r,
                        fail_silently=True,
                    )
                )
        marked.append(declaration_id)
    if marked:
        logger.warning("customs SLA breached for %d declaration(s)", len(marked))
    return marked
