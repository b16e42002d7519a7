import pytest

from tests.customs.factories import hs_codes_ensure


@pytest.fixture(autouse=True)
def _hs_codes(db):
    hs_codes_ensure()
