"""Buyer-facing texts for decline codes, translated in the buyer's language.

Gateways return English messages; the checkout shows these instead when it knows the code, so
the buyer reads them in Persian, Arabic, Russian or English.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DECLINE_MESSAGES = {
    "generic_decline": _("Your card was declined."),
    "card_declined": _("Your card was declined."),
    "insufficient_funds": _("Your card has insufficient funds."),
    "expired_card": _("Your card has expired."),
    "incorrect_cvc": _("Your card's security code is incorrect."),
    "incorrect_number": _("Your card number is incorrect."),
    "invalid_request": _("Your card number is incorrect."),
    "authentication_failed": _(
        "We are unable to authenticate your payment method. Please choose a different payment "
        "method and try again."
    ),
    "payment_intent_authentication_failure": _(
        "We are unable to authenticate your payment method. Please choose a different payment "
        "method and try again."
    ),
    "expired": _("Your payment was not completed in time and has been cancelled."),
    "canceled": _("Your payment was cancelled; nothing was taken."),
}


def decline_message(*, code: str, fallback: str = "") -> str:
    """The buyer's-language message for ``code``; else ``fallback`` through gettext; else a
    generic decline."""
    if code in DECLINE_MESSAGES:
        return str(DECLINE_MESSAGES[code])
    if fallback:
        return gettext(fallback)
    return gettext("Your card was declined.")
