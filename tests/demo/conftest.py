import io

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.customs.factories import customs_rules_ensure, hs_codes_ensure


@pytest.fixture(scope="module")
def demo_first_run(django_db_setup, django_db_blocker):
    """Load the demo once per module (it takes seconds) and return the command's output.

    Everything runs inside one transaction rolled back after the module, so the tests' own
    transactions nest in it and the database is left as it was.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        hs_codes_ensure()
        customs_rules_ensure()  # the seed rules (migration data a transactional test may flush)
        out = io.StringIO()
        call_command("load_demo", allow_without_debug=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
