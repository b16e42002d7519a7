"""Reads of the outbox: what is still waiting to be published, for the relay, admin and health."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min

from outbox.models import OutboxMessage


def outbox_pending_count() -> int:
    """How many messages are not yet published (due or backing off)."""
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()


def outbox_oldest_pending_created_at() -> datetime | None:
    """When the oldest unpublished message was written, or None: the relay's lag."""
    return OutboxMessage.objects.filter(sent_at__isnull=True).aggregate(oldest=Min("created_at"))[
        "oldest"
    ]
