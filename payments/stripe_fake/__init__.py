"""A stateful local fake of the Stripe API, for tests and full-stack runs (see README.md).

Pure Python (standard library only; the ``stripe`` SDK is imported only by
``StripeFake.make_client``), so it also runs standalone: ``python -m payments.stripe_fake``.
"""

from .receiver import WebhookReceiver
from .server import StripeFake
from .webhooks import signature_header

__all__ = ["StripeFake", "WebhookReceiver", "signature_header"]
