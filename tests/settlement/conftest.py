"""Fixtures of the settlement tests: the fee rules every test expects, and a paid purchase."""

from __future__ import annotations

import pytest

from tests.settlement.factories import fee_rules_create, purchase_pay


@pytest.fixture
def fee_rules(db):
    fee_rules_create()


@pytest.fixture
def paid(bazaar, fee_rules):
    """A captured sandbox payment for one of each bazaar product (three merchant orders)."""
    return purchase_pay([(product, 1) for _merchant, product in bazaar])


@pytest.fixture(scope="session")
def settlement_stripe_server():
    from payments.stripe_fake import StripeFake

    fake = StripeFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_fake(settlement_stripe_server):
    """The local Stripe fake (see payments/stripe_fake/README.md), emptied for this test."""
    settlement_stripe_server.reset()
    yield settlement_stripe_server
    settlement_stripe_server.reset()
