import pytest

from tests.customs.factories import hs_codes_ensure


@pytest.fixture(autouse=True)
def _hs_codes(db):
    hs_codes_ensure()


@pytest.fixture
def rules(_hs_codes):
    """The seed destination rules, with the seed risk rules switched off (tests add their own)."""
    from tests.customs.factories import customs_rules_ensure, risk_rules_off

    customs_rules_ensure()
    risk_rules_off()


@pytest.fixture
def officer(db):
    from tests.customs.factories import officer_create

    return officer_create()


@pytest.fixture
def second_officer(db):
    from tests.customs.factories import officer_create

    return officer_create("second@customs.example")
