"""The finance pages: who reaches them, what they show, and resolving a mismatch."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from marketplace.core import roles
from marketplace.core.money import Money, format_money
from reconciliation.models import ReconciliationItem
from reconciliation.services import reconciliation_run
from tests.reconciliation.conftest import DAY, NOON, sandbox_at, sandbox_capture

pytestmark = pytest.mark.django_db

ROLES = ("finance", "admin", "municipal", "customs", "merchant", "buyer", "anonymous")


@pytest.fixture
def users(django_user_model):
    """A signed-in client per role (anonymous: none)."""
    roles.roles_ensure()

    def make(name: str, *, group: str | None = None, **flags) -> Client:
        user = django_user_model.objects.create_user(f"{name}@example.com", password="x", **flags)
        if group:
            user.groups.add(Group.objects.get(name=group))
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return {
        "finance": make("finance", group=roles.MUNICIPAL_FINANCE, is_staff=True),
        "admin": make("admin", is_staff=True, is_superuser=True),
        "municipal": make("municipal", group=roles.MUNICIPAL_STAFF, is_staff=True),
        "customs": make("customs", group=roles.CUSTOMS_OFFICER, is_staff=True),
        "merchant": make("merchant", group=roles.MERCHANT_STAFF),
        "buyer": make("buyer"),
        "anonymous": Client(),
    }


@pytest.fixture
def run(sandbox, books):
    """DAY reconciled with one capture missing from the ledger and one matched."""
    missing = sandbox_capture(sandbox, amount=1_000_000, key="payment:1")
    matched = sandbox_capture(sandbox, amount=2_000_000, key="payment:2")
    sandbox_at(NOON)
    books.capture(payment_id=2, provider_ref=matched.provider_ref, amount=2_000_000, at=NOON)
    books.fee(payment_id=2, provider_ref=matched.provider_ref, fee=30_000, at=NOON)
    (run,) = reconciliation_run(gateway_name="sandbox", day=DAY)
    run.missing_ref = missing.provider_ref
    return run


def outcome(response) -> int | str:
    if response.status_code == 302 and "login" in response["Location"]:
        return "login"
    return response.status_code


# fmt: off
#: role -> (runs list, run detail, resolve POST)
MATRIX = {
    "finance":   (200, 200, 302),
    "admin":     (200, 200, 302),
    "municipal": (403, 403, 403),
    "customs":   (403, 403, 403),
    "merchant":  (403, 403, 403),
    "buyer":     (403, 403, 403),
    "anonymous": ("login", "login", "login"),
}
# fmt: on


@pytest.mark.parametrize("role", ROLES)
def test_who_reaches_the_reconciliation_pages(role, users, run):
    client = users[role]
    item = run.items.get()
    got = (
        outcome(client.get(reverse("reconciliation:runs"))),
        outcome(client.get(reverse("reconciliation:run", kwargs={"pk": run.pk}))),
        outcome(
            client.post(
                reverse("reconciliation:item-resolve", kwargs={"pk": item.pk}),
                {f"item-{item.pk}-note": "Posted by hand"},
            )
        ),
    )
    assert got == MATRIX[role]
    item.refresh_from_db()
    # only those allowed resolved it
    assert item.is_resolved == (MATRIX[role][2] == 302)


def test_the_runs_list_shows_each_run_with_its_counts(users, run):
    response = users["finance"].get(reverse("reconciliation:runs"))
    row = response.content.decode().split(f'id="run-{run.pk}"')[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0].strip() for cell in row.split('<td class="text-right">')[1:]]
    # matched, mismatched, only in the ledger, only at the processor, open
    assert cells[:4] == ["1", "0", "0", "1"]
    assert ">1</span>" in cells[4]
    assert "2026-03-10" in row and "sandbox" in row and "IRR" in row


def test_a_run_shows_its_open_mismatch_with_a_resolve_form(users, run):
    response = users["finance"].get(reverse("reconciliation:run", kwargs={"pk": run.pk}))
    page = response.content.decode()
    item = run.items.get()
    assert run.missing_ref in page
    assert "Missing in the ledger" in page
    assert f'action="{reverse("reconciliation:item-resolve", kwargs={"pk": item.pk})}"' in page
    assert "csrfmiddlewaretoken" in page
    assert f'<label for="id_item-{item.pk}-note">' in page


def test_resolving_without_a_note_names_the_field_and_changes_nothing(users, run):
    item = run.items.get()
    response = users["finance"].post(
        reverse("reconciliation:item-resolve", kwargs={"pk": item.pk}),
        {f"item-{item.pk}-note": "  "},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Resolution note: say how the mismatch was settled." in page
    assert 'aria-invalid="true"' in page
    item.refresh_from_db()
    assert not item.is_resolved


def test_resolving_with_a_note_records_who_and_lists_it_after_the_open_ones(users, run, books):
    client = users["finance"]
    item = run.items.get()
    response = client.post(
        reverse("reconciliation:item-resolve", kwargs={"pk": item.pk}),
        {f"item-{item.pk}-note": "Capture posted by hand"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("reconciliation:run", kwargs={"pk": run.pk})
    item.refresh_from_db()
    assert (item.resolved_by, item.resolution_note) == (client.user, "Capture posted by hand")
    page = response.content.decode()
    assert "Mismatch marked resolved." in page and "Capture posted by hand" in page
    # a second mismatch found later is listed first, still open
    books.capture(payment_id=9, provider_ref="sbx_pi_ghost", amount=5, at=NOON)
    reconciliation_run(gateway_name="sandbox", day=DAY)
    page = client.get(reverse("reconciliation:run", kwargs={"pk": run.pk})).content.decode()
    ghost = ReconciliationItem.objects.get(provider_ref="sbx_pi_ghost")
    assert page.index(f'id="item-{ghost.pk}"') < page.index(f'id="item-{item.pk}"')


def test_resolving_needs_csrf(users, run):
    item = run.items.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["finance"].user)
    response = client.post(
        reverse("reconciliation:item-resolve", kwargs={"pk": item.pk}),
        {f"item-{item.pk}-note": "x"},
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert not item.is_resolved


def test_resolving_is_post_only_and_unknown_ids_are_404(users, run):
    item = run.items.get()
    client = users["finance"]
    url = reverse("reconciliation:item-resolve", kwargs={"pk": item.pk})
    assert client.get(url).status_code == 405
    assert (
        client.post(reverse("reconciliation:item-resolve", kwargs={"pk": 999_999})).status_code
        == 404
    )
    assert client.get(reverse("reconciliation:run", kwargs={"pk": 999_999})).status_code == 404


def test_the_pages_render_in_persian(users, run):
    # given a finance officer reading in Persian
    client = users["finance"]
    client.cookies["django_language"] = "fa"
    # when they open the run
    page = client.get(reverse("reconciliation:run", kwargs={"pk": run.pk})).content.decode()
    # then the page is Persian, amounts in Persian digits
    assert 'lang="fa"' in page
    assert format_money(Money(run.processor_net_minor, "IRR"), "fa") in page
