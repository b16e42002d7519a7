"""Background work of purchases."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from i18n.languages import language_or_default
from purchases.models import Purchase
from purchases.selectors import purchase_with_parts


@shared_task(
    name="purchases.confirmation_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def purchase_confirmation_send(purchase_id: int) -> None:
    """Email the buyer one confirmation for the whole purchase, listing each merchant's part, in
    the language they checked out in.

    Idempotent: the purchase records when it was sent, and a second run returns early. Retries
    mail-server connection errors with backoff.
    """
    purchase = purchase_with_parts(purchase_id=purchase_id)
    if purchase.confirmation_sent_at is not None or not purchase.email:
        return
    from customs.selectors.checkout import merchant_orders_landed_cost

    parts = list(purchase.merchant_orders.all())
    # Abroad, each order's duty and import VAT: collected now (DDP) or an estimate (DAP).
    landed_costs = merchant_orders_landed_cost(merchant_orders=parts)
    context = {"purchase": purchase, "parts": parts, "landed_costs": landed_costs}
    # In the buyer's language at checkout (the default one for purchases that did not record it).
    with translation.override(language_or_default(purchase.language)):
        subject = render_to_string("purchases/email/confirmation_subject.txt", context).strip()
        body = render_to_string("purchases/email/confirmation_body.txt", context)
        html = render_to_string("purchases/email/confirmation_body.html", context)
    with transaction.atomic():
        claimed = Purchase.objects.filter(pk=purchase.pk, confirmation_sent_at__isnull=True).update(
            confirmation_sent_at=timezone.now()
        )
        if not claimed:
            return
        message = EmailMultiAlternatives(subject=subject, body=body, to=[purchase.email])
        message.attach_alternative(html, "text/html")
        message.send()
