"""Refresh the project's translation catalogues (locale/) from our code and templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

#: Folders that are not our code.
IGNORED = [".venv", "node_modules", "var", "static", "test-artifacts", "tests", "benchmarks"]


class Command(BaseCommand):
    help = (
        "Extract our strings into locale/<lang>/LC_MESSAGES/django.po for every language we serve "
        "(Django's makemessages: existing translations are kept), fill English with the English "
        "text, and compile every catalogue to .mo with Babel. New Persian strings must then be "
        "translated (tests/i18n/test_catalogues.py lists them) and this run again to compile."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--compile-only", action="store_true", help="Only compile the .po files to .mo."
        )

    def handle(self, *args: Any, compile_only: bool = False, **options: Any) -> None:
        languages = [code for code, _name in settings.LANGUAGES]
        locale_dir = Path(settings.LOCALE_PATHS[0])
        if not compile_only:
            call_command(
                "makemessages",
                locale=languages,
                ignore_patterns=IGNORED,
                no_obsolete=True,
                verbosity=0,
            )
        for language in languages:
            po_path = locale_dir / language / "LC_MESSAGES" / "django.po"
            with po_path.open("rb") as po:
                catalogue = read_po(po, locale=language)
            catalogue.fuzzy = False
            if language == "en" and not compile_only:
                # English is the msgid language: every entry is its own text (also entries
                # msgmerge fuzzy-matched to an older, different string).
                for message in catalogue:
                    if message.id:
                        message.string = message.id
                    message.flags.discard("fuzzy")
                with po_path.open("wb") as po:
                    write_po(po, catalogue, width=100, include_previous=False)
            elif not compile_only:
                # msgmerge's fuzzy matches are guesses from a different string (often with other
                # placeholders); a fuzzy entry is never served, so drop the guess: the entry then
                # shows as untranslated until someone translates it.
                for message in catalogue:
                    if message.id and message.fuzzy:
                        message.string = (
                            ("",) * len(_strings(message.string))
                            if isinstance(message.id, tuple | list)
                            else ""
                        )
                        message.flags.discard("fuzzy")
                with po_path.open("wb") as po:
                    write_po(po, catalogue, width=100, include_previous=False)
            missing = sum(
                1
                for message in catalogue
                if message.id and (message.fuzzy or not all(_strings(message.string)))
            )
            with po_path.with_suffix(".mo").open("wb") as mo:
                write_mo(mo, catalogue)
            self.stdout.write(f"{language}: {missing} strings left to English")


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)
