"""`manage.py import_catalogue`: summary, first errors, exit status."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from tests.catalogue_imports.files import HEADER, catalogue_csv, catalogue_row

StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def _run(path, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalogue", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def test_a_clean_file_prints_the_summary_and_exits_zero(merchant, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_bytes(catalogue_csv([catalogue_row("A"), catalogue_row("B")]))

    output = _run(path, "--merchant", merchant.slug)
    again = _run(path, "--merchant", merchant.slug)

    assert output == "Imported: 2 created, 0 updated, 0 unchanged, 0 failed (of 2 rows).\n"
    assert again == "Imported: 0 created, 0 updated, 2 unchanged, 0 failed (of 2 rows).\n"


def test_bad_rows_are_listed_and_the_command_fails(merchant, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_bytes(catalogue_csv([catalogue_row("A"), catalogue_row("B", stock="-1")]))
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"^1 of 2 rows failed\.$"):
        call_command(
            "import_catalogue",
            str(path),
            "--merchant",
            merchant.slug,
            stdout=out,
            stderr=io.StringIO(),
        )

    assert out.getvalue() == (
        "Imported: 1 created, 0 updated, 0 unchanged, 1 failed (of 2 rows).\n"
        "  row 3, stock: Stock must be 0 or more, not -1.\n"
    )
    assert list(StockRecord.objects.values_list("partner_sku", flat=True)) == ["A"]


def test_all_or_nothing_and_dry_run_write_nothing(merchant, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_bytes(catalogue_csv([catalogue_row("A"), catalogue_row("B", stock="-1")]))
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_catalogue", str(path), "--merchant", merchant.slug, "--all-or-nothing",
            stdout=out, stderr=io.StringIO(),
        )  # fmt: skip
    path.write_bytes(catalogue_csv([catalogue_row("A")]))
    dry = _run(path, "--merchant", merchant.slug, "--dry-run")

    assert out.getvalue().startswith(
        "Nothing written (--all-or-nothing and rows failed). Would be: 1 created,"
    )
    assert dry == (
        "Dry run, nothing written. Would be: 1 created, 0 updated, 0 unchanged, 0 failed "
        "(of 1 rows).\n"
    )
    assert not StockRecord.objects.exists()


def test_a_file_level_error_names_the_problem_and_fails(merchant, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_bytes(catalogue_csv([catalogue_row("A")], header=[c for c in HEADER if c != "sku"]))

    with pytest.raises(
        CommandError, match=r"catalogue\.csv: The header row \(row 1\) has missing columns: sku\."
    ):
        _run(path, "--merchant", merchant.slug)

    assert not StockRecord.objects.exists()


def test_an_unknown_merchant_is_refused(db, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_bytes(catalogue_csv([]))

    with pytest.raises(CommandError, match="No merchant with the slug 'nobody'"):
        _run(path, "--merchant", "nobody")


def test_the_exit_status_is_non_zero_when_a_row_fails(merchant, tmp_path, monkeypatch, capsys):
    from django.core.management import base

    from catalogue_imports.management.commands.import_catalogue import Command

    # run_from_argv closes every connection afterwards, the test's transaction included.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    path = tmp_path / "catalogue.csv"
    path.write_bytes(catalogue_csv([catalogue_row("B", stock="-1")]))

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(
            ["manage.py", "import_catalogue", str(path), "--merchant", merchant.slug]
        )

    assert exited.value.code == 1
    assert "CommandError: 1 of 1 rows failed." in capsys.readouterr().err
