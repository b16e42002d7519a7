"""Stripe's test PaymentMethod ids (``pm_card_*``) and the outcome each one stands for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    """What confirming with a test card does.

    ``outcome``: ``succeed``; ``decline`` (402 card_error with ``code``/``decline_code``);
    ``authenticate`` (``requires_action``, then the decline fields, if any, apply once the
    3D Secure challenge is approved); ``dispute`` (succeeds, disputable by the control API).
    """

    __test__ = False  # not a pytest test class despite the name

    brand: str
    last4: str
    outcome: str = "succeed"
    funding: str = "credit"
    code: str | None = None
    decline_code: str | None = None
    message: str | None = None
    dispute_reason: str = "fraudulent"


_DECLINED = "Your card was declined."


def _declined(
    last4: str, decline_code: str, message: str = _DECLINED, *, code: str = "card_declined"
) -> TestCard:
    return TestCard("visa", last4, "decline", code=code, decline_code=decline_code, message=message)


TEST_CARDS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("visa", "4242"),
    "pm_card_us": TestCard("visa", "4242"),
    "pm_card_visa_debit": TestCard("visa", "5556", funding="debit"),
    "pm_card_mastercard": TestCard("mastercard", "4444"),
    "pm_card_mastercard_debit": TestCard("mastercard", "8210", funding="debit"),
    "pm_card_amex": TestCard("amex", "8431"),
    "pm_card_discover": TestCard("discover", "1117"),
    "pm_card_jcb": TestCard("jcb", "0505"),
    "pm_card_unionpay": TestCard("unionpay", "0005"),
    "pm_card_bypassPending": TestCard("visa", "0077"),
    "pm_card_chargeDeclined": _declined("0002", "generic_decline"),
    "pm_card_visa_chargeDeclined": _declined("0002", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": _declined(
        "9995", "insufficient_funds", "Your card has insufficient funds."
    ),
    "pm_card_visa_chargeDeclinedInsufficientFunds": _declined(
        "9995", "insufficient_funds", "Your card has insufficient funds."
    ),
    "pm_card_chargeDeclinedLostCard": _declined("9987", "lost_card"),
    "pm_card_visa_chargeDeclinedLostCard": _declined("9987", "lost_card"),
    "pm_card_chargeDeclinedStolenCard": _declined("9979", "stolen_card"),
    "pm_card_visa_chargeDeclinedStolenCard": _declined("9979", "stolen_card"),
    "pm_card_chargeDeclinedFraudulent": _declined("0019", "fraudulent"),
    "pm_card_visa_chargeDeclinedFraudulent": _declined("0019", "fraudulent"),
    "pm_card_chargeDeclinedExpiredCard": _declined(
        "0069", "expired_card", "Your card has expired.", code="expired_card"
    ),
    "pm_card_chargeDeclinedIncorrectCvc": _declined(
        "0127", "incorrect_cvc", "Your card's security code is incorrect.", code="incorrect_cvc"
    ),
    "pm_card_chargeDeclinedProcessingError": _declined(
        "0119",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
        code="processing_error",
    ),
    "pm_card_threeDSecure2Required": TestCard("visa", "3220", "authenticate"),
    "pm_card_threeDSecureRequired": TestCard("visa", "3063", "authenticate"),
    "pm_card_authenticationRequired": TestCard("visa", "3184", "authenticate"),
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds": TestCard(
        "visa",
        "3178",
        "authenticate",
        code="card_declined",
        decline_code="insufficient_funds",
        message="Your card has insufficient funds.",
    ),
    "pm_card_createDispute": TestCard("visa", "0259", "dispute"),
    "pm_card_createDisputeProductNotReceived": TestCard(
        "visa", "2685", "dispute", dispute_reason="product_not_received"
    ),
}

AUTHENTICATION_FAILED = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
    "or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)
AUTHENTICATION_REQUIRED = "Your card was declined. This transaction requires authentication."
