"""Fixtures for payment tests: the local Stripe fake, a real Stripe client pointed at it, and a
webhook endpoint. None of them needs the database.

``stripe_fake`` is one server per test session, reset before and after every test, so tests
see no objects, events, faults or webhook settings from each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import stripe

from payments.stripe_fake import StripeFake, WebhookReceiver

STRIPE_TEST_KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_test_fake_secret"


@pytest.fixture(scope="session")
def stripe_fake_server() -> Iterator[StripeFake]:
    fake = StripeFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_fake(stripe_fake_server: StripeFake) -> Iterator[StripeFake]:
    """The running fake, emptied for this test (``.url``, control API: see its README)."""
    stripe_fake_server.reset()
    yield stripe_fake_server
    stripe_fake_server.reset()


@pytest.fixture
def stripe_client_factory(stripe_fake: StripeFake) -> Callable[..., stripe.StripeClient]:
    """Build a real ``stripe.StripeClient`` against the fake with a given timeout and retries."""

    def make(
        api_key: str = STRIPE_TEST_KEY, *, timeout: float = 5.0, max_network_retries: int = 2
    ) -> stripe.StripeClient:
        return stripe_fake.make_client(
            api_key, timeout=timeout, max_network_retries=max_network_retries
        )

    return make


@pytest.fixture
def stripe_client(stripe_client_factory: Callable[..., stripe.StripeClient]) -> stripe.StripeClient:
    """The real Stripe SDK client (5 s timeout, 2 network retries) talking to ``stripe_fake``."""
    return stripe_client_factory()


@pytest.fixture
def stripe_webhook_receiver() -> Iterator[WebhookReceiver]:
    """A local HTTP endpoint recording what is POSTed to it (``.url``, ``.received``)."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def stripe_webhooks(
    stripe_fake: StripeFake, stripe_webhook_receiver: WebhookReceiver
) -> WebhookReceiver:
    """The fake delivering every event, signed with ``WEBHOOK_SECRET``, to the receiver."""
    stripe_fake.configure_webhook(stripe_webhook_receiver.url, WEBHOOK_SECRET)
    return stripe_webhook_receiver
